// `iqnas sample-eval`: uniformly drawn sub-networks evaluated with inherited weights, the ground
// truth against which every accuracy predictor is judged (docs/predictor.md).
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "dist/shard.h"
#include "experiments/args.h"
#include "experiments/command.h"
#include "experiments/output.h"
#include "util/progress.h"
#include "experiments/run_folder.h"
#include "predictor/subnet_samples.h"
#include "supernet/evaluate.h"
#include "util/atomic_file.h"
#include "util/choice.h"

namespace iqnas::cli {
namespace {

const char* kHelp = R"(usage: iqnas sample-eval --run DIR [options] [--json] [--quiet]

Draws --count architectures uniformly (every block's configuration and every stage's depth;
seeded) and measures each one's accuracy with weights inherited from the supernet, in eval mode
with the supernet's running BN statistics (as the contributions are measured), on the same
held-out images as `iqnas contrib`. Resumable: run it again (or with a larger --count) and it
continues.   -> DIR/subnets.csv (or --out)
With --arch, the listed architectures (e.g. the networks a search found) are measured instead, the
same way, so that they compare with the random ones on the same images.

options:
  --run DIR            run folder with a trained supernet
  --count M            architectures (default 200)
  --arch FILE[,FILE]   measure these architectures instead of random ones (needs --out)
  --seed S             seed of the architecture draws (default 1)
  --images N           held-out images (default 2000; 0 = all)
  --metric M           top1 (percent correct; default) or logprob (mean log-probability of the
                       true class; the CSV's columns are then named logprob, logprob_recalibrated)
  --recalibrate R      also measure each after recalibrating its BN on R training batches
                       (second column; default 0 = not measured)
  --columns C          all (default: the inherited column, and the recalibrated one with
                       --recalibrate) or recalibrated (that column only, the first left empty:
                       one evaluation less per network; needs --recalibrate). A file being
                       resumed keeps its columns: one holding the inherited column goes on
                       measuring it
  --weights W          ema (default) or raw supernet weights
  --out FILE           CSV (default DIR/subnets.csv)
  --batch-size B       evaluation batch (default 250)
  --threads N          loader threads (default 2)
)";

// --columns: whether the inherited column is measured (all) or the recalibrated one alone.
constexpr util::Choice<bool> kColumns[] = {{"all", true}, {"recalibrated", false}};
bool parse_columns(const std::string& text) { return util::parse_choice(text, kColumns, "columns"); }

// The value the summary shows: the inherited column, or the recalibrated one when it is alone.
double first_value(const predictor::SubnetSample& x) { return x.has_inherited ? x.accuracy : x.accuracy_recalibrated; }

int run_sample_eval(const std::vector<std::string>& argv) {
  Args a(argv, {"run", "arch", "count", "seed", "images", "metric", "recalibrate", "columns", "weights", "out", "batch-size", "threads",
                "dataset", "root", "heldout"},
         Output::flags());
  if (print_data_command_help(a, kHelp)) return 0;
  const Output msg(a);
  const std::string dir = a.str("run");
  const SearchSpace s = load_run_space(dir);
  if (a.has("arch") && (a.has("count") || a.has("seed") || !a.has("out")))
    throw UsageError("--arch measures the listed architectures: it takes --out and neither --count nor --seed");
  const uint64_t seed = static_cast<uint64_t>(a.integer("seed", 1, 0, int64_t(1) << 53));
  const int64_t images = a.integer("images", 2000, 0, 100000000);
  const int recal = static_cast<int>(a.integer("recalibrate", 0, 0, 100000));
  const int64_t batch = a.integer("batch-size", 250, 1, 65536);
  const int threads = static_cast<int>(a.integer("threads", 2, 1, 64));
  const std::string out = a.str("out", dir + "/subnets.csv");
  const predictor::Metric metric = a.parsed("metric", "top1", predictor::parse_metric);
  const bool asked_inherited = a.parsed("columns", "all", parse_columns);
  if (!asked_inherited && recal == 0) throw UsageError("--columns recalibrated needs --recalibrate R (R > 0)");
  // The columns of the file: what was asked, or, when resuming, what the file already holds.
  bool file_inherited = asked_inherited;
  std::vector<Architecture> archs;
  if (a.has("arch")) {
    for (const auto& name : comma_list(a.str("arch"))) archs.push_back(arch_arg(s, name));
  } else {
    archs = predictor::draw_architectures(s, static_cast<int>(a.integer("count", 200, 1, 1000000)), seed);
  }
  const int count = static_cast<int>(archs.size());

  std::vector<predictor::SubnetSample> done;
  if (std::filesystem::exists(out)) {
    predictor::Metric had = metric;
    done = predictor::samples_from_csv(s, util::read_text_file(out), out, &had);
    if (had != metric)
      throw UsageError(out + " holds the metric " + predictor::metric_name(had) + ", not " + predictor::metric_name(metric) +
                       "; pass --metric " + predictor::metric_name(had) + ", or another --out");
    for (size_t i = 0; i < done.size() && i < archs.size(); ++i)
      if (!(done[i].arch == archs[i]))
        throw UsageError(out + ": row " + std::to_string(i) + " is not the architecture " +
                         (a.has("arch") ? "listed in --arch" : "seed " + std::to_string(seed) + " draws") +
                         "; pass the --seed or --arch it was made with, or move the file away");
    if (recal > 0 && !done.empty() && !done.front().has_recalibrated)
      throw UsageError(out + " was measured without --recalibrate; move it away to measure both columns");
    if (!done.empty() && done.front().has_inherited != asked_inherited) {
      if (asked_inherited)
        throw UsageError(out + " holds the recalibrated column only; pass --columns recalibrated, or move it away");
      file_inherited = true;  // its rows hold both columns: the new ones too, so that the file stays one table
    }
  }
  if (static_cast<int>(done.size()) < count) {
    const DataSets d = open_datasets(a, default_dataset_for_space(s.name), s.image_size, false);
    auto net = load_run_supernet(dir, s, a.str("weights", "ema"));
    const predictor::EvalSet set = heldout_eval_set(d, images, batch, threads);
    Progress progress("sample-eval", static_cast<size_t>(count), done.size());
    // Each architecture's measurement depends on its index only: under mpirun the ranks share them
    // (docs/distributed.md) and rank 0 writes the CSV, in order, after every one.
    dist::Communicator& comm = dist::world();
    auto measure = [&](int64_t i) {
      double acc[2] = {file_inherited ? predictor::arch_accuracy(*net, set, archs[size_t(i)], metric) : -1, -1};
      if (recal > 0) {
        auto sub = extract_subnetwork(*net, archs[size_t(i)]);
        recalibrate_bn(*sub, d.train, d.train_aug, recal, 64, seed + uint64_t(i));
        acc[1] = predictor::model_accuracy(*sub, set, metric);
      }
      return std::string(reinterpret_cast<const char*>(acc), sizeof acc);
    };
    auto take = [&](int64_t i, const std::string& bytes) {
      double acc[2];
      std::memcpy(acc, bytes.data(), sizeof acc);
      predictor::SubnetSample x;
      x.arch = archs[size_t(i)];
      x.accuracy = acc[0], x.accuracy_recalibrated = acc[1], x.has_inherited = file_inherited, x.has_recalibrated = recal > 0;
      done.push_back(x);
      if (comm.rank() == 0) write_file_atomic(out, predictor::samples_to_csv(s, done, metric));
      char buf[64];
      std::snprintf(buf, sizeof buf, "last %.4g", first_value(x));
      progress.update(size_t(i) + 1, buf);
    };
    dist::for_each_job(comm, static_cast<int64_t>(done.size()), count, measure, take);
    progress.finish();
  }
  double lo = first_value(done.front()), hi = lo;
  for (int i = 0; i < count; ++i) lo = std::min(lo, first_value(done[size_t(i)])), hi = std::max(hi, first_value(done[size_t(i)]));
  msg.text("sample-eval: %d architectures, %s%s %.4g .. %.4g -> %s\n", count, predictor::metric_name(metric),
           file_inherited ? "" : " (recalibrated)", lo, hi, out.c_str());
  msg.result({{"run", dir},
              {"architectures", count},
              {"seed", seed},
              {"metric", predictor::metric_name(metric)},
              {"columns", util::choice_name(file_inherited, kColumns)},
              {"accuracy", {{"min", lo}, {"max", hi}}},
              {"written", {out}}});
  return 0;
}

}  // namespace
IQNAS_COMMAND("sample-eval", "measure uniformly drawn sub-networks with inherited weights (predictor ground truth)", run_sample_eval);
}  // namespace iqnas::cli
