#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "util/plot.h"

TEST(Plot, ScatterHasOnePointPerPairAndTheDiagonal) {
  const std::string svg = iqnas::scatter_svg({{"a", {1, 2, 3}, {1.1, 2.2, 2.9}}, {"b", {2}, {3}}}, "t", "x", "y", true);
  size_t circles = 0;
  for (size_t at = svg.find("<circle"); at != std::string::npos; at = svg.find("<circle", at + 1)) ++circles;
  EXPECT_EQ(circles, 4u + 2u);  // 4 points and 2 legend marks
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
}

TEST(Plot, HeatmapLabelsEveryFiniteCell) {
  const std::string svg = iqnas::heatmap_svg({{1.0, -2.0}, {NAN, 0.5}}, {"r1", "r2"}, {"c1", "c2"}, "h", "%.1f");
  size_t rects = 0;
  for (size_t at = svg.find("<rect x="); at != std::string::npos; at = svg.find("<rect x=", at + 1)) ++rects;
  EXPECT_EQ(rects, 3u);
  EXPECT_NE(svg.find(">-2.0<"), std::string::npos);
}

TEST(Plot, FigureIsWrittenAndConvertedToPngWhenRsvgConvertExists) {
  const std::string dir = ::testing::TempDir() + "/iqnas plot 'quoted'";
  std::filesystem::create_directories(dir);
  const std::string png = iqnas::write_figure(dir + "/f.svg", iqnas::scatter_svg({{"a", {1, 2}, {2, 1}}}, "t", "x", "y", false));
  EXPECT_TRUE(std::filesystem::exists(dir + "/f.svg"));
  if (std::system("command -v rsvg-convert >/dev/null 2>&1") != 0) GTEST_SKIP() << "rsvg-convert not installed";
  ASSERT_EQ(png, dir + "/f.png");
  std::ifstream f(png, std::ios::binary);
  char sig[8] = {};
  f.read(sig, 8);
  EXPECT_EQ(std::string(sig + 1, 3), "PNG");
  std::filesystem::remove_all(dir);
}
