#include "experiments/run_folder.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "experiments/args.h"
#include "nn/checkpoint.h"
#include "supernet/weights.h"

namespace iqnas::cli {

std::string require_file(const std::string& path, const std::string& how) {
  if (!std::filesystem::exists(path)) throw UsageError(path + " does not exist; " + how);
  return path;
}

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error(path + ": cannot open");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

SearchSpace load_run_space(const std::string& dir) {
  return load_space(require_file(dir + "/space.json", "is " + dir + " a run folder? (`iqnas supernet heaviest --run " + dir +
                                                          "` creates one)"));
}

std::unique_ptr<Supernet> load_run_supernet(const std::string& dir, const SearchSpace& s, const std::string& weights) {
  WeightSource w;
  try {
    w = parse_weight_source(weights);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--weights: ") + e.what());
  }
  Rng rng(0);
  auto net = std::make_unique<Supernet>(s, rng);
  load_weights(require_file(dir + "/supernet.safetensors", "run `iqnas supernet train --run " + dir + "` first"), *net, w);
  return net;
}

Architecture arch_arg(const SearchSpace& s, const std::string& arg) {
  if (arg == "heaviest") return heaviest_arch(s);
  if (arg == "smallest") return smallest_arch(s);
  return load_arch(s, arg);
}

std::string arch_result_name(const std::string& arch_arg, bool finetuned) {
  std::string name = std::filesystem::path(arch_arg).filename().string();
  if (name.size() > 5 && name.substr(name.size() - 5) == ".json") name.resize(name.size() - 5);
  return finetuned ? name + ".finetuned" : name;
}

std::unique_ptr<SubNetwork> load_run_network(const std::string& dir, const SearchSpace& s, const Architecture& arch,
                                             const std::string& checkpoint, const std::string& weights,
                                             std::string* source) {
  if (!checkpoint.empty()) {
    Rng rng(0);
    auto net = std::make_unique<SubNetwork>(s, arch, rng);
    load_checkpoint(require_file(checkpoint, "fine-tune it with `iqnas supernet finetune` first"), *net);
    *source = checkpoint;
    return net;
  }
  auto super = load_run_supernet(dir, s, weights);
  *source = "supernet (" + weights + "), inherited";
  return extract_subnetwork(*super, arch);
}

predictor::EvalSet heldout_eval_set(const DataSets& d, int64_t images, int64_t batch, int threads) {
  return predictor::load_eval_set(d.heldout, d.eval_aug, images, batch, 0, threads);
}

}  // namespace iqnas::cli
