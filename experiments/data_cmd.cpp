// `iqnas data`: load a data set, print images per split and class and the image size, and time the
// training loader (augmentation on, the given thread count) in images per second.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "dist/communicator.h"
#include "experiments/args.h"
#include "experiments/command.h"
#include "experiments/data_root.h"
#include "experiments/output.h"
#include "nn/data/augment.h"
#include "nn/data/cifar_binary.h"
#include "nn/data/fashion_mnist.h"
#include "nn/data/image_codec.h"
#include "nn/data/image_folder.h"
#include "nn/data/loader.h"
#include "nn/data/split.h"

namespace {

using namespace iqnas::data;
using iqnas::cli::Args;
using iqnas::cli::Output;
using iqnas::cli::UsageError;

const char* kHelp =
    "usage: iqnas data --dataset fashion-mnist|cifar10-bin|folder [--root PATH] [options]\n"
    "\n"
    "Loads a data set, prints the images per split and class and the image size, and measures the\n"
    "training loader's throughput (augmentation on) in images per second.\n"
    "\n"
    "  --dataset NAME     fashion-mnist (IDX .gz files), cifar10-bin (data_batch_1..5.bin, test_batch.bin)\n"
    "                     or folder (ImageNet layout: ROOT/train/<class>/<image> and ROOT/val|test/...,\n"
    "                     or ROOT/<class>/<image> alone; JPEG or PNG)\n"
    "  --root PATH        data folder; defaults: the copy scripts/get-data.sh made in $IQNAS_DATA\n"
    "                     (fashion-mnist/, cifar10/cifar-10-batches-bin/, cifar10/jpg/), else\n"
    "                     /usr/share/datasets/fashion-mnist and the CIFAR-10 JPEG tree that\n"
    "                     scripts/prepare-cifar10.sh unpacks (docs/data.md)\n"
    "  --heldout F        held-out fraction of the training split (default 0.2)\n"
    "  --seed N           seed for the split, shuffling and augmentation (default 0)\n"
    "  --threads N        loader threads (default 2)\n"
    "  --batch N          batch size (default 128)\n"
    "  --batches N        batches to time (default: one epoch, at most 400)\n"
    "  --size N           output side for folders that are not CIFAR-like (default 224)\n"
    "  --augment MODE     train (default: pad-crop+flip for 32x32/28x28, random-resized-crop+flip\n"
    "                     otherwise), eval (resize-center-crop for large folders) or none\n"
    "  --stats NAME       normalisation statistics: fashion-mnist, cifar10, imagenet (default: by data set)\n"
    "  --rgb              replicate single-channel images to 3 channels\n"
    "  --cache MODE       folders: decode all images into memory: auto (default), on, off\n"
    "  --skip-bad         folders: skip and count unreadable, non-image and corrupt files\n"
    "  --dump DIR         write the first batch's images (up to 64, un-normalised) as one PNG grid\n";

struct Splits {
  std::vector<std::pair<std::string, std::shared_ptr<const Dataset>>> parts;  // name, data
  std::shared_ptr<const Dataset> train;                                       // what the loader times
  std::string stats;                                                          // fashion-mnist|cifar10|imagenet
  int64_t skipped = 0;
  int small_h = 0, small_w = 0;  // folders: the first image's size
  std::vector<std::string> skipped_files;
};

bool is_dir(const std::string& p) {
  std::error_code ec;
  return std::filesystem::is_directory(p, ec);
}

Splits load(const Args& a) {
  const std::string kind = a.str("dataset");
  if (kind != "folder" && a.has("cache")) throw UsageError("option --cache applies to --dataset folder only");
  Splits s;
  if (kind == "fashion-mnist") {
    const std::string root = a.str("root", iqnas::default_dataset_root("fashion-mnist"));
    s.train = load_fashion_mnist(root, "train");
    s.parts.push_back({"test", load_fashion_mnist(root, "test")});
    s.stats = "fashion-mnist";
  } else if (kind == "cifar10-bin") {
    const std::string root = a.str("root", iqnas::default_dataset_root("cifar10-bin"));
    s.train = load_cifar10_binary(root, "train");
    s.parts.push_back({"test", load_cifar10_binary(root, "test")});
    s.stats = "cifar10";
  } else if (kind == "folder") {
    const std::string root = a.str("root", iqnas::default_dataset_root("folder"));
    FolderOptions opt;
    opt.skip_bad = a.has("skip-bad");
    opt.cache = a.str("cache", "auto");
    if (opt.cache != "auto" && opt.cache != "on" && opt.cache != "off")
      throw UsageError("option --cache expects auto, on or off, got '" + opt.cache + "'");
    opt.channels = 3;
    auto one = [&](const std::string& path) {
      FolderReport rep;
      auto d = load_image_folder(path, opt, &rep);
      s.skipped += rep.skipped;
      s.skipped_files.insert(s.skipped_files.end(), rep.skipped_files.begin(), rep.skipped_files.end());
      return d;
    };
    if (is_dir(root + "/train")) {
      s.train = one(root + "/train");
      for (const char* other : {"val", "test"})
        if (is_dir(root + "/" + other)) s.parts.push_back({other, one(root + "/" + other)});
    } else {
      s.train = one(root);
    }
    // Folders of 32x32 or smaller images (CIFAR-like) use the CIFAR recipe, judged by the first image.
    Image probe;
    const ImageView v = s.train->image(0, probe);
    s.small_h = v.h;
    s.small_w = v.w;
    s.stats = (v.h <= 32 && v.w <= 32) ? "cifar10" : "imagenet";
  } else {
    throw UsageError("option --dataset expects fashion-mnist, cifar10-bin or folder, got '" + kind + "'");
  }
  return s;
}

std::string shape(const Dataset& d) {
  if (d.fixed_h() > 0)
    return std::to_string(d.fixed_h()) + "x" + std::to_string(d.fixed_w()) + "x" + std::to_string(d.channels());
  return "mixed sizes, " + std::to_string(d.channels()) + " channels";
}

// One table: a row per class, a column per split; the same numbers go into doc["classes"] and
// doc["splits"].
void print_counts(const Output& out, const std::vector<std::pair<std::string, const Dataset*>>& splits,
                  nlohmann::ordered_json& doc) {
  const Dataset& first = *splits.front().second;
  std::vector<std::vector<int64_t>> counts;
  out.text("%-4s %-18s", "", "class");
  for (const auto& [name, d] : splits) {
    counts.push_back(class_counts(*d));
    out.text(" %10s", name.c_str());
    doc["splits"][name] = {{"images", d->size()}, {"per_class", counts.back()}, {"image_size", shape(*d)}};
  }
  out.text("\n");
  doc["classes"] = first.class_names();
  for (int c = 0; c < first.num_classes(); ++c) {
    out.text("%4d %-18s", c, first.class_names()[static_cast<size_t>(c)].c_str());
    for (const auto& v : counts) out.text(" %10lld", static_cast<long long>(v[static_cast<size_t>(c)]));
    out.text("\n");
  }
  out.text("%-4s %-18s", "", "total");
  for (const auto& [name, d] : splits) out.text(" %10lld", static_cast<long long>(d->size()));
  out.text("\n");
  bool same = true;
  for (const auto& [name, d] : splits) same = same && shape(*d) == shape(first);
  if (same) {
    out.text("image size: %s (HxWxC, every split)\n", shape(first).c_str());
  } else {
    for (const auto& [name, d] : splits) out.text("image size of %s: %s\n", name.c_str(), shape(*d).c_str());
  }
}

// The first images of a batch, mapped back to 0..255, as an 8-wide grid in DIR/batch0.png.
void dump_grid(const Output& out, const std::string& dir, const Batch& b, const AugmentConfig& aug) {
  std::filesystem::create_directories(dir);
  const int n = static_cast<int>(std::min<int64_t>(b.n, 64)), cols = std::min(n, 8), rows = (n + cols - 1) / cols;
  const int oc = b.c == 1 ? 1 : 3, gh = rows * (b.h + 1), gw = cols * (b.w + 1);
  std::vector<uint8_t> grid(static_cast<size_t>(gh) * gw * oc, 255);
  for (int i = 0; i < n; ++i)
    for (int y = 0; y < b.h; ++y)
      for (int x = 0; x < b.w; ++x)
        for (int c = 0; c < oc; ++c) {
          const size_t k = aug.mean.size() == 1 ? 0 : static_cast<size_t>(c);
          const float m = aug.mean.empty() ? 0.f : aug.mean[k % aug.mean.size()];
          const float sd = aug.stddev.empty() ? 1.f : aug.stddev[k % aug.stddev.size()];
          const float v = b.images[((static_cast<size_t>(i) * b.h + y) * b.w + x) * b.c + c] * sd + m;
          const int gy = (i / cols) * (b.h + 1) + y, gx = (i % cols) * (b.w + 1) + x;
          grid[(static_cast<size_t>(gy) * gw + gx) * oc + c] =
              static_cast<uint8_t>(std::clamp(v * 255.f + 0.5f, 0.f, 255.f));
        }
  const std::string path = dir + "/batch0.png";
  iqnas::dist::write_by_rank0(iqnas::dist::world(), "batch0.png", [&] { write_png(path, grid.data(), gh, gw, oc); });
  out.text("wrote %s (%d images)\n", path.c_str(), n);
}

int run_data(const std::vector<std::string>& argv) {
  Args a(argv,
         {"dataset", "root", "heldout", "seed", "threads", "batch", "batches", "size", "augment", "stats", "cache",
          "dump"},
         Output::flags({"rgb", "skip-bad"}));
  if (a.help()) {
    std::printf("%s%s", kHelp, Output::kHelp);
    return 0;
  }
  const Output out(a);
  nlohmann::ordered_json doc;
  if (!a.positional().empty()) throw UsageError("unexpected argument '" + a.positional()[0] + "'");
  const double heldout = a.num("heldout", 0.2);
  if (!(heldout >= 0 && heldout < 1)) throw UsageError("option --heldout expects a fraction in [0, 1)");
  const int64_t seed = a.integer("seed", 0, 0, int64_t(1) << 53);
  const int64_t threads = a.integer("threads", 2, 1, iqnas::data::kMaxLoaderThreads), batch = a.integer("batch", 128, 1, 65536);
  const int64_t size = a.integer("size", 224, 1, 4096);
  const std::string mode = a.str("augment", "train");
  if (mode != "train" && mode != "eval" && mode != "none")
    throw UsageError("option --augment expects train, eval or none, got '" + mode + "'");

  const auto t_load = std::chrono::steady_clock::now();
  Splits s = load(a);
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_load).count();
  const std::string stats = a.str("stats", s.stats);
  if (stats != "fashion-mnist" && stats != "cifar10" && stats != "imagenet")
    throw UsageError("option --stats expects fashion-mnist, cifar10 or imagenet, got '" + stats + "'");

