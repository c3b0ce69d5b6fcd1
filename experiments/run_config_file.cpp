#include "experiments/run_config_file.h"

#include <filesystem>
#include <stdexcept>

#include "experiments/run_folder.h"
#include "predictor/contributions.h"
#include "predictor/latency_table.h"
#include "util/json_reader.h"

namespace iqnas::cli {

const std::vector<std::string>& pipeline_stages() {
  static const std::vector<std::string> stages{"heaviest", "reorder", "supernet", "lut",      "contrib", "sample-eval",
                                               "predictor-eval", "search", "measure", "finetune", "export", "report"};
  return stages;
}

PipelineConfig load_pipeline_config(const std::string& path) {
  PipelineConfig c;
  c.source = path;
  const util::json j = util::parse_json(util::read_text_file(path), path);
  util::JsonObject top(j, "", path);
  if (top.has("space")) c.space = top.get_string("space");
  if (top.has("threads")) c.threads = top.get_int("threads", 1, 64);
  if (top.has("weights")) c.weights = top.get_string("weights");
  if (c.weights != "ema" && c.weights != "raw") top.fail("weights must be ema or raw, got '" + c.weights + "'");
  if (top.has("data")) {
    util::JsonObject d(top.at("data"), "data", path);
    if (d.has("dataset")) c.dataset = d.get_string("dataset");
    if (d.has("root")) c.root = d.get_string("root");
    d.finish();
  }
  const std::filesystem::path base = std::filesystem::path(path).parent_path();
  auto config_path = [&](const char* key) {  // a stage's training configuration, relative to this file
    const std::filesystem::path p = top.get_string(key);
    return (p.is_relative() ? base / p : p).string();
  };
  c.heaviest_config = config_path("heaviest");
  c.supernet_config = config_path("supernet");
  c.finetune_config = config_path("finetune");
  if (top.has("reorder")) c.reorder_config = config_path("reorder");
  if (top.has("lut")) {
    util::JsonObject r(top.at("lut"), "lut", path);
    if (r.has("threads")) c.lut_threads = r.get_int("threads", 1, 64);
    if (r.has("batch")) c.lut_batch = r.get_int("batch", 1, 4096);
    if (r.has("repeats")) c.lut_repeats = r.get_int("repeats", 1, 100000);
    if (r.has("min_seconds")) c.lut_min_seconds = r.get_number("min_seconds", 0, 86400);
    if (r.has("cache")) c.lut_cache = r.get_string("cache");
    if (!predictor::is_cache_state(c.lut_cache)) r.fail("lut.cache must be cold or warm, got '" + c.lut_cache + "'");
    if (r.has("correction")) {
      util::JsonObject k(r.at("correction"), "lut.correction", path);
      c.lut_correction_networks = k.get_int("networks", 4, 100000);
      if (k.has("repeats")) c.lut_correction_repeats = k.get_int("repeats", 1, 100000);
      k.finish();
    }
    r.finish();
  }
  if (top.has("contrib")) {
    util::JsonObject r(top.at("contrib"), "contrib", path);
    if (r.has("passes")) c.contrib_passes = r.get_int("passes", 1, 1000);
    if (r.has("images")) c.contrib_images = r.get_int64("images", 0, 100000000);
    if (r.has("context")) c.contrib_context = r.get_string("context");
    try {
      predictor::parse_context(c.contrib_context);
    } catch (const std::invalid_argument& e) {
      r.fail(std::string("contrib.") + e.what());
    }
    const bool grouped = c.contrib_context == "grouped";
    if (r.has("group_images")) {
      if (!grouped) r.fail("contrib.group_images applies to context grouped only");
      c.contrib_group_images = r.get_int64("group_images", 1, 100000000);
    }
    if (r.has("metric")) c.metric = r.get_string("metric");
    if (c.metric != "top1" && c.metric != "logprob") r.fail("contrib.metric must be top1 or logprob, got '" + c.metric + "'");
    if (r.has("recalibrate")) c.recalibrate = r.get_int("recalibrate", 0, 100000);
    if (grouped && c.recalibrate == 0) r.fail("contrib.context grouped needs contrib.recalibrate >= 1 (BN batches per group path)");
    r.finish();
  }
  if (top.has("sample_eval")) {
    util::JsonObject r(top.at("sample_eval"), "sample_eval", path);
    if (r.has("count")) c.sample_count = r.get_int("count", 2, 1000000);
    if (r.has("metric")) c.truth_metric = r.get_string("metric");
    if (c.truth_metric != "top1" && c.truth_metric != "logprob")
      r.fail("sample_eval.metric must be top1 or logprob, got '" + c.truth_metric + "'");
    r.finish();
  }
  if (top.has("predictor_eval")) {
    util::JsonObject r(top.at("predictor_eval"), "predictor_eval", path);
    if (r.has("test")) c.predictor_test = r.get_int("test", 2, 1000000);
    if (r.has("mlp_epochs")) c.mlp_epochs = r.get_int("mlp_epochs", 1, 100000);
    r.finish();
  }
  if (c.predictor_test >= c.sample_count) top.fail("predictor_eval.test must be smaller than sample_eval.count");
  if (top.has("search")) {
    util::JsonObject r(top.at("search"), "search", path);
    if (r.has("resource")) c.resource = r.get_string("resource");
    if (r.has("budgets")) c.budgets = r.get_number_list("budgets", 1e-12, 1e12);
    if (r.has("fractions")) c.fractions = r.get_number_list("fractions", 0, 1);
    if (r.has("method")) c.method = r.get_string("method");
    if (r.has("fit_measured")) c.fit_measured = r.get_int("fit_measured", 0, 20);
    r.finish();
  }
  if (c.budgets.empty() == c.fractions.empty()) top.fail("search: give exactly one of budgets and fractions");
  top.finish();
  return c;
}

}  // namespace iqnas::cli
