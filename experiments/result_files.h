// Reading the result files of a run folder (search, measure, timings JSON; predictor-eval and
// subnets CSV) for tables: a missing file or field reads as null / NaN, and NaN prints as "-";
// and writing the tables' cells and summary statistics.
#pragma once
#include <initializer_list>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace iqnas::cli {

nlohmann::json read_json_if_exists(const std::string& path);  // null when the file is absent
// The comma-separated cells of each non-empty line of the file at `path` (no quoting: the run's own
// CSV files hold none), the header line included.
std::vector<std::vector<std::string>> csv_rows(const std::string& path);
// The number at `path` (object keys) in `j`, NaN when any key is missing or the value is not a number.
double json_number(const nlohmann::json& j, std::initializer_list<const char*> path);
std::string format_value(const char* printf_format, double v);  // "-" for NaN and infinities
// A standard error over `passes` passes of a measurement: NaN with one pass, which gives none (the
// contribution predictor stores 0 there, which would read as an exact value).
double standard_error(double se, int passes);
// "+-" and that standard error in `printf_format`; "+-n/a" with one pass.
std::string plus_minus(const char* printf_format, double se, int passes);
// The round of `search --fit-measured` whose network a search result (search/<budget>.json) kept,
// from its "measured_fit" rounds; null when the search did not measure.
const nlohmann::json* kept_fit_round(const nlohmann::json& search);
// The solver's latency budget of that round (the user's budget unless a re-solve's network was
// kept); NaN when the search did not measure.
double kept_solver_budget_ms(const nlohmann::json& search);
// A found network's latency as the measure stage judges it (measure/<budget>.arch.json):
// latency.same_run_ms, timed with the table's entries and given at the table's speed
// (predictor/measured_latency.h); NaN in a file without it (written before it was recorded).
double judged_latency_ms(const nlohmann::json& measure);
// The report's "within budget" cell: "yes" or "no" by the judged latency, "-" without one.
std::string within_budget_cell(const nlohmann::json& measure, double budget);
// The report's solver cell of a search result: the status, "(proven)" with a proven bound, and the
// solver's latency budget when the kept network is a re-solve's under a scaled budget (the
// optimum is then proven for that budget, not for the user's).
std::string solver_cell(const nlohmann::json& search);
// The usual median: the middle value, the mean of the two middle ones for an even count; NaN for none.
double median(std::vector<double> v);
// A markdown table cell holding free text (a file's content, a folder name): '|' escaped and line
// breaks made spaces, so that the text cannot split the row.
std::string markdown_cell(const std::string& text);
// A CSV cell holding free text: quoted, inner quotes doubled, when it holds a comma, quote or line break.
std::string csv_cell(const std::string& text);

}  // namespace iqnas::cli