  out.text("data set %s from %s (loaded in %.2f s)\n", a.str("dataset").c_str(), s.train->source().c_str(), load_s);
  doc["dataset"] = a.str("dataset");
  doc["source"] = s.train->source();
  doc["load_s"] = load_s;
  doc["skipped"] = {{"count", s.skipped}, {"files", s.skipped_files}};
  if (s.skipped > 0) {
    out.text("skipped %lld bad files:\n", static_cast<long long>(s.skipped));
    for (const auto& f : s.skipped_files) out.text("  %s\n", f.c_str());
    if (s.skipped > static_cast<int64_t>(s.skipped_files.size())) out.text("  ...\n");
  }
  auto split = split_dataset(s.train, heldout, static_cast<uint64_t>(seed));
  out.text("held-out split: seed %lld, fraction %.2f of train (stratified by class)\n",
           static_cast<long long>(seed), heldout);
  doc["heldout"] = {{"seed", seed}, {"fraction", heldout}};
  std::vector<std::pair<std::string, const Dataset*>> table = {
      {"train", s.train.get()}, {"train-part", split.train.get()}, {"held-out", split.heldout.get()}};
  for (const auto& [name, d] : s.parts) {
    if (d->num_classes() != s.train->num_classes() || d->class_names() != s.train->class_names())
      throw iqnas::data::DataError(d->source() + ": its classes differ from those of " + s.train->source());
    table.push_back({name, d.get()});
  }
  print_counts(out, table, doc);

