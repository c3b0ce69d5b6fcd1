// The cells and statistics of the experiment tables and the report (experiments/result_files.h):
// free text cannot break a markdown row or a CSV line, the median is the usual one, and the solver
// cell names the solver budget of a network kept after a re-solve, and the within-budget cell judges
// by the same-run latency.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "experiments/result_files.h"

using namespace iqnas::cli;

namespace {

// The cells of one markdown table row, split at the '|' that are not escaped.
int markdown_columns(const std::string& row) {
  int bars = 0;
  for (size_t i = 0; i < row.size(); ++i) bars += row[i] == '|' && (i == 0 || row[i - 1] != '\\');
  return bars - 1;
}

TEST(TableCells, MedianOfAnEvenCountIsTheMeanOfTheTwoMiddleValues) {
  EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(median({10, 20}), 15);
  EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(median({7}), 7);
  EXPECT_TRUE(std::isnan(median({})));
}

TEST(TableCells, AMarkdownCellKeepsItsRowWhole) {
  // The change of an ablation variant: a jq filter with a pipe.
  const std::string change = "supernet: .kd_kl_weight = 0 | .kd_features = false; from supernet";
  const std::string row = "| no-distill | " + markdown_cell(change) + " | 5m |";
  EXPECT_EQ(markdown_columns(row), 3) << row;
  EXPECT_EQ(markdown_cell("a|b"), "a\\|b");
  EXPECT_EQ(markdown_cell("two\nlines"), "two lines");
  EXPECT_EQ(markdown_cell("plain text"), "plain text");
}

TEST(TableCells, ACsvCellIsQuotedWithItsQuotesDoubled) {
  EXPECT_EQ(csv_cell("plain"), "plain");
  EXPECT_EQ(csv_cell("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_cell("supernet: .sampling = \"single\""), "\"supernet: .sampling = \"\"single\"\"\"");
}

// A search result (search/<budget>.json) as far as the solver cell reads it.
nlohmann::json search_result(double budget, const nlohmann::json& rounds) {
  nlohmann::json s;
  s["budgets"]["latency_ms"] = budget;
  s["solver"] = {{"status", "optimal"}, {"bound", 71.5}};
  if (!rounds.is_null()) s["measured_fit"] = {{"fits", true}, {"rounds", rounds}};
  return s;
}

TEST(TableCells, OnePassHasNoStandardError) {
  EXPECT_EQ(plus_minus("%.2f", 0.1234, 3), "+-0.12");
  EXPECT_EQ(plus_minus("%.4f", 0.0, 1), "+-n/a");
  EXPECT_DOUBLE_EQ(standard_error(0.25, 2), 0.25);
  EXPECT_TRUE(std::isnan(standard_error(0.0, 1)));
  EXPECT_EQ(format_value("%.6f", standard_error(0.0, 1)), "-");  // the CSV cell of a missing value
}

TEST(TableCells, TheSolverCellGivesTheSolverBudgetOfAReSolvedNetwork) {
  EXPECT_EQ(solver_cell(search_result(0.9, nullptr)), "optimal (proven)");
  // The table's optimum measured within the budget: the proof is for the user's budget.
  EXPECT_EQ(solver_cell(search_result(0.9, nlohmann::json::array({{{"solver_budget_ms", 0.9}, {"measured_ms", 0.88}, {"chosen", true}}}))),
            "optimal (proven)");
  // Kept after a re-solve: proven for the scaled solver budget, which the cell names.
  const nlohmann::json rounds = nlohmann::json::array({{{"solver_budget_ms", 0.9}, {"measured_ms", 0.97}, {"chosen", false}},
                                                      {{"solver_budget_ms", 0.8351}, {"measured_ms", 0.89}, {"chosen", true}}});
  const nlohmann::json resolved = search_result(0.9, rounds);
  EXPECT_EQ(solver_cell(resolved), "optimal (proven) for solver budget 0.8351 ms");
  EXPECT_EQ(kept_fit_round(resolved), &resolved["measured_fit"]["rounds"][1]);
  EXPECT_EQ(kept_fit_round(search_result(0.9, nullptr)), nullptr);
  EXPECT_DOUBLE_EQ(kept_solver_budget_ms(resolved), 0.8351);
  EXPECT_TRUE(std::isnan(kept_solver_budget_ms(search_result(0.9, nullptr))));
  nlohmann::json heuristic = search_result(0.9, nullptr);
  heuristic["solver"] = {{"status", "feasible"}, {"bound", nullptr}};
  EXPECT_EQ(solver_cell(heuristic), "feasible");
}

// The report's within-budget column judges a found network by its latency at the table's speed
// (latency.same_run_ms), not by the raw median of the measure call, which moves with the machine.
TEST(TableCells, WithinBudgetIsJudgedAtTheTablesSpeed) {
  const nlohmann::json slow_moment = {{"latency", {{"median_ms", 1.05}, {"same_run_ms", 0.98}}}};
  const nlohmann::json fast_moment = {{"latency", {{"median_ms", 0.95}, {"same_run_ms", 1.02}}}};
  EXPECT_DOUBLE_EQ(judged_latency_ms(slow_moment), 0.98);
  EXPECT_EQ(within_budget_cell(slow_moment, 1.0), "yes");
  EXPECT_EQ(within_budget_cell(fast_moment, 1.0), "no");
  // A file written before the same-run figure was recorded is not judged by its raw median.
  const nlohmann::json old_file = {{"latency", {{"median_ms", 0.95}}}};
  EXPECT_TRUE(std::isnan(judged_latency_ms(old_file)));
  EXPECT_EQ(within_budget_cell(old_file, 1.0), "-");
  EXPECT_EQ(within_budget_cell(nullptr, 1.0), "-");
}

}  // namespace
