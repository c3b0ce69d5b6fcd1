// The statistics of the experiment tables and the report (experiments/result_files.h): the median
// is the usual one.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "experiments/result_files.h"

using namespace iqnas::cli;

namespace {

TEST(TableCells, MedianOfAnEvenCountIsTheMeanOfTheTwoMiddleValues) {
  EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(median({10, 20}), 15);
  EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(median({7}), 7);
  EXPECT_TRUE(std::isnan(median({})));
}

}  // namespace
