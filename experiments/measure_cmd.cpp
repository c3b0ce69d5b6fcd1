// `iqnas measure`: a found network's end-to-end latency with the latency table's protocol and its
// test accuracy with weights inherited from the supernet (or from a fine-tuned checkpoint).
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "dist/communicator.h"
#include "experiments/args.h"
#include "experiments/command.h"
#include "experiments/output.h"
#include "experiments/run_folder.h"
#include "predictor/latency_measure.h"
#include "predictor/resources.h"
#include "supernet/evaluate.h"
#include "util/atomic_file.h"

namespace iqnas::cli {
namespace {

const char* kHelp = R"(usage: iqnas measure --run DIR --arch FILE [options] [--json] [--quiet]

Measures the architecture of FILE: its latency end to end on this machine with the protocol of
the latency table (threads, batch, repeats and clock read from the table), beside the table's
prediction; and its top-1 accuracy on the test split with weights inherited from the supernet
(running BN statistics, no recalibration), or with the weights of --checkpoint (a fine-tuned
network).   -> --out (default DIR/measure/<arch file name>.json)

options:
  --run DIR            run folder with a trained supernet
  --arch FILE          architecture JSON (e.g. from iqnas search), or heaviest / smallest
  --lut FILE           latency table (default DIR/lut.json); absent: latency not measured
  --checkpoint FILE    weights of this standalone network instead of the supernet's
  --no-latency         accuracy only
  --repeats R          timed runs of the latency (default: the table's, at least 100)
  --weights W          ema (default) or raw supernet weights
  --out FILE           result JSON
  --threads N          loader threads (default 2)
)";

int run_measure(const std::vector<std::string>& argv) {
  Args a(argv, {"run", "arch", "lut", "checkpoint", "weights", "out", "threads", "repeats", "dataset", "root", "heldout"},
         Output::flags({"no-latency"}));
  if (print_data_command_help(a, kHelp)) return 0;
  const Output msg(a);
  const std::string dir = a.str("run");
  const SearchSpace s = load_run_space(dir);
  const Architecture arch = arch_arg(s, a.str("arch"));
  const int threads = static_cast<int>(a.integer("threads", 2, 1, 64));
  const std::string name = arch_result_name(a.str("arch"), a.has("checkpoint"));
  const std::string out = a.str("out", dir + "/measure/" + name + ".json");

  nlohmann::json j;
  j["space"] = s.name;
  j["architecture"] = nlohmann::json::parse(arch_to_json(s, arch));
  for (const auto& r : predictor::resource_names())
    if (r != "latency_ms") j["resources"][r] = predictor::resource_value(s, arch, r, nullptr);

  std::string source;
  const auto net = load_run_network(dir, s, arch, a.str("checkpoint", ""), a.str("weights", "ema"), &source);
  j["weights"] = source;
  const std::string lut_path = a.str("lut", dir + "/lut.json");
  if (!a.has("no-latency") && std::filesystem::exists(lut_path)) {
    const predictor::LatencyTable t = predictor::load_latency_table(lut_path, s);
    predictor::MeasureOptions mo = predictor::MeasureOptions::of_table(t);
    // One network alone is timed with more rounds than a table entry among many: its median
    // must stand for the network, not for a moment of the machine.
    mo.repeats = static_cast<int>(a.integer("repeats", std::max(t.repeats, 100), 1, 1000000));
    mo.warmup = std::max(t.warmup, 2);
    const predictor::LatencyStats st = predictor::measure_network_latency(s, *net, mo);
    const double predicted = predictor::resource_value(s, arch, "latency_ms", &t);
    j["latency"] = {{"median_ms", st.median_ms}, {"mean_ms", st.mean_ms}, {"iqr_ms", st.iqr_ms},
                    {"predicted_ms", predicted}, {"table", lut_path}, {"threads", mo.threads},
                    {"batch", mo.batch}, {"repeats", mo.repeats}, {"clock", mo.clock}, {"cache", mo.cache}};
    msg.text("latency: measured %.4f ms/image (median, IQR %.4f), table predicts %.4f (%+.1f%%)\n", st.median_ms,
             st.iqr_ms, predicted, 100 * (predicted - st.median_ms) / st.median_ms);
  }
  const DataSets d = open_datasets(a, default_dataset_for_space(s.name), s.image_size, false);
  const EvalResult e = evaluate(*net, d.test, d.eval_aug, 256, threads, Device::CPU);
  j["test_accuracy"] = 100 * e.accuracy;
  j["test_images"] = e.images;
  msg.text("accuracy: %.2f%% on %lld test images (%s)\n", 100 * e.accuracy, (long long)e.images,
           j["weights"].get<std::string>().c_str());
  std::filesystem::create_directories(std::filesystem::path(out).parent_path());
  dist::write_by_rank0(dist::world(), "measurements", [&] { write_file_atomic(out, j.dump(1) + "\n"); });
  msg.text("-> %s\n", out.c_str());
  msg.result({{"measurement", j}, {"written", {out}}});
  return 0;
}

}  // namespace
IQNAS_COMMAND("measure", "measured latency and test accuracy of an architecture (inherited or fine-tuned weights)", run_measure);
}  // namespace iqnas::cli
