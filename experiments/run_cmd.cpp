// `iqnas run`: the whole chain in one run folder, from one configuration file: heaviest network,
// supernet, latency table, accuracy contributions, random sub-networks, predictor quality, search
// for every budget, measurement, fine-tuning, export and the report (docs/pipeline.md). Every stage is
// one of the subcommands, called in-process; each skips what is done and resumes what was
// interrupted, so running the same command again continues the run.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "dist/communicator.h"
#include "experiments/args.h"
#include "experiments/command.h"
#include "experiments/output.h"
#include "util/progress.h"
#include "experiments/report.h"
#include "experiments/result_files.h"
#include "experiments/run_config_file.h"
#include "experiments/run_folder.h"
#include "predictor/latency_table.h"
#include "predictor/resources.h"
#include "predictor/search.h"
#include "util/atomic_file.h"

namespace iqnas::cli {
namespace {
namespace fs = std::filesystem;

const char* kHelp = R"(usage: iqnas run CONFIG [--run DIR] [--from STAGE | --only STAGE] [--json] [--quiet]

Runs the method end to end in DIR (default runs/<config name>) from the configuration CONFIG
(docs/pipeline.md): the stages below in order. Each stage skips what is done and resumes what was
interrupted; run the command again to continue. The report is DIR/report.md.

stages: heaviest, reorder, supernet, lut, contrib, sample-eval, predictor-eval, search, measure, finetune, export,
        report

options:
  --run DIR        run folder
  --from STAGE     start at STAGE (the earlier stages must be done)
  --only STAGE     run STAGE alone
With --json the stages' own text goes to stderr; --quiet is passed on to every stage.
)";


// While alive and `on`, whatever is written to stdout goes to stderr (for --json: the document
// alone must reach stdout, and the stages print with printf deep inside).
class StdoutToStderr {
 public:
  explicit StdoutToStderr(bool on) : saved_(on ? ::dup(1) : -1) {
    if (saved_ < 0) return;
    std::fflush(stdout);
    ::dup2(2, 1);
  }
  ~StdoutToStderr() {
    if (saved_ < 0) return;
    std::fflush(stdout);
    ::dup2(saved_, 1);
    ::close(saved_);
  }
  StdoutToStderr(const StdoutToStderr&) = delete;
  StdoutToStderr& operator=(const StdoutToStderr&) = delete;

