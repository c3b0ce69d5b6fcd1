// `iqnas measure`: a found network's end-to-end latency with the latency table's protocol, timed with
// the table's entries and judged at the table's speed, and its test accuracy with weights inherited
// from the supernet (or from a fine-tuned checkpoint).
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

#include "dist/communicator.h"
#include "experiments/args.h"
#include "experiments/command.h"
#include "experiments/output.h"
#include "experiments/run_folder.h"
#include "predictor/latency_measure.h"
#include "predictor/measured_latency.h"
#include "predictor/resources.h"
#include "supernet/evaluate.h"
#include "util/atomic_file.h"

namespace iqnas::cli {
namespace {

const char* kHelp = R"(usage: iqnas measure --run DIR --arch FILE[,FILE...] [options] [--json] [--quiet]

Measures each architecture: its latency end to end on this machine with the protocol of the
latency table (threads, batch, repeats and clock read from the table), beside the table's
prediction; and its top-1 accuracy on the test split with weights inherited from the supernet
(running BN statistics, no recalibration), or with the weights of --checkpoint (a fine-tuned
network). The networks (from their architectures, with random weights as the table's entries)
are timed in the same interleaved rounds as the table's entries of the blocks they run, and
judged by latency.same_run_ms: each network's median over the sum of those entries, times the
table's uncorrected sum, i.e. its latency at the speed the table was timed at, whatever the
machine's speed now (as `iqnas search --fit-measured` judges them). The raw figures of this call
are kept beside it (latency.median_ms, iqr_ms, same_run_table_ms).
  -> --out (default DIR/measure/<arch file name>.json), one per architecture

options:
  --run DIR            run folder with a trained supernet
  --arch FILE[,FILE]   architecture JSON (e.g. from iqnas search), or heaviest / smallest
  --lut FILE           latency table (default DIR/lut.json); absent: latency not measured
  --checkpoint FILE    weights of this standalone network instead of the supernet's (one --arch)
  --no-latency         accuracy only
  --recalibrate R      recalibrate each network's BN statistics on R batches of 64 training images
                       before its accuracy (default 0: the running statistics it inherits)
  --repeats R          timed runs of the latency (default: the table's, within 100-200)
  --weights W          ema (default) or raw supernet weights
  --out FILE[,FILE]    result JSON of each --arch, in the same order
  --threads N          loader threads (default 2)
)";

int run_measure(const std::vector<std::string>& argv) {
  Args a(argv, {"run", "arch", "lut", "checkpoint", "weights", "out", "threads", "repeats", "recalibrate", "dataset", "root",
                "heldout"},
         Output::flags({"no-latency"}));
  if (print_data_command_help(a, kHelp)) return 0;
  const Output msg(a);
  const std::string dir = a.str("run");
  const SearchSpace s = load_run_space(dir);
  const std::vector<std::string> names = comma_list(a.str("arch"));
  const std::vector<std::string> outs = a.has("out") ? comma_list(a.str("out"), "--out") : std::vector<std::string>{};
  if (a.has("out") && outs.size() != names.size())
    throw UsageError("--out names " + std::to_string(outs.size()) + " files for " + std::to_string(names.size()) +
                     " architectures (one per --arch)");
  const int threads = static_cast<int>(a.integer("threads", 2, 1, 64));
  const int recal = static_cast<int>(a.integer("recalibrate", 0, 0, 100000));

  struct Measured {
    Architecture arch;
    std::unique_ptr<SubNetwork> net;
    nlohmann::json j;
    std::string out;
  };
  std::vector<Measured> m;
  for (size_t i = 0; i < names.size(); ++i) {
    Measured x;
    x.arch = arch_arg(s, names[i]);
    x.out = outs.empty() ? dir + "/measure/" + arch_result_name(names[i], a.has("checkpoint")) + ".json" : outs[i];
    x.j["space"] = s.name;
    x.j["architecture"] = nlohmann::json::parse(arch_to_json(s, x.arch));
    for (const auto& r : predictor::resource_names())
      if (r != "latency_ms") x.j["resources"][r] = predictor::resource_value(s, x.arch, r, nullptr);
    m.push_back(std::move(x));
  }
  std::vector<Architecture> archs;
  for (const auto& x : m) archs.push_back(x.arch);
  {
    std::string source;
    auto nets = load_run_networks(dir, s, archs, a.str("checkpoint", ""), a.str("weights", "ema"), &source);
    for (size_t i = 0; i < m.size(); ++i) m[i].net = std::move(nets[i]), m[i].j["weights"] = source;
  }

  const std::string lut_path = a.str("lut", dir + "/lut.json");
  if (!a.has("no-latency") && std::filesystem::exists(lut_path)) {
    const predictor::LatencyTable t = predictor::load_latency_table(lut_path, s);
    predictor::MeasureOptions mo = timing_of_table(t, lut_path, true);
    mo.repeats = static_cast<int>(a.integer("repeats", mo.repeats, 1, 1000000));
    // Timed from their architectures with random weights, as the entries they are divided by were
    // (the trained weights would add nothing but denormals, whose flushing changed nothing beyond
    // noise: docs/latency.md); all the networks of a call in one group, so the same rounds.
    const std::vector<predictor::SameRunPoint> st = predictor::measure_same_run(s, archs, mo, {}, int(archs.size()));
    for (size_t i = 0; i < m.size(); ++i) {
      nlohmann::json& l = m[i].j["latency"];
      l = nlohmann::json::parse(predictor::measured_latency_json(t, s, m[i].arch, st[i], mo));
      l["table"] = lut_path;
      l["timed_with"] = m.size();
      const double judged = l["same_run_ms"], predicted = l["predicted_ms"];
      msg.text("%s: latency %.4f ms/image at the table's speed (network %.4f, IQR %.4f, over its entries' %.4f ms in "
               "the same rounds), table predicts %.4f (%+.1f%%)\n",
               names[i].c_str(), judged, st[i].measured.median_ms, st[i].measured.iqr_ms, st[i].predicted_ms, predicted,
               100 * (predicted - judged) / judged);
    }
  }
  const DataSets d = open_datasets(a, default_dataset_for_space(s.name), s.image_size, false);
  nlohmann::json results = nlohmann::json::array();
  std::vector<std::string> written;
  for (size_t i = 0; i < m.size(); ++i) {
    if (recal > 0) recalibrate_bn(*m[i].net, d.train, d.train_aug, recal, 64, 0);
    m[i].j["bn_recalibrated_batches"] = recal;
    const EvalResult e = evaluate(*m[i].net, d.test, d.eval_aug, 256, threads, Device::CPU);
    m[i].j["test_accuracy"] = 100 * e.accuracy;
    m[i].j["test_images"] = e.images;
    msg.text("%s: accuracy %.2f%% on %lld test images (%s)\n", names[i].c_str(), 100 * e.accuracy,
             (long long)e.images, m[i].j["weights"].get<std::string>().c_str());
    std::filesystem::create_directories(std::filesystem::path(m[i].out).parent_path());
    dist::write_by_rank0(dist::world(), "measurements", [&] { write_file_atomic(m[i].out, m[i].j.dump(1) + "\n"); });
    msg.text("-> %s\n", m[i].out.c_str());
    results.push_back(m[i].j);
    written.push_back(m[i].out);
  }
  // One architecture keeps the single-object form that scripts read.
  msg.result({{"measurement", m.size() == 1 ? results[0] : results}, {"written", written}});
  return 0;
}

}  // namespace
IQNAS_COMMAND("measure", "measured latency and test accuracy of an architecture (inherited or fine-tuned weights)", run_measure);
}  // namespace iqnas::cli
