// `iqnas contrib`: the one-at-a-time accuracy contributions on the trained supernet, and the
// bilinear predictor built from them (docs/predictor.md).
#include <cstdio>
#include <filesystem>

#include "dist/communicator.h"
#include "experiments/args.h"
#include "experiments/command.h"
#include "experiments/datasets.h"
#include "experiments/output.h"
#include "experiments/result_files.h"
#include "util/progress.h"
#include "experiments/run_folder.h"
#include "predictor/contribution_predictor.h"
#include "util/atomic_file.h"

namespace iqnas::cli {
namespace {

const char* kHelp = R"(usage: iqnas contrib --run DIR [options] [--json] [--quiet]

Measures, on the trained supernet in eval mode (running BN statistics unless --recalibrate) and on
the held-out split, the base accuracy and every one-at-a-time accuracy contribution: each
configuration of each stage's first block, each depth, and each configuration of the later blocks
with the stage's depth fixed to that block. Every other decision is drawn per image. The draws
and images are the same in every measurement of a pass (common random numbers). Resumable: run
it again and it continues where it stopped.
  -> DIR/contrib.json (the measurements), DIR/predictor.json (the bilinear predictor)

options:
  --run DIR            run folder with a trained supernet
  --passes K           passes over the images, each with new draws (default 3)
  --images N           held-out images per pass (default 2000; 0 = all)
  --context C          uniform (every other decision uniform; default), sequential (the
                       reference code's default: decisions not yet visited at the smallest network)
                       or grouped (the images in groups, each group one uniformly drawn path with
                       its own BN statistics: a supernet trained with one path per batch; needs
                       --recalibrate R, the batches per group path)
  --group-images G     grouped context: images per group (default 100; the last may have fewer)
  --metric M           top1 (percent correct; default) or logprob (mean log-probability of the
                       true class, nats: smoother, so fewer passes rank as well; docs/predictor.md)
  --recalibrate R      before each measurement, recalibrate the supernet's BN statistics on R
                       batches of 64 training images run with that measurement's draws (default
                       0: the running statistics as trained; docs/predictor.md); in the grouped
                       context before every group of every pass, with the group's path
  --variant V          paper (every Delta relative to the base; default) or conditional (later
                       blocks relative to their depth's measurement)
  --weights W          ema (default) or raw supernet weights
  --seed S             seed of the per-image draws (default 0)
  --batch-size B       evaluation batch (default 250)
  --threads N          loader threads (default 2)
)";

int run_contrib(const std::vector<std::string>& argv) {
  Args a(argv, {"run", "passes", "images", "context", "group-images", "metric", "recalibrate", "variant", "weights", "seed", "batch-size", "threads", "dataset",
                "root", "heldout"},
         Output::flags());
  if (print_data_command_help(a, kHelp)) return 0;
  const Output out(a);
  const std::string dir = a.str("run");
  const SearchSpace s = load_run_space(dir);
  predictor::ContribOptions opt;
  opt.passes = static_cast<int>(a.integer("passes", 3, 1, 1000));
  opt.images = a.integer("images", 2000, 0, 100000000);
  opt.seed = static_cast<uint64_t>(a.integer("seed", 0, 0, int64_t(1) << 53));
  opt.recalibrate = static_cast<int>(a.integer("recalibrate", 0, 0, 100000));
  opt.context = a.parsed("context", "uniform", predictor::parse_context);
  opt.metric = a.parsed("metric", "top1", predictor::parse_metric);
  if (opt.context == predictor::Context::Grouped)
    opt.group_images = a.integer("group-images", 100, 1, 100000000);
  else if (a.has("group-images"))
    throw UsageError("--group-images applies to --context grouped only");
  if (opt.context == predictor::Context::Grouped && opt.recalibrate < 1)
    throw UsageError("--context grouped needs --recalibrate R (R >= 1 batches of 64 training images per group path)");
  const auto variant = a.parsed("variant", "paper", predictor::ContributionPredictor::parse_variant);
  const std::string weights = a.str("weights", "ema");
  const int64_t batch = a.integer("batch-size", 250, 1, 65536);
  const int threads = static_cast<int>(a.integer("threads", 2, 1, 64));

  const std::string state_path = dir + "/contrib.json";
  predictor::ContribState st;
  if (std::filesystem::exists(state_path)) {
    st = predictor::contrib_state_from_json(util::read_text_file(state_path), state_path);
    const bool same = st.options.passes == opt.passes && st.options.images == opt.images &&
                      st.options.context == opt.context && st.options.metric == opt.metric &&
                      st.options.seed == opt.seed && st.options.recalibrate == opt.recalibrate && st.options.group_images == opt.group_images &&
                      st.weights == weights;
    if (!same)
      throw UsageError(state_path + " holds measurements with other options (passes " + std::to_string(st.options.passes) +
                       ", images " + std::to_string(st.options.images) + ", context " +
                       predictor::context_name(st.options.context) + ", metric " +
                       predictor::metric_name(st.options.metric) + ", seed " + std::to_string(st.options.seed) +
                       ", recalibrate " + std::to_string(st.options.recalibrate) +
                       ", group images " + std::to_string(st.options.group_images) +
                       ", weights " + st.weights + "); pass the same options, or move it away to start again");
  } else {
    st.space = s.name, st.options = opt, st.weights = weights;
  }
  const size_t total = predictor::contribution_plan(s).size();
  if (st.ids.size() < total) {
    const DataSets d = open_datasets(a, default_dataset_for_space(s.name), s.image_size, false);
    auto net = load_run_supernet(dir, s, weights);
    const predictor::EvalSet set = heldout_eval_set(d, opt.images, batch, threads);
    // The recalibration images: fixed batches of training images (train augmentation drawn once).
    const predictor::EvalSet recal =
        opt.recalibrate > 0 ? predictor::load_eval_set(d.train, d.train_aug, int64_t(opt.recalibrate) * 64, 64, opt.seed + 17, threads)
                            : predictor::EvalSet{};
    progress_note("contrib: %zu measurements x %d passes on %lld held-out images%s\n", total, opt.passes,
                  (long long)set.size, st.ids.empty() ? "" : (", resuming after " + std::to_string(st.ids.size())).c_str());
    Progress progress("contrib", total, st.ids.size());
    predictor::measure_contributions(
        *net, set, st, [&](const predictor::ContribState& x) { write_file_atomic(state_path, predictor::contrib_state_to_json(x)); },
        [&](size_t done, size_t, const std::string& id, double acc) {
          char buf[96];
          if (opt.metric == predictor::Metric::Top1)
            std::snprintf(buf, sizeof buf, "%s %.2f%%", id.c_str(), acc);
          else
            std::snprintf(buf, sizeof buf, "%s %.4f", id.c_str(), acc);
          progress.update(done, buf);
        },
        dist::world(), &recal);
    progress.finish();
  }
  const auto p = predictor::ContributionPredictor::from_measurements(s, st, variant);
  dist::write_by_rank0(dist::world(), "predictor.json", [&] { save_predictor(p, dir + "/predictor.json"); });
  const bool top1 = opt.metric == predictor::Metric::Top1;
  out.text(top1 ? "contrib: A_base %.2f%% (%s), %zu measurements, predictor -> %s/predictor.json\n"
                : "contrib: A_base %.4f nats (%s), %zu measurements, predictor -> %s/predictor.json\n",
           p.base.mean, plus_minus(top1 ? "%.2f" : "%.4f", p.base.se, opt.passes).c_str(), total, dir.c_str());
  out.result({{"run", dir},
              {"measurements", total},
              {"passes", opt.passes},
              {"images", opt.images},
              {"context", predictor::context_name(opt.context)},
              {"metric", predictor::metric_name(opt.metric)},
              {"recalibrate", opt.recalibrate},
              {"group_images", opt.group_images},
              {"variant", a.str("variant", "paper")},
              {"weights", weights},
              {"base_accuracy", {{"mean", p.base.mean}, {"se", p.base.se}}},
              {"written", {state_path, dir + "/predictor.json"}}});
  return 0;
}

}  // namespace
IQNAS_COMMAND("contrib", "measure the accuracy contributions on the supernet and build the bilinear predictor", run_contrib);
}  // namespace iqnas::cli
