#include "experiments/run_config_file.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "experiments/run_folder.h"

namespace iqnas::cli {

namespace {
using json = nlohmann::json;

struct Reader {
  const std::string& file;
  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw std::invalid_argument(file + ": " + path + ": " + what);
  }
  void only(const json& j, const std::string& path, const std::set<std::string>& keys) const {
    if (!j.is_object()) fail(path.empty() ? "(top level)" : path, "must be an object");
    for (auto it = j.begin(); it != j.end(); ++it)
      if (!keys.count(it.key())) {
        std::string known;
        for (const auto& k : keys) known += (known.empty() ? "" : ", ") + k;
        fail(path.empty() ? it.key() : path + "." + it.key(), "unknown key (known: " + known + ")");
      }
  }
  template <class T>
  void get(const json& j, const std::string& path, const char* key, T& out) const {
    if (!j.contains(key)) return;
    try {
      out = j.at(key).get<T>();
    } catch (const json::exception&) {
      fail(path.empty() ? key : path + "." + key, "has the wrong type");
    }
  }
  void range(const std::string& path, double v, double lo, double hi) const {
    if (!(v >= lo && v <= hi)) fail(path, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
};
}  // namespace

const std::vector<std::string>& pipeline_stages() {
  static const std::vector<std::string> stages{"heaviest", "reorder", "supernet", "lut",      "contrib", "sample-eval",
                                               "predictor-eval", "search", "measure", "finetune", "export", "report"};
  return stages;
}

PipelineConfig load_pipeline_config(const std::string& path) {
  PipelineConfig c;
  c.source = path;
  json j;
  try {
    j = json::parse(read_text(path));
  } catch (const json::exception& e) {
    throw std::invalid_argument(path + ": not valid JSON: " + e.what());
  }
  const Reader r{path};
  r.only(j, "", {"space", "data", "threads", "heaviest", "reorder", "supernet", "finetune", "lut", "contrib", "sample_eval",
                 "predictor_eval", "search"});
  r.get(j, "", "space", c.space);
  r.get(j, "", "threads", c.threads);
  r.range("threads", c.threads, 1, 64);
  if (j.contains("data")) {
    r.only(j["data"], "data", {"dataset", "root"});
    r.get(j["data"], "data", "dataset", c.dataset);
    r.get(j["data"], "data", "root", c.root);
  }
  const std::filesystem::path base = std::filesystem::path(path).parent_path();
  for (auto [key, out] : {std::pair<const char*, std::string*>{"heaviest", &c.heaviest_config},
                          {"supernet", &c.supernet_config},
                          {"finetune", &c.finetune_config}}) {
    r.get(j, "", key, *out);
    if (out->empty()) r.fail(key, "missing: the path of the stage's training configuration");
    if (std::filesystem::path(*out).is_relative()) *out = (base / *out).string();
  }
  r.get(j, "", "reorder", c.reorder_config);
  if (!c.reorder_config.empty() && std::filesystem::path(c.reorder_config).is_relative())
    c.reorder_config = (base / c.reorder_config).string();
  if (j.contains("lut")) {
    r.only(j["lut"], "lut", {"threads", "batch", "repeats"});
    r.get(j["lut"], "lut", "threads", c.lut_threads);
    r.get(j["lut"], "lut", "batch", c.lut_batch);
    r.get(j["lut"], "lut", "repeats", c.lut_repeats);
    r.range("lut.threads", c.lut_threads, 1, 64), r.range("lut.batch", c.lut_batch, 1, 4096);
    r.range("lut.repeats", c.lut_repeats, 1, 100000);
  }
  if (j.contains("contrib")) {
    r.only(j["contrib"], "contrib", {"passes", "images", "context"});
    r.get(j["contrib"], "contrib", "passes", c.contrib_passes);
    r.get(j["contrib"], "contrib", "images", c.contrib_images);
    r.get(j["contrib"], "contrib", "context", c.contrib_context);
    r.range("contrib.passes", c.contrib_passes, 1, 1000), r.range("contrib.images", double(c.contrib_images), 0, 1e8);
    if (c.contrib_context != "uniform" && c.contrib_context != "sequential") r.fail("contrib.context", "must be uniform or sequential");
  }
  if (j.contains("sample_eval")) {
    r.only(j["sample_eval"], "sample_eval", {"count"});
    r.get(j["sample_eval"], "sample_eval", "count", c.sample_count);
    r.range("sample_eval.count", c.sample_count, 2, 1000000);
  }
  if (j.contains("predictor_eval")) {
    r.only(j["predictor_eval"], "predictor_eval", {"test", "mlp_epochs"});
    r.get(j["predictor_eval"], "predictor_eval", "test", c.predictor_test);
    r.get(j["predictor_eval"], "predictor_eval", "mlp_epochs", c.mlp_epochs);
    r.range("predictor_eval.test", c.predictor_test, 2, 1000000), r.range("predictor_eval.mlp_epochs", c.mlp_epochs, 1, 100000);
    if (c.predictor_test >= c.sample_count) r.fail("predictor_eval.test", "must be smaller than sample_eval.count");
  }
  if (j.contains("search")) {
    r.only(j["search"], "search", {"resource", "budgets", "fractions", "method"});
    r.get(j["search"], "search", "resource", c.resource);
    r.get(j["search"], "search", "budgets", c.budgets);
    r.get(j["search"], "search", "fractions", c.fractions);
    r.get(j["search"], "search", "method", c.method);
    for (double f : c.fractions) r.range("search.fractions", f, 0, 1);
    for (double b : c.budgets) r.range("search.budgets", b, 1e-12, 1e12);
  }
  if (c.budgets.empty() == c.fractions.empty()) r.fail("search", "give exactly one of budgets and fractions");
  return c;
}

}  // namespace iqnas::cli
