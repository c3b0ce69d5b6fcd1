// The report of an `iqnas run` (DIR/report.md and its figures), assembled from the run folder's
// files: the networks found per budget with their predicted and measured latency and accuracy,
// the predictors' rank quality, what the contributions teach, and the time of every stage.
#pragma once
#include <string>
#include <vector>

#include "experiments/run_config_file.h"

namespace iqnas::cli {

void write_report(const std::string& dir, const PipelineConfig& c, const std::vector<std::string>& budget_tags);

}  // namespace iqnas::cli
