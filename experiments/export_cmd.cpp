// `iqnas export`: a found network as files another framework can load (docs/export.md): its
// weights in PyTorch's layouts (safetensors), its description (space, architecture, timm arch_def,
// input preprocessing, classes) and a check batch with our logits, which
// experiments/export_pytorch.py reproduces in PyTorch and ONNX Runtime.
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "dist/communicator.h"
#include "experiments/args.h"
#include "experiments/command.h"
#include "experiments/output.h"
#include "experiments/run_folder.h"
#include "nn/checkpoint.h"
#include "nn/data/loader.h"
#include "nn/torch_layout.h"
#include "nn/train/loop.h"
#include "util/atomic_file.h"

namespace iqnas::cli {
namespace {
namespace fs = std::filesystem;

const char* kHelp = R"(usage: iqnas export --run DIR --arch FILE [options]

Writes the network of FILE, with weights inherited from the supernet of DIR (or those of
--checkpoint, a fine-tuned network), to --out (docs/export.md):
  model.safetensors   the weights in PyTorch's layouts, under our module names
  check.safetensors   a check batch: the first --images test images (NCHW, normalised) and our logits
  model.json          space, architecture, timm arch_def, input preprocessing, classes, the logits'
                      checksum; written last
experiments/export_pytorch.py rebuilds the network in PyTorch from these files and compares logits.

options:
  --run DIR            run folder with a trained supernet
  --arch FILE          architecture JSON (e.g. from iqnas search), or heaviest / smallest
  --checkpoint FILE    weights of this standalone network (as `iqnas measure --checkpoint`)
  --weights W          ema (default) or raw supernet weights
  --out DIR2           output folder (default DIR/export/<arch file name>[.finetuned])
  --images N           images in the check batch, 1..256 (default 8)
  --threads N          loader threads (default 2)
)";

// FNV-1a (64 bit) of the float32 values' little-endian bytes: an exact fingerprint of our logits.
uint64_t fnv1a64(const std::vector<float>& v) {
  uint64_t h = 1469598103934665603ull;
  for (float f : v) {
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    for (int i = 0; i < 4; ++i) h = (h ^ ((bits >> (8 * i)) & 0xffu)) * 1099511628211ull;
  }
  return h;
}

nlohmann::json input_description(const SearchSpace& s, const DataSets& d, const data::Batch& b) {
  const data::AugmentConfig& aug = d.eval_aug;
  nlohmann::json j = {{"layout", "NCHW"}, {"dtype", "float32"}, {"shape", {1, b.c, b.h, b.w}},
                      {"dataset", d.name}, {"crop", data::crop_mode_name(aug.crop)},
                      {"normalise", "(pixel / 255 - mean) / std, per channel"}, {"mean", aug.mean}, {"std", aug.stddev}};
  if (aug.crop == data::CropMode::ResizeCenterCrop)
    j["resize_short_side"] = static_cast<int>(std::lround(s.image_size * aug.resize_ratio));
  return j;
}

int run_export(const std::vector<std::string>& argv) {
  Args a(argv, {"run", "arch", "checkpoint", "weights", "out", "images", "threads", "dataset", "root", "heldout"},
         Output::flags());
  if (print_data_command_help(a, kHelp)) return 0;
  const Output msg(a);
  const std::string dir = a.str("run");
  const SearchSpace s = load_run_space(dir);
  const Architecture arch = arch_arg(s, a.str("arch"));
  const int64_t images = a.integer("images", 8, 1, 256);
  const int threads = static_cast<int>(a.integer("threads", 2, 1, 64));
  const std::string out = a.str("out", dir + "/export/" + arch_result_name(a.str("arch"), a.has("checkpoint")));

  std::string source;
  const auto net = load_run_network(dir, s, arch, a.str("checkpoint", ""), a.str("weights", "ema"), &source);
  net->eval();

  // The check batch: the first test images as evaluation sees them.
  const DataSets d = open_datasets(a, default_dataset_for_space(s.name), s.image_size, false);
  data::LoaderOptions lo;
  lo.batch_size = std::min<int64_t>(images, d.test->size());
  lo.threads = threads, lo.shuffle = false, lo.augment = d.eval_aug;
  data::Loader loader(d.test, lo);
  const data::Batch b = loader.next();
  const Tensor x = batch_images(b, Device::CPU);
  Tensor logits;
  {
    NoGradGuard ng;
    logits = net->forward(Var(x)).value().to(Device::CPU).contiguous();
  }
  const std::vector<float> lv = logits.to_vector();
  double sum = 0, abs_sum = 0;
  for (float v : lv) sum += v, abs_sum += std::fabs(v);
  std::vector<int> predictions;
  for (int64_t i = 0; i < logits.dim(0); ++i) {
    const float* row = lv.data() + i * logits.dim(1);
    predictions.push_back(static_cast<int>(std::max_element(row, row + logits.dim(1)) - row));
  }

  fs::create_directories(out);
  const NamedTensors weights = torch_state_dict(*net);
  const std::string arch_json = arch_to_json(s, arch);
  dist::write_by_rank0(dist::world(), "exported model", [&] {
    save_safetensors(out + "/model.safetensors", weights,
                     {{"format", "iqnas-export"}, {"layout", "pytorch"}, {"space", s.name},
                      {"arch", nlohmann::json::parse(arch_json).dump()}});
    save_safetensors(out + "/check.safetensors", {{"images", nhwc_to_nchw(x)}, {"logits", logits}},
                     {{"format", "iqnas-export-check"}});
  });

  nlohmann::json j;
  j["format"] = "iqnas-export";
  j["format_version"] = 1;
  j["space"] = nlohmann::json::parse(space_to_json(s));
  j["architecture"] = nlohmann::json::parse(arch_json);
  try {
    j["timm_arch_def"] = timm_arch_def(s, arch);
  } catch (const std::invalid_argument& e) {  // a space with sigmoid block activations
    j["timm_arch_def"] = nullptr;
    j["timm_arch_def_error"] = e.what();
  }
  j["num_classes"] = s.num_classes;
  j["class_names"] = d.test->class_names();
  j["input"] = input_description(s, d, b);
  j["weights"] = {{"file", "model.safetensors"}, {"source", source}, {"tensors", weights.size()},
                  {"parameters", net->num_parameters()}};
  char fnv[17];
  std::snprintf(fnv, sizeof fnv, "%016" PRIx64, fnv1a64(lv));
  j["check"] = {{"file", "check.safetensors"}, {"images", b.n}, {"split", "test"},
                {"labels", std::vector<int32_t>(b.labels, b.labels + b.n)}, {"predictions", predictions},
                {"logits_sum", sum}, {"logits_abs_sum", abs_sum}, {"logits_fnv1a64", fnv}};
  dist::write_by_rank0(dist::world(), "model.json", [&] { write_file_atomic(out + "/model.json", j.dump(1) + "\n"); });
  msg.text("export: %s (%lld parameters, %s) -> %s/{model.safetensors, check.safetensors, model.json}; "
           "check batch of %lld images, logits sum %.6g, |sum| %.6g\n",
           a.str("arch").c_str(), (long long)net->num_parameters(), source.c_str(), out.c_str(), (long long)b.n, sum,
           abs_sum);
  msg.result({{"export", j},
              {"written", {out + "/model.safetensors", out + "/check.safetensors", out + "/model.json"}}});
  return 0;
}

}  // namespace
IQNAS_COMMAND("export", "a network's weights, description and check logits for PyTorch / ONNX (docs/export.md)", run_export);
}  // namespace iqnas::cli
