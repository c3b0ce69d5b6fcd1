#include "nn/train/classifier.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "nn/ops/loss.h"
#include "nn/optim.h"
#include "nn/schedule.h"

namespace iqnas {

Tensor batch_images(const data::Batch& b, Device device) {
  Tensor t = Tensor::empty({b.n, b.h, b.w, b.c});
  std::copy(b.images, b.images + b.image_floats(), t.data());
  return t.to(device);
}

std::vector<int32_t> batch_labels(const data::Batch& b) { return std::vector<int32_t>(b.labels, b.labels + b.n); }

EvalResult evaluate(Classifier& model, std::shared_ptr<const data::Dataset> data, const data::AugmentConfig& augment,
                    int64_t batch_size, int threads, Device device) {
  data::LoaderOptions lo;
  lo.batch_size = batch_size, lo.threads = threads, lo.shuffle = false, lo.augment = augment;
  data::Loader loader(data, lo);
  const bool was_training = model.training();
  model.eval();
  NoGradGuard no_grad;
  EvalResult r;
  double loss_sum = 0;
  int64_t correct = 0;
  for (int64_t s = 0; s < loader.batches_per_epoch(); ++s) {
    const data::Batch b = loader.next();
    const std::vector<int32_t> labels = batch_labels(b);
    Var logits = model.forward(Var(batch_images(b, device)));
    loss_sum += cross_entropy(logits, labels).value().item() * b.n;
    correct += count_correct(logits.value(), labels);
    r.images += b.n;
  }
  model.train(was_training);
  if (r.images) r.loss = loss_sum / r.images, r.accuracy = double(correct) / r.images;
  return r;
}

TrainResult train_classifier(Classifier& model, std::shared_ptr<const data::Dataset> train,
                             std::shared_ptr<const data::Dataset> test, const data::AugmentConfig& train_aug,
                             const data::AugmentConfig& test_aug, const TrainConfig& cfg) {
  if (cfg.epochs < 1) throw std::invalid_argument("train: epochs must be at least 1");
  data::LoaderOptions lo;
  lo.batch_size = cfg.batch_size, lo.threads = cfg.loader_threads, lo.shuffle = true, lo.drop_last = true;
  lo.seed = cfg.seed, lo.augment = train_aug;
  data::Loader loader(train, lo);
  const int64_t per_epoch = loader.batches_per_epoch(), total = per_epoch * cfg.epochs;
  if (per_epoch < 1) throw std::invalid_argument("train: fewer training images than one batch");

  SgdOptions so;
  so.lr = cfg.lr, so.momentum = cfg.momentum, so.nesterov = cfg.nesterov, so.weight_decay = cfg.weight_decay;
  so.no_decay_1d = true;
  SGD opt(model.named_parameters(), so);
  const auto warmup = static_cast<int64_t>(std::llround(cfg.warmup_epochs * per_epoch));
  const LrSchedule sched = LrSchedule::cosine(cfg.lr, total, 0.0, warmup, 0.1);

  std::ofstream csv;
  if (!cfg.log_csv.empty()) {
    csv.open(cfg.log_csv);
    if (!csv) throw std::runtime_error("train: cannot write the log " + cfg.log_csv);
    csv << "epoch,step,lr,loss,accuracy,images_per_s\n";
  }

  model.train();
  TrainResult res;
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  auto t_int = t0;
  double int_loss = 0, ep_loss = 0;
  int64_t int_correct = 0, int_images = 0, ep_correct = 0, ep_images = 0, all_images = 0;
  for (int64_t step = 0; step < total; ++step) {
    const data::Batch b = loader.next();
    if (b.step == 0) ep_loss = 0, ep_correct = 0, ep_images = 0;
    const std::vector<int32_t> labels = batch_labels(b);
    opt.set_lr(static_cast<float>(sched.lr_at(step)));
    Var logits = model.forward(Var(batch_images(b, cfg.device)));
    Var loss = cross_entropy(logits, labels, cfg.label_smoothing);
    const float lv = loss.value().item();
    if (!std::isfinite(lv))
      throw std::runtime_error("train: the loss became " + std::to_string(lv) + " at step " + std::to_string(step) +
                               "; lower the learning rate (--lr)");
    opt.zero_grad();
    loss.backward();
    opt.step();

    const int64_t c = count_correct(logits.value(), labels);
    int_loss += lv * b.n, ep_loss += lv * b.n;
    int_correct += c, ep_correct += c;
    int_images += b.n, ep_images += b.n, all_images += b.n;
    if ((step + 1) % cfg.log_every == 0 || step + 1 == total) {
      const auto now = clock::now();
      const double dt = std::chrono::duration<double>(now - t_int).count();
      const double elapsed = std::chrono::duration<double>(now - t0).count();
      const double ips = int_images / std::max(dt, 1e-9);
      const double eta = elapsed / (step + 1) * (total - step - 1);
      if (cfg.progress)
        std::fprintf(stderr, "epoch %lld/%d step %lld/%lld  lr %.4g  loss %.4f  acc %.2f%%  %.0f img/s  ETA %.0fs\n",
                     (long long)b.epoch + 1, cfg.epochs, (long long)b.step + 1, (long long)per_epoch, opt.lr(),
                     int_loss / int_images, 100.0 * int_correct / int_images, ips, eta);
      if (csv)
        csv << b.epoch << ',' << step + 1 << ',' << opt.lr() << ',' << int_loss / int_images << ','
            << double(int_correct) / int_images << ',' << ips << '\n';
      int_loss = 0, int_correct = 0, int_images = 0, t_int = now;
    }
  }
  res.steps = total;
  res.images_per_second = all_images / std::max(std::chrono::duration<double>(clock::now() - t0).count(), 1e-9);
  res.train_loss = ep_loss / std::max<int64_t>(ep_images, 1);
  res.train_accuracy = double(ep_correct) / std::max<int64_t>(ep_images, 1);
  if (test) res.test = evaluate(model, test, test_aug, 256, cfg.loader_threads, cfg.device);
  return res;
}

}  // namespace iqnas
