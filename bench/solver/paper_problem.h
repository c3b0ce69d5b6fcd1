// Problems with the structure of the method's program (docs/method.md sections 3 and 5-7) for benchmarks:
// 5 stages x (4 block groups of 12 configurations + a depth group {2,3,4}); accuracy and budgets
// constant + linear + bilinear, block b >= 2 terms multiplied by the depth indicators d >= b.
// Latencies come from the TF-NAS Xeon table in the data folder ($IQNAS_DATA) when it is there (read in place),
// otherwise from a formula; the accuracy contributions are synthetic with plausible magnitudes.
#pragma once
#include <string>

#include "solver/problem.h"

namespace iqnas::bench {

struct PaperProblemSpec {
  int seed = 0;
  int budgets = 1;             // 1: latency; 2: + parameters; 3: + MACs
  double latency_frac = 0.5;   // each budget at this fraction between its min and max
  int cross_terms = 0;         // objective terms joining block options of two different stages
                               // (a dense fitted predictor): N(0, 0.3^2) coefficients
  std::string latency_csv;     // empty: $IQNAS_DATA/tfnas/latency_xeon_gold_6130_bs1.csv.gz
};

// `source` (optional) receives "tfnas-xeon" or "synthetic".
solver::Problem paper_problem(const PaperProblemSpec& spec, std::string* source = nullptr);

}  // namespace iqnas::bench
