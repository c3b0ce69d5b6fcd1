// The cells and statistics of the experiment tables and the report (experiments/result_files.h):
// free text cannot break a markdown row or a CSV line, and the median is the usual one.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

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

}  // namespace
