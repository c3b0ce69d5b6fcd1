#include "supernet/run_config.h"

#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <type_traits>

#include "nn/data/loader.h"
#include "util/json_reader.h"
#include "util/text_file.h"

namespace iqnas {
using json = nlohmann::json;

void RunConfig::validate() const {
  auto need = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument(what);
  };
  need(epochs >= 1 && epochs <= kMaxEpochs, "epochs must be in [1, " + std::to_string(kMaxEpochs) + "]");
  need(batch_size >= 2 && batch_size <= kMaxBatch, "batch_size must be in [2, " + std::to_string(kMaxBatch) + "]");
  need(lr > 0, "lr must be > 0");
  need(momentum >= 0 && momentum < 1, "momentum must be in [0, 1)");
  need(weight_decay >= 0, "weight_decay must be >= 0");
  need(label_smoothing >= 0 && label_smoothing < 1, "label_smoothing must be in [0, 1)");
  need(schedule == "cosine" || schedule == "step" || schedule == "constant", "schedule must be cosine, step or constant");
  need(warmup_epochs >= 0, "warmup_epochs must be >= 0");
  need(warmup_start_factor >= 0 && warmup_start_factor <= 1, "warmup_start_factor must be in [0, 1]");
  need(cooldown_epochs >= 0 && cooldown_epochs < epochs, "cooldown_epochs must be in [0, epochs)");
  need(ema_decay >= 0 && ema_decay < 1, "ema_decay must be in [0, 1) (0: no EMA)");
  need(dropout < 1, "dropout must be < 1 (< 0: the space's head.dropout)");
  need(bn_stats == "shared" || bn_stats == "private", "bn_stats must be shared or private");
  need(reorder_fraction > 0 && reorder_fraction <= 1, "reorder_fraction must be in (0, 1]");
  need(device == "cpu" || device == "cuda", "device must be cpu or cuda");
  need(step_gamma > 0 && step_gamma <= 1, "step_gamma must be in (0, 1]");
  need(step_epochs > 0, "step_epochs must be > 0");
  need(final_lr >= 0, "final_lr must be >= 0");
  need(sampling == "multipath" || sampling == "single", "sampling must be multipath or single");
  need(kd_kl_weight >= 0, "kd_kl_weight must be >= 0");
  need(kd_feature_divisor > 0, "kd_feature_divisor must be > 0");
  need(kd_temperature > 0, "kd_temperature must be > 0");
  need(checkpoint_every >= 1, "checkpoint_every must be >= 1");
  need(train_images >= 0, "train_images must be >= 0");
  need(loader_threads >= 1 && loader_threads <= data::kMaxLoaderThreads,
       "loader_threads must be in [1, " + std::to_string(data::kMaxLoaderThreads) + "]");
  need(log_every >= 1, "log_every must be >= 1");
  need(threads >= 0 && threads <= 1024, "threads must be in [0, 1024] (0: OMP_NUM_THREADS where possible)");
  need(stop_after_steps >= 0, "stop_after_steps must be >= 0");
}

LoopConfig RunConfig::loop_config() const {
  validate();
  LoopConfig l;
  l.epochs = epochs, l.batch_size = batch_size, l.lr = lr, l.momentum = momentum, l.weight_decay = weight_decay;
  l.nesterov = nesterov, l.schedule = schedule, l.warmup_epochs = warmup_epochs;
  l.warmup_start_factor = warmup_start_factor, l.step_gamma = step_gamma, l.step_epochs = step_epochs;
  l.final_lr = final_lr, l.cooldown_epochs = cooldown_epochs, l.ema_decay = ema_decay;
  l.checkpoint_every = checkpoint_every, l.train_images = train_images, l.loader_threads = loader_threads;
  l.log_every = log_every, l.seed = seed, l.stop_after_steps = stop_after_steps, l.device = parse_device(device);
  l.bn_sync = bn_sync, l.threads = threads;
  l.metadata["run.config"] = run_config_to_json(*this);
  // Everything but the settings that may change between a run and its resume (threads, device,
  // logging, checkpoint interval, the test stop).
  json shaping = json::parse(l.metadata["run.config"]);
  for (const char* k : {"loader_threads", "threads", "device", "log_every", "checkpoint_every", "stop_after_steps"}) shaping.erase(k);
  if (!bn_sync) shaping.erase("bn_sync");  // added later: at its default, runs checkpointed before it still resume
  l.must_match["run.training"] = shaping.dump();
  return l;
}

