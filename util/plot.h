// Figures for reports: SVG written directly (scatter plots with a diagonal, heatmaps with labels),
// and PNG copies made with rsvg-convert (Debian's librsvg2-bin, installed by
// scripts/install-deps.sh) when it is on PATH.
#pragma once
#include <string>
#include <vector>

namespace iqnas {

struct ScatterSeries {
  std::string name;
  std::vector<double> x, y;
};
// Points of every series (a colour each), axes with ticks, and the line y = x when `diagonal`.
std::string scatter_svg(const std::vector<ScatterSeries>& series, const std::string& title, const std::string& xlabel,
                        const std::string& ylabel, bool diagonal);

// A heatmap of values[row][col] (NaN: an empty cell) on a diverging scale centred at 0, each cell
// labelled with its value (printf `cell_format`).
std::string heatmap_svg(const std::vector<std::vector<double>>& values, const std::vector<std::string>& rows,
                        const std::vector<std::string>& cols, const std::string& title, const char* cell_format);

// Writes `svg` to `path` (.svg) atomically and, when rsvg-convert exists, a PNG next to it
// (same name, .png). Returns the PNG's path, or "" when none could be made.
std::string write_figure(const std::string& path, const std::string& svg);

}  // namespace iqnas
