#include "supernet/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "nn/checkpoint.h"
#include "nn/data/loader.h"
#include "nn/ops.h"
#include "nn/optim.h"
#include "nn/schedule.h"
#include "nn/train/classifier.h"

namespace iqnas {

static LrSchedule make_schedule(const RunConfig& c, int64_t per_epoch, int64_t total) {
  const auto warmup = static_cast<int64_t>(std::llround(c.warmup_epochs * per_epoch));
  if (c.schedule == "step") return LrSchedule::step(c.lr, c.step_gamma, epochs_to_steps(c.step_epochs, per_epoch), warmup, 0.1);
  if (c.schedule == "constant") return LrSchedule::constant(c.lr, warmup, 0.1);
  return LrSchedule::cosine(c.lr, total, c.final_lr, warmup, 0.1);
}

// A generator for step t of a run: independent of everything that happened before.
static Rng step_rng(uint64_t seed, int64_t step) {
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(step),
                    static_cast<uint32_t>(static_cast<uint64_t>(step) >> 32), 0x1f2e3d4cu};
  return Rng(seq);
}

TrainSummary run_training(Module& model, const StepFn& step_fn, std::shared_ptr<const data::Dataset> train,
                          const data::AugmentConfig& augment, const RunConfig& cfg, const RunFiles& files) {
  cfg.validate();
  std::shared_ptr<const data::Dataset> data = train;
  if (cfg.train_images > 0 && cfg.train_images < train->size()) {
    std::vector<int64_t> idx(static_cast<size_t>(cfg.train_images));
    for (int64_t i = 0; i < cfg.train_images; ++i) idx[i] = i;
    data = std::make_shared<data::SubsetDataset>(train, idx, train->name() + "-first-" + std::to_string(cfg.train_images));
  }
  data::LoaderOptions lo;
  lo.batch_size = cfg.batch_size, lo.threads = cfg.loader_threads, lo.shuffle = true, lo.drop_last = true;
  lo.seed = cfg.seed, lo.augment = augment;
  data::Loader loader(data, lo);
  const int64_t per_epoch = loader.batches_per_epoch(), total = per_epoch * cfg.epochs;
  if (per_epoch < 1) throw std::invalid_argument(files.name + ": fewer training images than one batch");

  SgdOptions so;
  so.lr = static_cast<float>(cfg.lr), so.momentum = static_cast<float>(cfg.momentum), so.nesterov = cfg.nesterov;
  so.weight_decay = static_cast<float>(cfg.weight_decay), so.no_decay_1d = true;
  SGD opt(model.named_parameters(), so);
  const LrSchedule sched = make_schedule(cfg, per_epoch, total);

  TrainSummary sum;
  sum.total_steps = total;
  int64_t start = 0;
  if (!files.checkpoint.empty() && std::filesystem::exists(files.checkpoint)) {
    const Metadata meta = load_checkpoint(files.checkpoint, model, &opt);
    if (meta.count("run.stage") && meta.at("run.stage") != files.name)
      throw std::invalid_argument(files.checkpoint + ": holds a '" + meta.at("run.stage") + "' run, not '" + files.name + "'");
    start = meta.count("run.step") ? std::stoll(meta.at("run.step")) : 0;
    sum.resumed_from = start;
    std::fprintf(stderr, "%s: resuming from %s at step %lld of %lld\n", files.name.c_str(), files.checkpoint.c_str(),
                 (long long)start, (long long)total);
  }
  auto save = [&](int64_t steps_done) {
    if (files.checkpoint.empty()) return;
    save_checkpoint(files.checkpoint, model,
                    {{"run.stage", files.name}, {"run.step", std::to_string(steps_done)},
                     {"run.total_steps", std::to_string(total)}, {"run.config", run_config_to_json(cfg)}},
                    &opt);
  };

  std::ofstream csv;
  if (!files.log_csv.empty()) {
    const bool fresh = !std::filesystem::exists(files.log_csv) || start == 0;
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
  for (; step < total; ++step) {
    if (cfg.stop_after_steps > 0 && step - start >= cfg.stop_after_steps) break;
    const data::Batch b = loader.next();
    const std::vector<int32_t> labels = batch_labels(b);
    opt.set_lr(static_cast<float>(sched.lr_at(step)));
    Rng rng = step_rng(cfg.seed, step);
    StepOutput out = step_fn(Var(batch_images(b, Device::CPU)), labels, rng);
    const float lv = out.loss.value().item();
    if (!std::isfinite(lv))
      throw std::runtime_error(files.name + ": the loss became " + std::to_string(lv) + " at step " + std::to_string(step) +
                               "; lower the learning rate (lr in the run config)");
    opt.zero_grad();
    out.loss.backward();
    opt.step();

    int_loss += lv * b.n, int_correct += count_correct(out.logits, labels), int_images += b.n, images += b.n;
    const bool epoch_end = (step + 1) % per_epoch == 0;
    if ((step + 1) % cfg.log_every == 0 || epoch_end) {
      const auto now = clock::now();
      const double dt = std::chrono::duration<double>(now - t_int).count();
      const double elapsed = std::chrono::duration<double>(now - t0).count();
      const double ips = int_images / std::max(dt, 1e-9);
      const double eta = elapsed / double(step + 1 - start) * double(total - step - 1);
      sum.last_loss = int_loss / int_images, sum.last_accuracy = double(int_correct) / int_images;
      std::fprintf(stderr, "%s: epoch %lld/%d step %lld/%lld  lr %.4g  loss %.4f  acc %.2f%%  %.0f img/s  ETA %.0fs\n",
                   files.name.c_str(), (long long)(step / per_epoch + 1), cfg.epochs, (long long)(step % per_epoch + 1),
                   (long long)per_epoch, opt.lr(), sum.last_loss, 100 * sum.last_accuracy, ips, eta);
      if (csv)
        csv << files.name << ',' << step / per_epoch << ',' << step + 1 << ',' << opt.lr() << ',' << sum.last_loss << ','
            << sum.last_accuracy << ',' << ips << std::endl;
      int_loss = 0, int_correct = 0, int_images = 0, t_int = now;
    }
    if ((step + 1) % cfg.checkpoint_every == 0 || epoch_end) save(step + 1);
  }
  sum.steps = step;
  sum.finished = step == total;
  sum.images_per_second = images / std::max(std::chrono::duration<double>(clock::now() - t0).count(), 1e-9);
  return sum;
}

Var distillation_loss(const Var& logits, const std::vector<Var>& features, const Tensor& teacher_logits,
                      const std::vector<Tensor>& teacher_features, const std::vector<int32_t>& labels,
                      const RunConfig& cfg) {
  if (features.size() != teacher_features.size())
    throw std::invalid_argument("distillation_loss: " + std::to_string(features.size()) + " student features for " +
                                std::to_string(teacher_features.size()) + " teacher features");
  Var loss = cross_entropy(logits, labels, static_cast<float>(cfg.label_smoothing));
  for (size_t s = 0; s < features.size(); ++s)
    loss = add(loss, scale(mse(features[s], Var(teacher_features[s])), static_cast<float>(1.0 / cfg.kd_feature_divisor)));
  if (cfg.kd_kl_weight > 0)
    loss = add(loss, scale(kl_div(logits, Var(teacher_logits), static_cast<float>(cfg.kd_temperature)),
                           static_cast<float>(cfg.kd_kl_weight)));
  return loss;
}

// The frozen teacher's logits and stage features for a batch.
static Tensor teach(SubNetwork& teacher, const Var& images, std::vector<Tensor>& features) {
  NoGradGuard ng;
  teacher.eval();
  std::vector<Var> f;
  Tensor logits = teacher.forward(images, &f).value();
  features.clear();
  for (const Var& v : f) features.push_back(v.value());
  return logits;
}

TrainSummary train_heaviest(Supernet& net, std::shared_ptr<const data::Dataset> train, const data::AugmentConfig& augment,
                            const RunConfig& cfg, const RunFiles& files) {
  net.set_arch(heaviest_arch(net.space()));
  return run_training(net, [&](const Var& x, const std::vector<int32_t>& labels, Rng& rng) {
    net.fixed().dropout_rng.seed(rng());
    Var logits = net.forward(x);
    return StepOutput{cross_entropy(logits, labels, static_cast<float>(cfg.label_smoothing)), logits.value()};
  }, train, augment, cfg, files);
}

TrainSummary train_supernet(Supernet& net, SubNetwork& teacher, std::shared_ptr<const data::Dataset> train,
                            const data::AugmentConfig& augment, const RunConfig& cfg, const RunFiles& files) {
  return run_training(net, [&](const Var& x, const std::vector<int32_t>& labels, Rng& rng) {
    net.fixed().dropout_rng.seed(rng());
    const PathSample path = cfg.sampling == "multipath" ? sample_multipath(net.space(), x.dim(0), rng)
                                                        : sample_single_path(net.space(), x.dim(0), rng);
    std::vector<Tensor> tf;
    const Tensor tl = teach(teacher, x, tf);
    std::vector<Var> sf;
    Var logits = net.forward(x, path, &sf);
    return StepOutput{distillation_loss(logits, sf, tl, tf, labels, cfg), logits.value()};
  }, train, augment, cfg, files);
}

TrainSummary finetune_subnetwork(SubNetwork& net, SubNetwork* teacher, std::shared_ptr<const data::Dataset> train,
                                 const data::AugmentConfig& augment, const RunConfig& cfg, const RunFiles& files) {
  return run_training(net, [&](const Var& x, const std::vector<int32_t>& labels, Rng& rng) {
    net.fixed().dropout_rng.seed(rng());
    std::vector<Var> sf;
    Var logits = net.forward(x, &sf);
    if (!teacher) return StepOutput{cross_entropy(logits, labels, static_cast<float>(cfg.label_smoothing)), logits.value()};
    std::vector<Tensor> tf;
    const Tensor tl = teach(*teacher, x, tf);
    return StepOutput{distillation_loss(logits, sf, tl, tf, labels, cfg), logits.value()};
  }, train, augment, cfg, files);
}

void init_supernet_from_heaviest(Supernet& net) {
  NoGradGuard ng;
  const SearchSpace& s = net.space();
  const int kmax = s.kernels.back();
  for (size_t st = 0; st < s.stages.size(); ++st)
    for (int b = 0; b < s.stages[st].max_depth(); ++b) {
      std::map<std::string, Var> p;
      for (auto& [n, v] : net.block(int(st), b).named_parameters()) p[n] = v;
      std::map<std::string, Tensor*> buf;
      for (auto& [n, t] : net.block(int(st), b).named_buffers()) buf[n] = t;
      const std::string big = "dw_k" + std::to_string(kmax);
      for (int k : s.kernels) {
        if (k == kmax) continue;
        const std::string small = "dw_k" + std::to_string(k);
        const int off = (kmax - k) / 2;
        Tensor centre = p.at(big + ".weight").value().slice(0, off, k).slice(1, off, k);
        p.at(small + ".weight").value().copy_(centre);
        for (const char* part : {"_bn.weight", "_bn.bias"}) p.at(small + part).value().copy_(p.at(big + part).value());
        for (const char* part : {"_bn.running_mean", "_bn.running_var"}) buf.at(small + part)->copy_(*buf.at(big + part));
      }
      const std::string top = "project_bn_e" + std::to_string(s.expansions.back()) + "_se1";
      for (int e : s.expansions)
        for (bool se : s.se) {
          const std::string pair = "project_bn_e" + std::to_string(e) + "_se" + std::to_string(int(se));
          if (pair == top) continue;
          for (const char* part : {".weight", ".bias"}) p.at(pair + part).value().copy_(p.at(top + part).value());
          for (const char* part : {".running_mean", ".running_var"}) buf.at(pair + part)->copy_(*buf.at(top + part));
        }
    }
}

}  // namespace iqnas
