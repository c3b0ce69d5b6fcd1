// `iqnas supernet <stage>`: the one-time investment of the method (heaviest network, one-shot
// supernet), sub-network extraction, evaluation with inherited weights, and fine-tuning. Every stage
// reads and writes files in one run folder (docs/training.md).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "dist/communicator.h"
#include "experiments/args.h"
#include "experiments/command.h"
#include "experiments/datasets.h"
#include "experiments/output.h"
#include "experiments/run_folder.h"
#include "nn/checkpoint.h"
#include "supernet/evaluate.h"
#include "supernet/reorder.h"
#include "supernet/trainer.h"
#include "supernet/weights.h"
#include "util/atomic_file.h"
#include "util/progress.h"

namespace iqnas::cli {
namespace {
namespace fs = std::filesystem;

const char* kHelp = R"(usage: iqnas supernet <stage> --run DIR [options] [--json] [--quiet]

stages (each resumes from its checkpoint in DIR when interrupted):
  heaviest   train the heaviest network of the space alone        -> DIR/heaviest.safetensors
  reorder    sort every block's expansion channels and SE hidden units of the heaviest network
             by Taylor importance (function-preserving)           -> DIR/reordered.safetensors
  train      one-shot supernet, initialised from the reordered (else the plain) heaviest network,
             uniform multipath sampling with in-place distillation from it -> DIR/supernet.safetensors
  eval       accuracy of --arch with weights inherited from the supernet
  extract    write --arch as a standalone network                  -> --out FILE
  finetune   fine-tune the extracted --arch with distillation       -> DIR/finetune-<name>.safetensors

options:
  --run DIR           run folder (holds space.json, checkpoints, logs)
  --space NAME|FILE   search space for a new run folder: tiny (default), cifar, paper, or a JSON file
  --config FILE       run configuration JSON (docs/training.md); flags below override it
  --epochs N --lr X --batch-size N --train-images N --seed N   overrides of the run configuration
  --arch FILE|heaviest|smallest   architecture for eval/extract/finetune
  --weights ema|raw   which weights of the checkpoint a stage starts from or evaluates (default ema)
  --bn-stats shared|private       supernet BN statistics in multipath training (run config bn_stats)
  --device cpu|cuda   where to train and evaluate (run config device)
  --recalibrate N     BN recalibration batches before eval/extract (default 0: the inherited
                      running statistics, as the reference code)
  --split test|heldout            evaluation split for eval (default test)
  --out FILE          output of extract
  --threads N         loader threads (default 2)
)";

// The run folder's space; for a new folder (stage heaviest only) the one of --space, which
// start_run_folder writes once everything else has been checked.
SearchSpace run_space(const Args& a, const std::string& dir, const std::string& stage) {
  const std::string path = dir + "/space.json";
  if (fs::exists(path)) {
    SearchSpace s = load_space(path);
    if (a.has("space") && find_space(a.str("space")).name != s.name)
      throw UsageError(dir + " holds a run of space '" + s.name + "', not '" + a.str("space") + "'");
    return s;
  }
  if (stage != "heaviest")
    throw UsageError(path + " does not exist; is " + dir + " a run folder? (`iqnas supernet heaviest --run " + dir +
                     "` starts one)");
  return find_space(a.str("space", "tiny"));
}

// Creates a new run folder, locks it and writes its space.json.
void start_run_folder(const std::string& dir, const SearchSpace& s, std::unique_ptr<RunFolderLock>& lock) {
  if (!lock) {
    fs::create_directories(dir);
    lock = std::make_unique<RunFolderLock>(dir);
  }
  dist::write_by_rank0(dist::world(), "space.json", [&] {
    if (!fs::exists(dir + "/space.json")) write_file_atomic(dir + "/space.json", space_to_json(s) + "\n");
  });
}

RunConfig run_config(const Args& a) {
  RunConfig c = a.has("config") ? load_run_config(a.str("config")) : RunConfig{};
  // The ranges are RunConfig's (validate() below names the field for values from the config).
  c.epochs = static_cast<int>(a.integer("epochs", c.epochs, 1, RunConfig::kMaxEpochs));
  c.lr = a.num("lr", c.lr);
  c.batch_size = a.integer("batch-size", c.batch_size, 2, RunConfig::kMaxBatch);
  c.train_images = a.integer("train-images", c.train_images, 0, int64_t(1) << 40);
  c.seed = static_cast<uint64_t>(a.integer("seed", static_cast<int64_t>(c.seed), 0, int64_t(1) << 53));
  c.loader_threads = static_cast<int>(a.integer("threads", c.loader_threads, 1, data::kMaxLoaderThreads));
  c.stop_after_steps = a.integer("stop-after", c.stop_after_steps, 0, int64_t(1) << 40);
  c.bn_stats = a.str("bn-stats", c.bn_stats);
  c.device = a.str("device", c.device);
  try {
    c.validate();
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  return c;
}

Architecture arch_arg(const Args& a, const SearchSpace& s) {
  const std::string v = a.str("arch");
  if (v == "heaviest") return heaviest_arch(s);
  if (v == "smallest") return smallest_arch(s);
  return load_arch(s, v);
}

// Prints the outcome of a training stage and adds it to the document as "training".
void report_summary(const Output& o, nlohmann::ordered_json& doc, const std::string& stage, const TrainSummary& t) {
  const bool complete = t.resumed_from == t.steps;
  if (complete)
    o.text("%s: already complete (checkpoint at step %lld of %lld)\n", stage.c_str(), (long long)t.steps,
           (long long)t.total_steps);
  else
    o.text("%s: %s after %lld of %lld steps, last loss %.4f, accuracy %.2f%%, %.0f images/s\n", stage.c_str(),
           t.finished ? "finished" : "stopped", (long long)t.steps, (long long)t.total_steps, t.last_loss,
           100 * t.last_accuracy, t.images_per_second);
  doc["training"] = {{"status", complete ? "already complete" : t.finished ? "finished" : "stopped"},
                     {"steps", t.steps},
                     {"total_steps", t.total_steps},
                     {"resumed_from", t.resumed_from}};
  if (!complete) {
    doc["training"]["last_loss"] = t.last_loss;
    doc["training"]["last_accuracy"] = 100 * t.last_accuracy;
    doc["training"]["images_per_s"] = t.images_per_second;
  }
}

// The heaviest stage's weights, refused while that stage has not finished (a half-trained teacher).
void load_finished_heaviest(const std::string& dir, Module& net, WeightSource w) {
  const std::string path = require_file(dir + "/heaviest.safetensors", "run `iqnas supernet heaviest` first");
  const Metadata m = load_weights(path, net, w);
  auto step = m.find("run.step"), total = m.find("run.total_steps");
  if (step != m.end() && total != m.end() && step->second != total->second)
    throw UsageError(path + ": the heaviest network stopped at step " + step->second + " of " + total->second +
                     "; finish it first (`iqnas supernet heaviest --run " + dir + "` resumes it)");
}

// The trained heaviest network the supernet inherits: the reordered one when `reorder` ran, else
// the heaviest stage's checkpoint (its `w` weights).
void load_heaviest(Supernet& net, const std::string& dir, WeightSource w) {
  const std::string reordered = dir + "/reordered.safetensors";
  if (fs::exists(reordered)) {
    load_checkpoint(reordered, net);
    return;
  }
  load_finished_heaviest(dir, net, w);
}

// The frozen teacher: the heaviest path of the trained heaviest network.
std::unique_ptr<SubNetwork> load_teacher(const SearchSpace& s, const std::string& dir, WeightSource w) {
  Rng rng(0);
  Supernet heavy(s, rng);
  load_heaviest(heavy, dir, w);
  auto t = extract_subnetwork(heavy, heaviest_arch(s));
  t->eval();
  return t;
}

// Logits of the heaviest architecture on one batch, in eval mode (for the reorder check).
Tensor heaviest_logits(Supernet& net, const DataSets& d) {
  data::LoaderOptions lo;
  lo.batch_size = 64, lo.threads = 1, lo.shuffle = false, lo.augment = d.eval_aug;
  data::Loader loader(d.train, lo);
  NoGradGuard ng;
  net.set_arch(heaviest_arch(net.space()));
  net.eval();
  return net.forward(Var(batch_images(loader.next(), net.parameters().front().device()))).value().to(Device::CPU);
}

int run_supernet(const std::vector<std::string>& argv) {
  Args a(argv, {"run", "space", "config", "epochs", "lr", "batch-size", "train-images", "seed", "arch", "recalibrate",
                "split", "out", "threads", "dataset", "root", "heldout", "stop-after", "weights", "bn-stats", "device"},
         Output::flags());
  if (a.help() || a.positional().empty()) {
    std::printf("%s%s%s", kHelp, kDataOptionsHelp, Output::kHelp);
    return a.help() ? 0 : 2;
  }
  const Output o(a);
  const std::string stage = a.positional()[0], dir = a.str("run");
  const std::vector<std::string> stages{"heaviest", "reorder", "train", "eval", "extract", "finetune"};
  if (std::find(stages.begin(), stages.end(), stage) == stages.end())
    throw UsageError("unknown stage '" + stage + "' (heaviest, reorder, train, eval, extract, finetune)");
  // An existing folder is locked for the whole stage before anything is read from it; a new one
  // is created (and locked) only once the arguments, the config and the data have been checked.
  std::unique_ptr<RunFolderLock> lock;
  if (fs::is_directory(dir)) lock = std::make_unique<RunFolderLock>(dir);
  const SearchSpace s = run_space(a, dir, stage);
  const RunConfig cfg = run_config(a);
  const WeightSource weights = a.parsed("weights", "ema", parse_weight_source);
  const Device device = parse_device(cfg.device);
  const int recal = static_cast<int>(a.integer("recalibrate", 0, 0, 100000));
  const DataSets d = open_datasets(a, default_dataset_for_space(s.name), s.image_size, cfg.augment);
  start_run_folder(dir, s, lock);
  Rng rng(cfg.seed);
  nlohmann::ordered_json doc = {{"stage", stage}, {"run", dir}, {"space", s.name}};

  if (stage == "heaviest") {
    Supernet net(s, rng);
    const TrainSummary t = train_heaviest(net, d.train, d.train_aug, cfg,
                                          {"heaviest", dir + "/heaviest.safetensors", dir + "/heaviest.csv"});
    report_summary(o, doc, stage, t);
    doc["written"] = {dir + "/heaviest.safetensors", dir + "/heaviest.csv"};
    if (t.finished)
      for (WeightSource w : {WeightSource::Ema, WeightSource::Raw}) {
        if (w == WeightSource::Ema && cfg.ema_decay == 0) continue;
        load_weights(dir + "/heaviest.safetensors", net, w);
        const ArchEvaluation e = evaluate_arch(net, heaviest_arch(s), d.train, d.test, d.train_aug, d.eval_aug, 0, cfg.loader_threads);
        o.text("heaviest network (%s weights): test accuracy %.2f%% (%lld parameters)\n", weight_source_name(w),
               100 * e.result.accuracy, (long long)e.parameters);
        doc["test_accuracy"][weight_source_name(w)] = 100 * e.result.accuracy;
        doc["parameters"] = e.parameters;
      }
    o.result(doc);
    return 0;
  }
  if (stage == "reorder") {
    Supernet net(s, rng);
    load_finished_heaviest(dir, net, weights);
    net.to(device);
    const Tensor before = heaviest_logits(net, d);
    reorder_channels(net, d.train, d.eval_aug, cfg.reorder_fraction, cfg.batch_size, cfg.loader_threads);
    const Tensor after = heaviest_logits(net, d);
    float diff = 0;
    for (int64_t i = 0; i < before.numel(); ++i) diff = std::max(diff, std::fabs(before.data()[i] - after.data()[i]));
    dist::write_by_rank0(dist::world(), "reordered.safetensors", [&] {
      save_checkpoint(dir + "/reordered.safetensors", net,
                      {{"reorder.weights", weight_source_name(weights)}, {"reorder.fraction", std::to_string(cfg.reorder_fraction)}});
    });
    o.text("reorder: %s weights of the heaviest network reordered on %.0f%% of each class; largest logit change %.2g; "
           "wrote %s/reordered.safetensors\n",
           weight_source_name(weights), 100 * cfg.reorder_fraction, diff, dir.c_str());
    doc["weights"] = weight_source_name(weights);
    doc["fraction"] = cfg.reorder_fraction;
    doc["max_logit_change"] = diff;
    doc["written"] = {dir + "/reordered.safetensors"};
    o.result(doc);
    return 0;
  }
  if (stage == "train") {
    Supernet net(s, rng);
    const std::string ckpt = dir + "/supernet.safetensors";
    if (!fs::exists(ckpt)) {
      load_heaviest(net, dir, weights);
      init_supernet_from_heaviest(net);
      progress_note("supernet: initialised from %s\n",
                    fs::exists(dir + "/reordered.safetensors") ? "reordered.safetensors"
                                                               : ("the " + std::string(weight_source_name(weights)) +
                                                                  " weights of heaviest.safetensors (not reordered)").c_str());
    }
    auto teacher = load_teacher(s, dir, weights);
    report_summary(o, doc, stage, train_supernet(net, *teacher, d.train, d.train_aug, cfg, {"supernet", ckpt, dir + "/supernet.csv"}));
    doc["written"] = {ckpt, dir + "/supernet.csv"};
    o.result(doc);
    return 0;
  }

  Supernet net(s, rng);
  load_weights(require_file(dir + "/supernet.safetensors", "run `iqnas supernet train` first"), net, weights);
  net.to(device);
  const Architecture arch = arch_arg(a, s);
  doc["arch"] = nlohmann::ordered_json::parse(arch_to_json(s, arch));
  doc["weights"] = weight_source_name(weights);
  if (stage == "eval") {
    const std::string split = a.str("split", "test");
    if (split != "test" && split != "heldout") throw UsageError("--split must be test or heldout");
    const ArchEvaluation e = evaluate_arch(net, arch, d.train, split == "test" ? d.test : d.heldout, d.train_aug,
                                           d.eval_aug, recal, cfg.loader_threads);
    o.text("accuracy %.2f%% (loss %.4f) on %lld %s images, %lld parameters\n", 100 * e.result.accuracy, e.result.loss,
           (long long)e.result.images, split.c_str(), (long long)e.parameters);
    doc["split"] = split;
    doc["recalibrate"] = recal;
    doc["accuracy"] = 100 * e.result.accuracy;
    doc["loss"] = e.result.loss;
    doc["images"] = e.result.images;
    doc["parameters"] = e.parameters;
    o.result(doc);
    return 0;
  }
  if (stage == "extract") {
    auto sub = extract_subnetwork(net, arch);
    if (recal > 0) recalibrate_bn(*sub, d.train, d.train_aug, recal, 64, cfg.seed);
    const std::string out = a.str("out");
    dist::write_by_rank0(dist::world(), "extracted checkpoint", [&] {
      save_checkpoint(out, *sub, {{"space", s.name}, {"arch", arch_to_json(s, arch)}, {"weights", weight_source_name(weights)}});
    });
    o.text("wrote %s (%lld parameters)\n", out.c_str(), (long long)sub->num_parameters());
    doc["recalibrate"] = recal;
    doc["parameters"] = sub->num_parameters();
    doc["written"] = {out};
    o.result(doc);
    return 0;
  }
  {  // finetune
    auto sub = extract_subnetwork(net, arch);
    auto teacher = load_teacher(s, dir, weights);
    const std::string name = fs::path(a.str("arch")).stem().string();
    const std::string ckpt = dir + "/finetune-" + name + ".safetensors";
    const TrainSummary t = finetune_subnetwork(*sub, teacher.get(), d.train, d.train_aug, cfg, {"finetune", ckpt, dir + "/finetune-" + name + ".csv"});
    report_summary(o, doc, stage, t);
    const WeightSource w = cfg.ema_decay > 0 ? weights : WeightSource::Raw;
    load_weights(ckpt, *sub, w);
    const EvalResult e = evaluate(*sub, d.test, d.eval_aug, 256, cfg.loader_threads, device);
    o.text("fine-tuned %s (%s weights): test accuracy %.2f%%\n", name.c_str(), weight_source_name(w), 100 * e.accuracy);
    doc["weights"] = weight_source_name(w);
    doc["test_accuracy"] = 100 * e.accuracy;
    doc["written"] = {ckpt, dir + "/finetune-" + name + ".csv"};
    o.result(doc);
    return 0;
  }
}

}  // namespace
IQNAS_COMMAND("supernet", "train the heaviest network and the supernet; evaluate, extract, fine-tune architectures", run_supernet);
}  // namespace iqnas::cli
