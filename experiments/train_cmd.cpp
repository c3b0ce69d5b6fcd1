// `iqnas train`: trains a classifier on a data set and writes a run folder (log, results,
// checkpoint). Until the supernet pipeline exists this trains the small convnet of nn/train.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "dist/communicator.h"
#include "experiments/args.h"
#include "experiments/command.h"
#include "experiments/output.h"
#include "nn/checkpoint.h"
#include "util/progress.h"
#include "experiments/datasets.h"
#include "nn/train/small_convnet.h"
#include "util/atomic_file.h"

namespace iqnas::cli {
namespace {

const char* kHelp = R"(usage: iqnas train --dataset fashion-mnist|cifar10-bin|folder [options] [--json] [--quiet]

Trains the small depthwise-separable convnet on the training part of the data set (the held-out
part is left out) and writes OUT/log.csv, OUT/results.json and OUT/model.safetensors.

  --out DIR           run folder (default runs/train)
  --epochs N          default 3
  --batch-size N      default 64
  --lr X              peak learning rate, cosine schedule with warm-up (default 0.1)
  --width N           channels of the first layer (default 16)
  --train-images N    use only the first N training images (default: all)
  --threads N         loader threads (default 2)
  --seed N            default 0
  --device cpu|cuda   where to train and evaluate (default cpu)
)";

int run_train(const std::vector<std::string>& argv) {
  Args a(argv, {"dataset", "root", "heldout", "out", "epochs", "batch-size", "lr", "width", "train-images", "threads", "seed", "device"},
         Output::flags());
  if (print_data_command_help(a, kHelp)) return 0;
  const Output o(a);
  const DataSets d = open_datasets(a, "fashion-mnist", 0);
  const std::string dataset = d.name;
  std::shared_ptr<const data::Dataset> train = d.train, test = d.test;
  std::shared_ptr<const data::Dataset> train_set = train;
  if (a.has("train-images")) {
    const int64_t n = a.integer("train-images", 0, 1, train->size());
    std::vector<int64_t> idx(n);
    for (int64_t i = 0; i < n; ++i) idx[i] = i;
    train_set = std::make_shared<data::SubsetDataset>(train, idx, dataset + "-first-" + std::to_string(n));
  }

  TrainConfig cfg;
  cfg.epochs = static_cast<int>(a.integer("epochs", 3, 1, 100000));
  cfg.batch_size = a.integer("batch-size", 64, 2, 65536);
  cfg.lr = a.num("lr", 0.1);
  cfg.loader_threads = static_cast<int>(a.integer("threads", 2, 1, data::kMaxLoaderThreads));
  cfg.seed = static_cast<uint64_t>(a.integer("seed", 0, 0, int64_t(1) << 53));
  cfg.warmup_epochs = 0.2;
  cfg.device = a.parsed("device", "cpu", parse_device);
  const int width = static_cast<int>(a.integer("width", 16, 1, 1024));
  if (!(cfg.lr > 0)) throw UsageError("option --lr must be > 0");

  const std::string out = a.str("out", "runs/train");
  std::filesystem::create_directories(out);
  cfg.log_csv = out + "/log.csv";

  Rng rng(cfg.seed);
  const data::AugmentConfig& train_aug = d.train_aug;
  const data::AugmentConfig& test_aug = d.eval_aug;
  const int in_c = train_aug.out_channels ? train_aug.out_channels : train->channels();
  SmallConvNet net(in_c, train->num_classes(), width, rng);
  progress_note("iqnas train: %s, %lld training / %lld test images, %lld parameters, %d epochs\n", dataset.c_str(),
                (long long)train_set->size(), (long long)test->size(), (long long)net.num_parameters(), cfg.epochs);
  const TrainResult r = train_classifier(net, train_set, test, train_aug, test_aug, cfg);

  nlohmann::json j = {{"dataset", dataset},          {"train_images", train_set->size()},
                      {"epochs", cfg.epochs},        {"steps", r.steps},
                      {"train_loss", r.train_loss},  {"train_accuracy", r.train_accuracy},
                      {"test_loss", r.test.loss},    {"test_accuracy", r.test.accuracy},
                      {"images_per_second", r.images_per_second}, {"parameters", net.num_parameters()}};
  dist::write_by_rank0(dist::world(), "train results", [&] {
    save_checkpoint(out + "/model.safetensors", net, {{"model", "small_convnet"}, {"dataset", dataset}});
    write_file_atomic(out + "/results.json", j.dump(2) + "\n");
  });
  o.text("test accuracy %.2f%% (loss %.4f) after %d epochs, %.0f training images/s; results in %s\n",
         100 * r.test.accuracy, r.test.loss, cfg.epochs, r.images_per_second, out.c_str());
  o.result({{"results", j},
            {"written", {out + "/results.json", out + "/model.safetensors", cfg.log_csv}}});
  return 0;
}

}  // namespace
IQNAS_COMMAND("train", "train the small convnet on a data set (a run folder with log, results, checkpoint)", run_train);
}  // namespace iqnas::cli
