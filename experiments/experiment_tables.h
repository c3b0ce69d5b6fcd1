// The tables and figures of `iqnas experiment` (docs/experiments.md), each computed from a finished
// run folder: experiment_search.cpp (T1, T4: searches), experiment_costs.cpp (T2, T3, F1: the
// run's own results and timings); and the summary of the ablation runs.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "experiments/output.h"

namespace iqnas::cli {

struct ExperimentSettings {
  std::string dir, out;                 // run folder, output folder
  int budgets = 6;                      // latency budgets from 10% to 90% of the range
  double time_limit_s = 10;             // of every solve
  int64_t seed = 0;                     // of the randomised methods
  std::vector<std::string> data_args;   // --dataset/--root/--threads for `measure`
};

struct ExperimentTable {
  std::string csv, markdown;
  std::vector<std::string> figures;  // files written besides the CSV and markdown
};

ExperimentTable accuracy_vs_latency(const ExperimentSettings& e, const Output& o);  // T1
ExperimentTable predictor_costs(const ExperimentSettings& e);                       // T2
ExperimentTable one_time_costs(const ExperimentSettings& e);                        // T3
ExperimentTable solver_methods(const ExperimentSettings& e, const Output& o);       // T4
ExperimentTable contribution_heatmap(const ExperimentSettings& e);                  // F1
// experiment_ablations.cpp: e.dir is the output folder of experiments/ablations/run.sh.
ExperimentTable ablation_summary(const ExperimentSettings& e);

}  // namespace iqnas::cli