  LoaderOptions lo;
  lo.batch_size = batch;
  lo.threads = static_cast<int>(threads);
  lo.seed = static_cast<uint64_t>(seed);
  if (mode == "train") {
    lo.augment = train_augment(stats, static_cast<int>(size));
  } else if (mode == "eval") {
    lo.augment = eval_augment(stats, static_cast<int>(size));
  } else {
    dataset_mean_std(stats, lo.augment.mean, lo.augment.stddev);
  }
  if (mode != "none" && s.train->fixed_h() > 0 && a.has("size") && lo.augment.crop == CropMode::PadCrop)
    throw UsageError("option --size applies to resized folders only (pad-crop keeps the image size)");
  if ((lo.augment.crop == CropMode::None || lo.augment.crop == CropMode::PadCrop) && s.train->fixed_h() == 0) {
    // Images not cached in memory: small ones must all have the first image's size, others are
    // resized to a fixed output.
    if (stats == "cifar10" || stats == "fashion-mnist") {
      lo.augment.out_h = s.small_h;
      lo.augment.out_w = s.small_w;
    } else {
      lo.augment.crop = CropMode::ResizeCenterCrop;
      lo.augment.out_h = lo.augment.out_w = static_cast<int>(size);
    }
  }
  if (a.has("rgb")) lo.augment.out_channels = 3;
  Loader loader(split.train, lo);
  const int64_t batches = a.integer("batches", std::min<int64_t>(loader.batches_per_epoch(), 400), 1, 1000000);
  out.text("loader: %lld threads, batch %lld, augmentation %s (%s%s), output %dx%dx%d\n",
           static_cast<long long>(threads), static_cast<long long>(batch), mode.c_str(),
           crop_mode_name(lo.augment.crop), lo.augment.hflip ? " + flip" : "", loader.out_h(), loader.out_w(),
           loader.out_c());
  const Batch first = loader.next();  // thread start-up, not throughput
  if (a.has("dump")) dump_grid(out, a.str("dump"), first, lo.augment);
  int64_t images = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < batches; ++i) images += loader.next().n;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.text("loader throughput: %.0f images/s (%lld images in %.3f s)\n", images / secs,
           static_cast<long long>(images), secs);
  doc["loader"] = {{"threads", threads},
                   {"batch", batch},
                   {"augment", mode},
                   {"crop", crop_mode_name(lo.augment.crop)},
                   {"flip", lo.augment.hflip},
                   {"output", {loader.out_h(), loader.out_w(), loader.out_c()}},
                   {"images", images},
                   {"seconds", secs},
                   {"images_per_s", images / secs}};
  out.result(doc);
  return 0;
}

}  // namespace

IQNAS_COMMAND("data", "inspect a data set and time its loader (images per split and class, images/s)", run_data);
