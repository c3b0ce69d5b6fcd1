// The configuration of `iqnas run`: one JSON file naming the space, the data and every stage's
// settings (docs/pipeline.md). Read strictly: unknown keys and wrong types are refused with the
// file and the key's path.
#pragma once
#include <string>
#include <vector>

namespace iqnas::cli {

struct PipelineConfig {
  std::string source;  // the file, for messages
  std::string space = "tiny";
  std::string dataset, root;            // empty: the space's default data set
  std::string heaviest_config, supernet_config, finetune_config;  // paths (relative to the file's folder)
  std::string reorder_config;  // optional: empty skips the channel reordering
  int threads = 2;
  std::string weights = "ema";  // the supernet's weights every stage after its training uses: ema or raw
  // lut
  int lut_threads = 1, lut_batch = 1, lut_repeats = 30;
  double lut_min_seconds = 20;  // lut --min-seconds
  std::string lut_cache = "cold";
  // lut.correction: after the table, `iqnas lut-check --apply-correction` on this many random
  // networks (0: none) timed with this many repeats, so that the search plans with what whole
  // networks measure on this machine.
  int lut_correction_networks = 0, lut_correction_repeats = 20;
  // contrib
  int contrib_passes = 2;
  long long contrib_images = 2000;
  std::string contrib_context = "uniform";
  long long contrib_group_images = 100;  // images per group in the grouped context
  std::string metric = "top1";        // of the contributions: top1 or logprob
  std::string truth_metric = "top1";  // of the random and the found sub-networks (sample_eval.metric)
  // BN recalibration batches (0: none) before each contribution and of each random sub-network, whose
  // recalibrated accuracy is then the predictors' truth
  int recalibrate = 0;
  // sample-eval and predictor-eval
  int sample_count = 300;
  int predictor_test = 200, mlp_epochs = 100;
  // search
  std::string resource = "latency_ms";
  std::vector<double> budgets;    // absolute budgets, or
  std::vector<double> fractions;  // fractions of the way from the smallest to the heaviest network
  std::string method = "exact";
  // latency budgets: re-solves while the found network measures over its budget (search --fit-measured)
  int fit_measured = 3;
};

PipelineConfig load_pipeline_config(const std::string& path);

// The stages of `iqnas run`, in order.
const std::vector<std::string>& pipeline_stages();

}  // namespace iqnas::cli
