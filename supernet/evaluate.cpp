#include "supernet/evaluate.h"

#include "nn/data/loader.h"
#include "nn/train/loop.h"

namespace iqnas {

void recalibrate_bn(Layer& net, int batches, const std::function<void(int k)>& forward) {
  const std::vector<BatchNorm*> bns = net.modules_of_type<BatchNorm>();
  std::vector<float> momenta;
  for (BatchNorm* bn : bns) momenta.push_back(bn->momentum);
  const bool was_training = net.training();
  net.train();
  NoGradGuard ng;
  // With momentum 1/(k+1) at the k-th batch, the running value is the mean over the batches.
  for (int k = 0; k < batches; ++k) {
    for (BatchNorm* bn : bns) bn->momentum = 1.f / static_cast<float>(k + 1);
    forward(k);
  }
  for (size_t i = 0; i < bns.size(); ++i) bns[i]->momentum = momenta[i];
  net.train(was_training);
}

void recalibrate_bn(Layer& net, std::shared_ptr<const data::Dataset> train, const data::AugmentConfig& augment,
                    int batches, int64_t batch_size, uint64_t seed) {
  data::LoaderOptions lo;
  lo.batch_size = batch_size, lo.shuffle = true, lo.drop_last = true, lo.seed = seed, lo.augment = augment;
  data::Loader loader(train, lo);
  const Device device = net.parameters().front().device();
  recalibrate_bn(net, batches, [&](int) { net.forward(Var(batch_images(loader.next(), device))); });
}

ArchEvaluation evaluate_arch(Supernet& net, const Architecture& arch, std::shared_ptr<const data::Dataset> train,
                             std::shared_ptr<const data::Dataset> eval, const data::AugmentConfig& train_aug,
                             const data::AugmentConfig& eval_aug, int recal_batches, int threads) {
  auto sub = extract_subnetwork(net, arch);
  if (recal_batches > 0) recalibrate_bn(*sub, train, train_aug, recal_batches, 64, 0);
  ArchEvaluation r;
  r.result = evaluate(*sub, eval, eval_aug, 256, threads, sub->parameters().front().device());
  r.parameters = sub->num_parameters();
  return r;
}

}  // namespace iqnas