 private:
  int saved_;
};

// Runs command `name` in-process with `args` and the run's output flags `flags`.
int call(const std::vector<std::string>& flags, const std::string& name, std::vector<std::string> args) {
  args.insert(args.end(), flags.begin(), flags.end());
  const int rc = call_command(name, args);
  if (rc != 0) throw std::runtime_error("iqnas " + name + " failed (exit " + std::to_string(rc) + ")");
  return rc;
}

std::vector<std::string> data_args(const PipelineConfig& c) {
  std::vector<std::string> v{"--threads", std::to_string(c.threads)};
  if (!c.dataset.empty()) v.insert(v.end(), {"--dataset", c.dataset});
  if (!c.root.empty()) v.insert(v.end(), {"--root", c.root});
  return v;
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The columns sample-eval measures: with recalibration, the predictors are judged and the found
// networks compared on the recalibrated column only, so the inherited one is not measured.
std::vector<std::string> truth_columns(const PipelineConfig& c) {
  if (c.recalibrate == 0) return {"--recalibrate", "0"};
  return {"--recalibrate", std::to_string(c.recalibrate), "--columns", "recalibrated"};
}

// The budgets of the config: absolute, or fractions of the way from the smallest to the heaviest
// network's value of the resource.
std::vector<double> budgets_of(const PipelineConfig& c, const std::string& dir) {
  return c.budgets.empty() ? budgets_at_fractions(dir, c.resource, c.fractions) : c.budgets;
}

std::vector<std::string> budget_tags(const PipelineConfig& c, const std::string& dir) {
  std::vector<std::string> tags;
  for (double b : budgets_of(c, dir)) tags.push_back(predictor::budget_tag({{c.resource, b}}));
  return tags;
}

void run_stage(const std::string& stage, const PipelineConfig& c, const std::string& dir, const Output& o,
               const std::vector<std::string>& flags) {
  const auto data = data_args(c);
  if (stage == "heaviest") {
    call(flags, "supernet", std::vector<std::string>{"heaviest", "--run", dir, "--space", c.space, "--config", c.heaviest_config} + data);
  } else if (stage == "reorder") {
    if (c.reorder_config.empty()) {
      o.text("reorder: not configured (the supernet starts from the heaviest network as trained)\n");
    } else if (fs::exists(dir + "/reordered.safetensors") || fs::exists(dir + "/supernet.safetensors")) {
      o.text("reorder: done\n");
    } else {
      call(flags, "supernet", std::vector<std::string>{"reorder", "--run", dir, "--config", c.reorder_config} + data);
    }
  } else if (stage == "supernet") {
    call(flags, "supernet", std::vector<std::string>{"train", "--run", dir, "--config", c.supernet_config} + data);
  } else if (stage == "lut") {
    const std::string table = dir + "/lut.json";
    if (fs::exists(table)) {
      o.text("lut: %s exists\n", table.c_str());
    } else {
      call(flags, "lut", {"--space", dir + "/space.json", "--out", table, "--threads", std::to_string(c.lut_threads),
                   "--batch", std::to_string(c.lut_batch), "--repeats", std::to_string(c.lut_repeats), "--min-seconds", format_value("%g", c.lut_min_seconds),
                   "--cache", c.lut_cache});
    }
    if (c.lut_correction_networks > 0 &&
        predictor::load_latency_table(table, load_run_space(dir)).correction_networks == 0)
      call(flags, "lut-check", {"--lut", table, "--samples", std::to_string(c.lut_correction_networks), "--repeats",
                         std::to_string(c.lut_correction_repeats), "--same-run", "--apply-correction", "--csv", dir + "/lut-check.csv",
                         "--plot", dir + "/lut-check.svg"});
  } else if (stage == "contrib") {
    std::vector<std::string> args{"--run", dir, "--passes", std::to_string(c.contrib_passes), "--images",
                                  std::to_string(c.contrib_images), "--context", c.contrib_context,
                                  "--metric", c.metric, "--weights", c.weights, "--recalibrate", std::to_string(c.recalibrate)};
    if (c.contrib_context == "grouped") args.insert(args.end(), {"--group-images", std::to_string(c.contrib_group_images)});
    call(flags, "contrib", args + data);
  } else if (stage == "sample-eval") {
    call(flags, "sample-eval", std::vector<std::string>{"--run", dir, "--count", std::to_string(c.sample_count), "--images",
                                                 std::to_string(c.contrib_images), "--metric", c.truth_metric,
                                                 "--weights", c.weights} + truth_columns(c) + data);
  } else if (stage == "predictor-eval") {
    std::vector<std::string> args{"--run", dir, "--test", std::to_string(c.predictor_test), "--mlp-epochs", std::to_string(c.mlp_epochs)};
    if (c.recalibrate > 0) args.push_back("--recalibrated");  // judged on the recalibrated truth
    call(flags, "predictor-eval", args);
  } else if (stage == "search") {
    for (double b : budgets_of(c, dir)) {
      char v[64];
      std::snprintf(v, sizeof v, "%s=%g", c.resource.c_str(), b);
      const bool fit = c.resource == "latency_ms" && c.fit_measured > 0;
      // A budget searched before with the same method is done: with fit_measured its network was
      // chosen by measurements, which a second search would not repeat exactly.
      const std::string tag = predictor::budget_tag({{c.resource, b}});
      const nlohmann::json done = read_json_if_exists(dir + "/search/" + tag + ".json");
      if (done.is_object() && done.contains("solver") && done["solver"].value("method", "") == c.method &&
          (done["architecture"].is_null() || done.contains("measured_fit") == fit)) {
        o.text("search: %s done\n", tag.c_str());
        continue;
      }
      std::vector<std::string> args{"--run", dir, "--budget", v, "--method", c.method};
      if (fit) args.insert(args.end(), {"--fit-measured", std::to_string(c.fit_measured)});
      call(flags, "search", args);
    }
  } else if (stage == "measure") {
    // All networks in one call: timed in the same interleaved rounds (comparable to each other).
    std::string archs;
    for (const auto& tag : budget_tags(c, dir)) {
      const std::string arch = dir + "/search/" + tag + ".arch.json";
      if (!fs::exists(arch)) continue;  // infeasible budget: the report says so
      if (fs::exists(dir + "/measure/" + tag + ".arch.json")) continue;
      archs += (archs.empty() ? "" : ",") + arch;
    }
    if (!archs.empty()) call(flags, "measure", std::vector<std::string>{"--run", dir, "--arch", archs, "--weights", c.weights,
                                                                          "--recalibrate", std::to_string(c.recalibrate)} + data);
    // Every found network on the random sub-networks' held-out images, as they were measured, in one
    // call (one load of the supernet and of the images): one row each, in the order of the budgets,
    // which the report compares with the random ones that fit the same budget.
    std::string found;
    for (const auto& tag : budget_tags(c, dir)) {
      const std::string arch = dir + "/search/" + tag + ".arch.json";
      if (fs::exists(arch)) found += (found.empty() ? "" : ",") + arch;
    }
    if (!found.empty())
      call(flags, "sample-eval", std::vector<std::string>{"--run", dir, "--arch", found, "--out", found_heldout_csv(dir), "--images",
                                                   std::to_string(c.contrib_images), "--metric", c.truth_metric, "--weights",
                                                   c.weights} + truth_columns(c) + data);
  } else if (stage == "finetune") {
    for (const auto& tag : budget_tags(c, dir)) {
      const std::string arch = dir + "/search/" + tag + ".arch.json";
      if (!fs::exists(arch)) continue;
      const std::string ckpt = dir + "/finetune-" + tag + ".arch.safetensors";
      if (!fs::exists(dir + "/measure/" + tag + ".arch.finetuned.json")) {
        call(flags, "supernet", std::vector<std::string>{"finetune", "--run", dir, "--arch", arch, "--config", c.finetune_config,
                                                         "--weights", c.weights} + data);
        call(flags, "measure", std::vector<std::string>{"--run", dir, "--arch", arch, "--checkpoint", ckpt, "--no-latency"} + data);
      }
    }
  } else if (stage == "export") {  // the fine-tuned networks, for PyTorch and ONNX (docs/export.md)
    for (const auto& tag : budget_tags(c, dir)) {
      const std::string arch = dir + "/search/" + tag + ".arch.json", out = dir + "/export/" + tag;
      if (!fs::exists(arch) || fs::exists(out + "/model.json")) continue;
      call(flags, "export", std::vector<std::string>{"--run", dir, "--arch", arch, "--checkpoint",
                                              dir + "/finetune-" + tag + ".arch.safetensors", "--out", out} + data);
    }
  } else if (stage == "report") {
    write_report(dir, c, budget_tags(c, dir));
  }
}

int run_pipeline(const std::vector<std::string>& argv) {
  Args a(argv, {"run", "from", "only"}, Output::flags());
  if (a.help() || a.positional().size() != 1) {
    std::printf("%s%s", kHelp, Output::kHelp);
    return a.help() ? 0 : 2;
  }
  const Output o(a);
  PipelineConfig c;
  try {
    c = load_pipeline_config(a.positional()[0]);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  const std::string dir = a.str("run", "runs/" + fs::path(a.positional()[0]).stem().string());
  size_t first = 0, last = pipeline_stages().size();
  for (const char* opt : {"from", "only"}) {
    if (!a.has(opt)) continue;
    const auto it = std::find(pipeline_stages().begin(), pipeline_stages().end(), a.str(opt));
    if (it == pipeline_stages().end()) throw UsageError("--" + std::string(opt) + ": unknown stage '" + a.str(opt) + "'");
    first = static_cast<size_t>(it - pipeline_stages().begin());
    if (std::string(opt) == "only") last = first + 1;
  }
  if (a.has("from") && a.has("only")) throw UsageError("give --from or --only, not both");
  fs::create_directories(dir);
  const RunFolderLock lock(dir);  // held over every stage (each stage's own lock nests in it)
  const std::string timings_path = dir + "/timings.json";
  nlohmann::json timings = read_json_if_exists(timings_path);
  if (timings.is_null()) timings = nlohmann::json::object();
  const std::vector<std::string> flags = o.quiet() ? std::vector<std::string>{"--quiet"} : std::vector<std::string>{};
  nlohmann::ordered_json stages = nlohmann::ordered_json::array();
  {
    const StdoutToStderr redirect(o.json());  // the stages' text must not mix with the document
    for (size_t i = first; i < last; ++i) {
      o.text("== %zu/%zu %s\n", i + 1, pipeline_stages().size(), pipeline_stages()[i].c_str());
      std::fflush(stdout);
      const auto t0 = std::chrono::steady_clock::now();
      run_stage(pipeline_stages()[i], c, dir, o, flags);
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      // A stage that found its work done takes ~0 s; keep the time of the run that did the work.
      if (!timings.contains(pipeline_stages()[i]) || secs > 1.0) timings[pipeline_stages()[i]] = secs;
      dist::write_by_rank0(dist::world(), "timings.json", [&] { write_file_atomic(timings_path, timings.dump(1) + "\n"); });
      o.text("   %s: %s\n", pipeline_stages()[i].c_str(), format_seconds(secs).c_str());
      stages.push_back({{"stage", pipeline_stages()[i]}, {"seconds", secs}});
    }
  }
  nlohmann::ordered_json written = {timings_path};
  if (last == pipeline_stages().size()) {
    o.text("report: %s/report.md\n", dir.c_str());
    written.push_back(dir + "/report.md");
  }
  o.result({{"run", dir}, {"stages", stages}, {"written", written}});
  return 0;
}

}  // namespace
IQNAS_COMMAND("run", "the whole method end to end from one configuration file (resumable)", run_pipeline);
}  // namespace iqnas::cli
