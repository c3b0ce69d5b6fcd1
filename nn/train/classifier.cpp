#include "nn/train/classifier.h"

#include "nn/ops/loss.h"

namespace iqnas {

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
  const auto smoothing = static_cast<float>(cfg.label_smoothing);
  const TrainSummary t = run_training(model, [&](const Var& x, const std::vector<int32_t>& labels, const BatchShard&, Rng&) {
    Var logits = model.forward(x);
    return StepOutput{cross_entropy(logits, labels, smoothing), logits.value()};
  }, train, train_aug, cfg, {"train", "", cfg.log_csv});
  TrainResult res;
  res.steps = t.steps;
  res.images_per_second = t.images_per_second;
  res.train_loss = t.last_loss, res.train_accuracy = t.last_accuracy;
  if (test) res.test = evaluate(model, test, test_aug, 256, cfg.loader_threads, cfg.device);
  return res;
}

}  // namespace iqnas
