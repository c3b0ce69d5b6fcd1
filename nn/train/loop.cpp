#include "nn/train/loop.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <omp.h>

#include "dist/thread_group.h"
#include "nn/ops/loss.h"
#include "nn/optim.h"
#include "nn/schedule.h"
#include "nn/train/data_parallel.h"
#include "util/atomic_file.h"
#include "util/number.h"
#include "util/progress.h"

namespace iqnas {

Device parse_device(const std::string& name) {
  if (name == "cpu") return Device::CPU;
  if (name != "cuda") throw std::invalid_argument("device must be cpu or cuda (got '" + name + "')");
  if (!cuda::compiled()) throw std::runtime_error("device cuda: this build has no CUDA backend (configure with the default preset and nvcc)");
  if (!cuda::available()) throw std::runtime_error("device cuda: no CUDA device found on this machine");
  return Device::CUDA;
}

namespace {

// The keys whose values differ between two JSON objects, as " key a -> b"; empty when either text
// is not a JSON object.
std::string json_differences(const std::string& was, const std::string& now) {
  const auto a = nlohmann::json::parse(was, nullptr, false), b = nlohmann::json::parse(now, nullptr, false);
  if (!a.is_object() || !b.is_object()) return "";
  std::string out;
  for (auto it = b.begin(); it != b.end(); ++it)
    if (!a.contains(it.key()) || a[it.key()] != it.value())
      out += ", " + it.key() + " " + (a.contains(it.key()) ? a[it.key()].dump() : "(absent)") + " -> " + it.value().dump();
  return out.empty() ? out : out.substr(2);
}

// The step to resume at, from the checkpoint's metadata; refuses a checkpoint of another run.
int64_t resume_step(const std::string& path, const Metadata& meta, const LoopConfig& cfg, int64_t total) {
  for (const auto& [key, value] : cfg.must_match) {
    auto it = meta.find(key);
    if (it == meta.end() || it->second == value) continue;
    const std::string diff = json_differences(it->second, value);
    throw std::invalid_argument(path + ": was written by a run with other settings (" +
                                (diff.empty() ? "metadata '" + key + "'" : diff) +
                                "); resume with the same settings, or train in a new run folder");
  }
  if (auto it = meta.find("run.total_steps"); it != meta.end()) {
    const int64_t was = parse_int(it->second, path + ": metadata 'run.total_steps'", 1);
    if (was != total)
      throw std::invalid_argument(path + ": holds a run of " + std::to_string(was) + " steps, but these settings make " +
                                  std::to_string(total) + " (epochs, batch size or training images changed?); resume "
                                  "with the same settings, or train in a new run folder");
  }
  auto it = meta.find("run.step");
  return it == meta.end() ? 0 : parse_int(it->second, path + ": metadata 'run.step'", 0, total);
}

LrSchedule make_schedule(const LoopConfig& c, int64_t per_epoch, int64_t total) {
  const auto warmup = static_cast<int64_t>(std::llround(c.warmup_epochs * per_epoch));
  const double f = c.warmup_start_factor;
  if (c.schedule == "step") return LrSchedule::step(c.lr, c.step_gamma, epochs_to_steps(c.step_epochs, per_epoch), warmup, f);
  if (c.schedule == "constant") return LrSchedule::constant(c.lr, warmup, f);
  const auto cooldown = static_cast<int64_t>(std::llround(c.cooldown_epochs * per_epoch));
  return LrSchedule::cosine(c.lr, std::max(total - cooldown, warmup + 1), c.final_lr, warmup, f);
}

// A generator for step t of a run: independent of everything that happened before.
Rng step_rng(uint64_t seed, int64_t step) {
  return Rng(util::mix_seed(seed, static_cast<uint64_t>(step), 0x1f2e3d4cu));
}

// The training log of a resumed run keeps its header and the rows of the steps up to the checkpoint
// (`step` is the third column); the interrupted run's rows after it are logged again by this one.
void trim_log(const std::string& path, int64_t steps_done) {
  std::ifstream in(path);
  std::string line, kept;
  for (bool header = true; std::getline(in, line); header = false) {
    if (!header) {
      const size_t a = line.find(','), b = a == std::string::npos ? a : line.find(',', a + 1);
      const size_t c = b == std::string::npos ? b : line.find(',', b + 1);
      if (c == std::string::npos) continue;  // a line cut short by the interruption
      int64_t step = 0;
      const auto r = std::from_chars(line.data() + b + 1, line.data() + c, step);
      if (r.ec != std::errc() || r.ptr != line.data() + c || step > steps_done) continue;
    }
    kept += line + '\n';
  }
  write_file_atomic(path, kept);
}

}  // namespace

Tensor batch_images(const data::Batch& b, Device device) {
  const Shape shape{b.n, b.h, b.w, b.c};
  if (device == Device::CPU) {
    Tensor t = Tensor::empty(shape);
    std::copy(b.images, b.images + b.image_floats(), t.data());
    return t;
  }
  // The loader's batches are page-locked in a CUDA build: one direct transfer.
  Tensor t = Tensor::empty(shape, device);
  cuda::copy_h2d(t.data(), b.images, static_cast<size_t>(b.image_floats()) * sizeof(float));
  return t;
}

std::vector<int32_t> batch_labels(const data::Batch& b) { return std::vector<int32_t>(b.labels, b.labels + b.n); }

namespace {

// The training of one rank (a process, or a worker thread of a thread-parallel run).
TrainSummary train_rank(Module& model, const StepFn& step_fn, std::shared_ptr<const data::Dataset> train,
                        const data::AugmentConfig& augment, const LoopConfig& cfg, const RunFiles& files) {
  if (cfg.epochs < 1 || cfg.batch_size < 2 || cfg.checkpoint_every < 1 || cfg.log_every < 1 || cfg.loader_threads < 1)
    throw std::invalid_argument(files.name + ": epochs, checkpoint_every, log_every and loader_threads must be >= 1, batch_size >= 2");
  if (!(cfg.ema_decay >= 0 && cfg.ema_decay < 1)) throw std::invalid_argument(files.name + ": ema_decay must be in [0, 1)");
  dist::Communicator& comm = cfg.comm ? *cfg.comm : dist::world();
  const int ranks = comm.size();
  const bool lead = comm.rank() == 0;  // prints, logs and writes checkpoints
  if (cfg.batch_size % ranks != 0)
    throw std::invalid_argument(files.name + ": batch_size " + std::to_string(cfg.batch_size) + " is not a multiple of the " +
                                std::to_string(ranks) + " ranks (each rank computes an equal part of the global batch)");
  std::shared_ptr<const data::Dataset> data = train;
  if (cfg.train_images > 0 && cfg.train_images < train->size()) {
    std::vector<int64_t> idx(static_cast<size_t>(cfg.train_images));
    for (int64_t i = 0; i < cfg.train_images; ++i) idx[i] = i;
    data = std::make_shared<data::SubsetDataset>(train, idx, train->name() + "-first-" + std::to_string(cfg.train_images));
  }
  data::LoaderOptions lo;
  lo.batch_size = cfg.batch_size, lo.threads = cfg.loader_threads, lo.shuffle = true, lo.drop_last = true;
  lo.seed = cfg.seed, lo.augment = augment, lo.shard = comm.rank(), lo.shards = ranks;
  data::Loader loader(data, lo);
  const int64_t per_epoch = loader.batches_per_epoch(), total = per_epoch * cfg.epochs;
  if (per_epoch < 1) throw std::invalid_argument(files.name + ": fewer training images than one batch");

  model.to(cfg.device);
  SgdOptions so;
  so.lr = static_cast<float>(cfg.lr), so.momentum = static_cast<float>(cfg.momentum), so.nesterov = cfg.nesterov;
  so.weight_decay = static_cast<float>(cfg.weight_decay), so.no_decay_1d = true;
  SGD opt(model.named_parameters(), so);
  std::vector<Var> params;
  for (const auto& [name, p] : model.named_parameters()) params.push_back(p);
  const LrSchedule sched = make_schedule(cfg, per_epoch, total);
  std::optional<ModelEma> ema;
  if (cfg.ema_decay > 0) ema.emplace(model, static_cast<float>(cfg.ema_decay), /*warmup=*/true, /*average_buffers=*/true);

  TrainSummary sum;
  sum.total_steps = total;
  int64_t start = 0;
  if (!files.checkpoint.empty() && std::filesystem::exists(files.checkpoint)) {
    const Metadata meta = load_checkpoint(files.checkpoint, model, &opt, ema ? &*ema : nullptr);
    if (meta.count("run.stage") && meta.at("run.stage") != files.name)
      throw std::invalid_argument(files.checkpoint + ": holds a '" + meta.at("run.stage") + "' run, not '" + files.name + "'");
    start = resume_step(files.checkpoint, meta, cfg, total);
    sum.resumed_from = start;
    if (cfg.progress && lead)
      progress_note("%s: resuming from %s at step %lld of %lld\n", files.name.c_str(), files.checkpoint.c_str(),
                    (long long)start, (long long)total);
  }
  // Every rank resumes from the same step: a rank that read another checkpoint (a run folder that
  // is not on a file system shared by the machines) would train something else.
  int64_t lead_start = start;
  comm.broadcast(&lead_start, sizeof lead_start, 0, "resume step");
  if (lead_start != start)
    throw std::runtime_error(files.name + ": rank " + std::to_string(comm.rank()) + " resumes at step " +
                             std::to_string(start) + ", rank 0 at step " + std::to_string(lead_start) + " (" +
                             files.checkpoint + " differs between the machines: put the run folder on a shared file system)");
  auto save = [&](int64_t steps_done) {
    average_buffers(model, ema ? &*ema : nullptr, comm);
    if (files.checkpoint.empty()) return;
    if (lead) {
      Metadata meta = cfg.metadata;
      meta.insert(cfg.must_match.begin(), cfg.must_match.end());
      meta["run.stage"] = files.name, meta["run.step"] = std::to_string(steps_done);
      meta["run.total_steps"] = std::to_string(total);
      save_checkpoint(files.checkpoint, model, meta, &opt, ema ? &*ema : nullptr);
    }
    comm.barrier("checkpoint written by rank 0");  // the others may read it next (a later stage)
  };

  std::ofstream csv;
  if (!files.log_csv.empty() && lead) {
    const bool fresh = !std::filesystem::exists(files.log_csv) || start == 0;
    if (!fresh) trim_log(files.log_csv, start);
    csv.open(files.log_csv, fresh ? std::ios::trunc : std::ios::app);
    if (!csv) throw std::runtime_error(files.log_csv + ": cannot write the training log");
    if (fresh) csv << "stage,epoch,step,lr,loss,accuracy,images_per_s\n";
  }

  loader.start(start / per_epoch);
  for (int64_t i = 0; i < start % per_epoch; ++i) loader.next();  // batches of this epoch already seen
  model.train();
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  auto t_int = t0;
  double int_loss = 0;
  int64_t int_correct = 0, int_images = 0, images = 0;
  int64_t step = start;
  std::optional<Progress> progress;
  if (cfg.progress && lead) progress.emplace(files.name, static_cast<size_t>(total), static_cast<size_t>(start));
  GradientReducer reducer(params, comm);
  std::optional<RankBatchNormSync> bn_sync;
  if (cfg.bn_sync && ranks > 1) bn_sync.emplace(comm);
  const BatchNormSyncScope bn_scope(bn_sync ? &*bn_sync : nullptr);
  for (; step < total; ++step) {
    if (cfg.stop_after_steps > 0 && step - start >= cfg.stop_after_steps) break;
    const data::Batch b = loader.next();
    const std::vector<int32_t> labels = batch_labels(b);
    opt.set_lr(static_cast<float>(sched.lr_at(step)));
    Rng rng = step_rng(cfg.seed, step);
    const BatchShard shard{b.n * comm.rank(), b.n * ranks, comm.rank()};
    StepOutput out = step_fn(Var(batch_images(b, cfg.device)), labels, shard, rng);
    opt.zero_grad();
    reducer.begin({out.loss.value().item() * double(b.n), double(count_correct(out.logits, labels)), double(b.n)});
    const auto t_backward = clock::now();
    out.loss.backward();  // starts the gradient all-reduces as the gradients complete
    const auto t_sync = clock::now();
    const StepStats st = reducer.finish();
    sum.backward_seconds += std::chrono::duration<double>(t_sync - t_backward).count();
    sum.sync_seconds += std::chrono::duration<double>(clock::now() - t_sync).count();
    const double lv = st.loss_sum / st.images;  // over the global batch: the same on every rank
    if (!std::isfinite(lv))
      throw std::runtime_error(files.name + ": the loss became " + std::to_string(lv) + " at step " + std::to_string(step) +
                               "; lower the learning rate (lr in the run config)");
    opt.step();
    if (ema) ema->update(model);

    int_loss += st.loss_sum, int_correct += static_cast<int64_t>(st.correct), int_images += static_cast<int64_t>(st.images);
    images += static_cast<int64_t>(st.images);
    const bool epoch_end = (step + 1) % per_epoch == 0;
    if ((step + 1) % cfg.log_every == 0 || epoch_end) {
      const auto now = clock::now();
      const double dt = std::chrono::duration<double>(now - t_int).count();
      const double ips = int_images / std::max(dt, 1e-9);
      sum.last_loss = int_loss / int_images, sum.last_accuracy = double(int_correct) / int_images;
      if (progress) {
        char what[160];
        std::snprintf(what, sizeof what, "epoch %lld/%d, lr %.4g, loss %.4f, acc %.2f%%, %.0f img/s",
                      (long long)(step / per_epoch + 1), cfg.epochs, opt.lr(), sum.last_loss, 100 * sum.last_accuracy, ips);
        progress->update(static_cast<size_t>(step + 1), what);
      }
      if (csv)
        csv << files.name << ',' << step / per_epoch << ',' << step + 1 << ',' << opt.lr() << ',' << sum.last_loss << ','
            << sum.last_accuracy << ',' << ips << std::endl;
      int_loss = 0, int_correct = 0, int_images = 0, t_int = now;
    }
    if ((step + 1) % cfg.checkpoint_every == 0 || epoch_end) save(step + 1);
  }
  if (progress) progress->finish();
  sum.steps = step;
  sum.finished = step == total;
  const double seconds = std::chrono::duration<double>(clock::now() - t0).count();
  sum.images_per_second = images / std::max(seconds, 1e-9);
  if (ranks > 1 && lead && cfg.progress)
    progress_note("%s: %d ranks (processes or worker threads), %.0f images/s; rank 0: %.1f s, of which %.1f s in backward passes (with the gradient "
                  "all-reduces they start) and %.1f s waiting for the all-reduces to finish (transfer and the slowest rank)\n",
                  files.name.c_str(), ranks, sum.images_per_second, seconds, sum.backward_seconds, sum.sync_seconds);
  return sum;
}

// Worker threads for the run (LoopConfig::threads).
int worker_threads(const LoopConfig& cfg, bool have_replicas, int ranks, const std::string& name) {
  const bool possible = have_replicas && cfg.device == Device::CPU && ranks == 1;
  if (cfg.threads == 0) {
    const int t = omp_get_max_threads();
    return possible && t > 1 && cfg.batch_size % t == 0 && cfg.batch_size / t >= 2 ? t : 1;
  }
  if (cfg.threads < 1 || cfg.threads > 1024) throw std::invalid_argument(name + ": threads must be in [0, 1024]");
  if (cfg.threads > 1 && !possible)
    throw std::invalid_argument(name + ": threads " + std::to_string(cfg.threads) + " needs a CPU run in one process (not under "
                                "mpirun)" + (have_replicas ? "" : " of a training that has a thread-parallel mode"));
  return cfg.threads;
}

}  // namespace

TrainSummary run_training(Module& model, const StepFn& step_fn, std::shared_ptr<const data::Dataset> train,
                          const data::AugmentConfig& augment, const LoopConfig& cfg, const RunFiles& files,
                          const ReplicaFn& replica) {
  dist::Communicator& comm = cfg.comm ? *cfg.comm : dist::world();
  const int threads = worker_threads(cfg, static_cast<bool>(replica), comm.size(), files.name);
  if (threads == 1) return train_rank(model, step_fn, train, augment, cfg, files);
  if (cfg.batch_size % threads != 0)
    throw std::invalid_argument(files.name + ": batch_size " + std::to_string(cfg.batch_size) + " is not a multiple of the " +
                                std::to_string(threads) + " threads (each computes an equal part of the batch)");
  model.to(cfg.device);
  std::vector<Replica> reps(static_cast<size_t>(threads));
  for (int r = 1; r < threads; ++r) {
    reps[size_t(r)] = replica();
    copy_values(model, *reps[size_t(r)].model);  // the same start (a checkpoint, when resumed, is loaded by every thread)
  }
  dist::ThreadGroup group(threads);
  std::vector<TrainSummary> sums(static_cast<size_t>(threads));
  const int omp_inside = std::max(1, omp_get_max_threads() / threads);
  group.run([&](dist::Communicator& c) {
    const int r = c.rank();
    const int omp_before = omp_get_max_threads();
    omp_set_num_threads(omp_inside);
    LoopConfig rc = cfg;
    rc.comm = &c, rc.bn_sync = cfg.bn_sync || cfg.same_layers;
    try {
      sums[size_t(r)] = train_rank(r == 0 ? model : *reps[size_t(r)].model, r == 0 ? step_fn : reps[size_t(r)].step, train,
                                   augment, rc, files);
    } catch (...) {
      omp_set_num_threads(omp_before);
      throw;
    }
    omp_set_num_threads(omp_before);
  });
  return sums[0];
}

}  // namespace iqnas
