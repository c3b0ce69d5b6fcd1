// `iqnas supernet <stage>`: the one-time investment of the method (heaviest network, one-shot
// supernet), sub-network extraction, evaluation with inherited weights, and fine-tuning. Every stage
// reads and writes files in one run folder (docs/training.md).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "experiments/args.h"
#include "experiments/command.h"
#include "experiments/datasets.h"
#include "nn/checkpoint.h"
#include "supernet/evaluate.h"
#include "supernet/trainer.h"

namespace iqnas::cli {
namespace {
namespace fs = std::filesystem;

const char* kHelp = R"(usage: iqnas supernet <stage> --run DIR [options]

stages (each resumes from its checkpoint in DIR when interrupted):
  heaviest   train the heaviest network of the space alone        -> DIR/heaviest.safetensors
  train      one-shot supernet, initialised from the heaviest network, uniform multipath sampling
             with in-place distillation from the frozen heaviest    -> DIR/supernet.safetensors
  eval       accuracy of --arch with weights inherited from the supernet (after BN recalibration)
  extract    write --arch as a standalone network                  -> --out FILE
  finetune   fine-tune the extracted --arch with distillation       -> DIR/finetune-<name>.safetensors

options:
  --run DIR           run folder (holds space.json, checkpoints, logs)
  --space NAME|FILE   search space for a new run folder: tiny (default), cifar, paper, or a JSON file
  --config FILE       run configuration JSON (docs/training.md); flags below override it
  --epochs N --lr X --batch-size N --train-images N --seed N   overrides of the run configuration
  --arch FILE|heaviest|smallest   architecture for eval/extract/finetune
  --recalibrate N     BN recalibration batches before eval (default 20; 0 = keep the supernet's)
  --split test|heldout            evaluation split for eval (default test)
  --out FILE          output of extract
  --threads N         loader threads (default 2)
)";

SearchSpace run_space(const Args& a, const std::string& dir) {
  const std::string path = dir + "/space.json";
  if (fs::exists(path)) {
    SearchSpace s = load_space(path);
    if (a.has("space") && find_space(a.str("space")).name != s.name)
      throw UsageError(dir + " holds a run of space '" + s.name + "', not '" + a.str("space") + "'");
    return s;
  }
  SearchSpace s = find_space(a.str("space", "tiny"));
  fs::create_directories(dir);
  std::ofstream(path + ".tmp") << space_to_json(s) << '\n';
  fs::rename(path + ".tmp", path);
  return s;
}

RunConfig run_config(const Args& a) {
  RunConfig c = a.has("config") ? load_run_config(a.str("config")) : RunConfig{};
  c.epochs = static_cast<int>(a.integer("epochs", c.epochs));
  c.lr = a.num("lr", c.lr);
  c.batch_size = a.integer("batch-size", c.batch_size);
  c.train_images = a.integer("train-images", c.train_images);
  c.seed = static_cast<uint64_t>(a.integer("seed", static_cast<int64_t>(c.seed)));
  c.loader_threads = static_cast<int>(a.integer("threads", c.loader_threads));
  c.stop_after_steps = a.integer("stop-after", c.stop_after_steps);
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

std::string require_file(const std::string& path, const std::string& how) {
  if (!fs::exists(path)) throw UsageError(path + " does not exist; " + how);
  return path;
}

void print_summary(const std::string& stage, const TrainSummary& t) {
  if (t.resumed_from == t.steps) {
    std::printf("%s: already complete (checkpoint at step %lld of %lld)\n", stage.c_str(), (long long)t.steps,
                (long long)t.total_steps);
    return;
  }
  std::printf("%s: %s after %lld of %lld steps, last loss %.4f, accuracy %.2f%%, %.0f images/s\n", stage.c_str(),
              t.finished ? "finished" : "stopped", (long long)t.steps, (long long)t.total_steps, t.last_loss,
              100 * t.last_accuracy, t.images_per_second);
}

// The frozen teacher: the heaviest path of the heaviest-network checkpoint.
std::unique_ptr<SubNetwork> load_teacher(const SearchSpace& s, const std::string& dir) {
  Rng rng(0);
  Supernet heavy(s, rng);
  load_checkpoint(require_file(dir + "/heaviest.safetensors", "run `iqnas supernet heaviest` first"), heavy);
  auto t = extract_subnetwork(heavy, heaviest_arch(s));
  t->eval();
  return t;
}

int run_supernet(const std::vector<std::string>& argv) {
  Args a(argv, {"run", "space", "config", "epochs", "lr", "batch-size", "train-images", "seed", "arch", "recalibrate",
                "split", "out", "threads", "dataset", "root", "heldout", "stop-after"});
  if (a.help() || a.positional().empty()) {
    std::printf("%s%s", kHelp, kDataOptionsHelp);
    return a.help() ? 0 : 2;
  }
  const std::string stage = a.positional()[0], dir = a.str("run");
  const std::vector<std::string> stages{"heaviest", "train", "eval", "extract", "finetune"};
  if (std::find(stages.begin(), stages.end(), stage) == stages.end())
    throw UsageError("unknown stage '" + stage + "' (heaviest, train, eval, extract, finetune)");
  const SearchSpace s = run_space(a, dir);
  const RunConfig cfg = run_config(a);
  const DataSets d = open_datasets(a, default_dataset_for_space(s.name), s.image_size, cfg.augment);
  Rng rng(cfg.seed);

  if (stage == "heaviest") {
    Supernet net(s, rng);
    const TrainSummary t = train_heaviest(net, d.train, d.train_aug, cfg,
                                          {"heaviest", dir + "/heaviest.safetensors", dir + "/heaviest.csv"});
    print_summary(stage, t);
    if (t.finished) {
      const ArchEvaluation e = evaluate_arch(net, heaviest_arch(s), d.train, d.test, d.train_aug, d.eval_aug, 0, cfg.loader_threads);
      std::printf("heaviest network: test accuracy %.2f%% (%lld parameters)\n", 100 * e.result.accuracy, (long long)e.parameters);
    }
    return 0;
  }
  if (stage == "train") {
    Supernet net(s, rng);
    const std::string ckpt = dir + "/supernet.safetensors";
    if (!fs::exists(ckpt)) {
      load_checkpoint(require_file(dir + "/heaviest.safetensors", "run `iqnas supernet heaviest` first"), net);
      init_supernet_from_heaviest(net);
    }
    auto teacher = load_teacher(s, dir);
    print_summary(stage, train_supernet(net, *teacher, d.train, d.train_aug, cfg, {"supernet", ckpt, dir + "/supernet.csv"}));
    return 0;
  }

  Supernet net(s, rng);
  load_checkpoint(require_file(dir + "/supernet.safetensors", "run `iqnas supernet train` first"), net);
  const Architecture arch = arch_arg(a, s);
  if (stage == "eval") {
    const std::string split = a.str("split", "test");
    if (split != "test" && split != "heldout") throw UsageError("--split must be test or heldout");
    const ArchEvaluation e = evaluate_arch(net, arch, d.train, split == "test" ? d.test : d.heldout, d.train_aug,
                                           d.eval_aug, static_cast<int>(a.integer("recalibrate", 20)), cfg.loader_threads);
    std::printf("accuracy %.2f%% (loss %.4f) on %lld %s images, %lld parameters\n", 100 * e.result.accuracy, e.result.loss,
                (long long)e.result.images, split.c_str(), (long long)e.parameters);
    return 0;
  }
  if (stage == "extract") {
    auto sub = extract_subnetwork(net, arch);
    recalibrate_bn(*sub, d.train, d.train_aug, static_cast<int>(a.integer("recalibrate", 20)), 64, cfg.seed);
    const std::string out = a.str("out");
    save_checkpoint(out, *sub, {{"space", s.name}, {"arch", arch_to_json(s, arch)}});
    std::printf("wrote %s (%lld parameters)\n", out.c_str(), (long long)sub->num_parameters());
    return 0;
  }
  {  // finetune
    auto sub = extract_subnetwork(net, arch);
    auto teacher = load_teacher(s, dir);
    const std::string name = fs::path(a.str("arch")).stem().string();
    const TrainSummary t = finetune_subnetwork(*sub, teacher.get(), d.train, d.train_aug, cfg,
                                               {"finetune", dir + "/finetune-" + name + ".safetensors", dir + "/finetune-" + name + ".csv"});
    print_summary(stage, t);
    const EvalResult e = evaluate(*sub, d.test, d.eval_aug, 256, cfg.loader_threads, Device::CPU);
    std::printf("fine-tuned %s: test accuracy %.2f%%\n", name.c_str(), 100 * e.accuracy);
    return 0;
  }
}

}  // namespace
IQNAS_COMMAND("supernet", "train the heaviest network and the supernet; evaluate, extract, fine-tune architectures", run_supernet);
}  // namespace iqnas::cli