RunConfig parse_run_config(const std::string& text, const std::string& source) {
  const json j = util::parse_json(text, source);
  util::JsonObject r(j, "", source);
  RunConfig c;
  auto read = [&](const char* key, auto& field) {
    if (!r.has(key)) return;  // the default
    using T = std::decay_t<decltype(field)>;
    if constexpr (std::is_same_v<T, std::string>) {
      field = r.get_string(key);
    } else if constexpr (std::is_same_v<T, bool>) {
      field = r.get_bool(key);
    } else if constexpr (std::is_integral_v<T>) {
      // Checked before narrowing: 4294967297 must not become 1 in an int field.
      constexpr int64_t lo = std::is_signed_v<T> ? int64_t(std::numeric_limits<T>::min()) : 0;
      constexpr int64_t hi = sizeof(T) < 8 ? int64_t(std::numeric_limits<T>::max()) : std::numeric_limits<int64_t>::max();
      field = static_cast<T>(r.get_int64(key, lo, hi));
    } else {
      field = r.get_number(key);
    }
  };
  read("epochs", c.epochs), read("batch_size", c.batch_size), read("lr", c.lr), read("momentum", c.momentum);
  read("weight_decay", c.weight_decay), read("label_smoothing", c.label_smoothing), read("nesterov", c.nesterov);
  read("schedule", c.schedule), read("warmup_epochs", c.warmup_epochs), read("step_gamma", c.step_gamma);
  read("step_epochs", c.step_epochs), read("final_lr", c.final_lr), read("sampling", c.sampling);
  read("kd_kl_weight", c.kd_kl_weight), read("kd_feature_divisor", c.kd_feature_divisor);
  read("kd_temperature", c.kd_temperature), read("checkpoint_every", c.checkpoint_every);
  read("train_images", c.train_images), read("loader_threads", c.loader_threads), read("log_every", c.log_every);
  read("seed", c.seed), read("augment", c.augment), read("stop_after_steps", c.stop_after_steps);
  read("warmup_start_factor", c.warmup_start_factor), read("cooldown_epochs", c.cooldown_epochs);
  read("ema_decay", c.ema_decay), read("dropout", c.dropout), read("bn_stats", c.bn_stats);
  read("kd_features", c.kd_features), read("reorder_fraction", c.reorder_fraction), read("device", c.device);
  read("bn_sync", c.bn_sync), read("threads", c.threads);
  r.finish();
  try {
    c.validate();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(source + ": " + e.what());
  }
  return c;
}

RunConfig load_run_config(const std::string& path) {
  return parse_run_config(util::read_text_file(path, "the run config"), path);
}

std::string run_config_to_json(const RunConfig& c) {
  json j = {{"epochs", c.epochs}, {"batch_size", c.batch_size}, {"lr", c.lr}, {"momentum", c.momentum},
            {"weight_decay", c.weight_decay}, {"label_smoothing", c.label_smoothing}, {"nesterov", c.nesterov},
            {"schedule", c.schedule}, {"warmup_epochs", c.warmup_epochs}, {"step_gamma", c.step_gamma},
            {"step_epochs", c.step_epochs}, {"final_lr", c.final_lr}, {"sampling", c.sampling},
            {"kd_kl_weight", c.kd_kl_weight}, {"kd_feature_divisor", c.kd_feature_divisor},
            {"kd_temperature", c.kd_temperature}, {"checkpoint_every", c.checkpoint_every},
            {"train_images", c.train_images}, {"loader_threads", c.loader_threads}, {"log_every", c.log_every},
            {"seed", c.seed}, {"augment", c.augment}, {"stop_after_steps", c.stop_after_steps},
            {"warmup_start_factor", c.warmup_start_factor}, {"cooldown_epochs", c.cooldown_epochs},
            {"ema_decay", c.ema_decay}, {"dropout", c.dropout}, {"bn_stats", c.bn_stats},
            {"kd_features", c.kd_features}, {"reorder_fraction", c.reorder_fraction}, {"device", c.device},
            {"bn_sync", c.bn_sync}, {"threads", c.threads}};
  return j.dump(2);
}

}  // namespace iqnas
