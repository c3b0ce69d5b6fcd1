// The report of an `iqnas run` (DIR/report.md and its figures), assembled from the run folder's
// files: the networks found per budget with their predicted and measured latency and accuracy,
// the predictors' rank quality, what the contributions teach, and the time of every stage.
#pragma once
#include <string>
#include <vector>

#include "experiments/run_config_file.h"

namespace iqnas::cli {

// The interpretability section: the heatmap of every block configuration's contribution (written
// as DIR/contributions.svg/.png), depth contributions and the marginal effects per stage, and
// whether the paper's finding holds. Empty when DIR/contrib.json is absent or incomplete.
std::string contributions_markdown(const std::string& dir);

// The found networks measured as the random sub-networks of sample-eval were (the measure stage's
// `sample-eval --arch`): one row per network, each naming its architecture.
std::string found_heldout_csv(const std::string& dir);

void write_report(const std::string& dir, const PipelineConfig& c, const std::vector<std::string>& budget_tags);

}  // namespace iqnas::cli
