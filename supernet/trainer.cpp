#include "supernet/trainer.h"

#include <stdexcept>

#include "nn/ops.h"

namespace iqnas {

Var distillation_loss(const Var& logits, const std::vector<Var>& features, const Tensor& teacher_logits,
                      const std::vector<Tensor>& teacher_features, const std::vector<int32_t>& labels,
                      const RunConfig& cfg) {
  if (features.size() != teacher_features.size())
    throw std::invalid_argument("distillation_loss: " + std::to_string(features.size()) + " student features for " +
                                std::to_string(teacher_features.size()) + " teacher features");
  Var loss = cross_entropy(logits, labels, static_cast<float>(cfg.label_smoothing));
  for (size_t s = 0; cfg.kd_features && s < features.size(); ++s)
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

static void set_dropout(FixedParts& f, const RunConfig& cfg) {
  if (cfg.dropout >= 0) f.dropout = static_cast<float>(cfg.dropout);
}

// The step's dropout generator: its masks cover the rank's shard only, so each rank draws from its own
// stream.
static void seed_dropout(FixedParts& f, Rng& rng, const BatchShard& shard) {
  f.dropout_rng = Rng(util::mix_seed(rng.next(), static_cast<uint64_t>(shard.rank)));
}

// A worker thread's copy of `net` (thread-parallel runs: nn/train/loop.h): the same architecture,
// dropout and batch-norm layout; the loop gives it net's values.
static std::shared_ptr<Supernet> supernet_replica(Supernet& net, const RunConfig& cfg, bool private_bn) {
  Rng rng(0);
  auto r = std::make_shared<Supernet>(net.space(), rng);
  r->set_arch(net.arch());
  set_dropout(r->fixed(), cfg);
  if (private_bn) r->set_bn_stats(parse_bn_stats(cfg.bn_stats));
  return r;
}
static std::shared_ptr<SubNetwork> subnetwork_replica(SubNetwork& net, const RunConfig& cfg) {
  Rng rng(0);
  auto r = std::make_shared<SubNetwork>(net.space(), net.arch(), rng);
  set_dropout(r->fixed(), cfg);
  return r;
}

// The step of each stage, on the given network (and teacher): the process's, or a worker thread's copy.
static StepFn heaviest_step(Supernet& net, const RunConfig& cfg) {
  return [&net, &cfg](const Var& x, const std::vector<int32_t>& labels, const BatchShard& shard, Rng& rng) {
    seed_dropout(net.fixed(), rng, shard);
    Var logits = net.forward(x);
    return StepOutput{cross_entropy(logits, labels, static_cast<float>(cfg.label_smoothing)), logits.value()};
  };
}
static StepFn supernet_step(Supernet& net, SubNetwork& teacher, const RunConfig& cfg) {
  return [&net, &teacher, &cfg](const Var& x, const std::vector<int32_t>& labels, const BatchShard& shard, Rng& rng) {
    seed_dropout(net.fixed(), rng, shard);
    // Drawn for the global batch, so that the ranks' shards together run what one process runs.
    const PathSample path = cfg.sampling == "multipath" ? sample_multipath(net.space(), shard.global, rng).rows(shard.offset, x.dim(0))
                                                        : sample_single_path(net.space(), x.dim(0), rng);
    std::vector<Tensor> tf;
    const Tensor tl = teach(teacher, x, tf);
    std::vector<Var> sf;
    Var logits = net.forward(x, path, &sf);
    return StepOutput{distillation_loss(logits, sf, tl, tf, labels, cfg), logits.value()};
  };
}
static StepFn finetune_step(SubNetwork& net, SubNetwork* teacher, const RunConfig& cfg) {
  return [&net, teacher, &cfg](const Var& x, const std::vector<int32_t>& labels, const BatchShard& shard, Rng& rng) {
    seed_dropout(net.fixed(), rng, shard);
    std::vector<Var> sf;
    Var logits = net.forward(x, &sf);
    if (!teacher) return StepOutput{cross_entropy(logits, labels, static_cast<float>(cfg.label_smoothing)), logits.value()};
    std::vector<Tensor> tf;
    const Tensor tl = teach(*teacher, x, tf);
    return StepOutput{distillation_loss(logits, sf, tl, tf, labels, cfg), logits.value()};
  };
}

// A teacher of each worker thread: its own copy (eval-mode forwards of one network from several
// threads would share its mode flags).
static std::shared_ptr<SubNetwork> teacher_replica(SubNetwork& teacher, const RunConfig& cfg) {
  auto t = subnetwork_replica(teacher, cfg);
  copy_values(teacher, *t);
  return t;
}

TrainSummary train_heaviest(Supernet& net, std::shared_ptr<const data::Dataset> train, const data::AugmentConfig& augment,
                            const RunConfig& cfg, const RunFiles& files) {
  net.set_arch(heaviest_arch(net.space()));
  set_dropout(net.fixed(), cfg);
  return run_training(net, heaviest_step(net, cfg), train, augment, cfg.loop_config(), files, [&] {
    auto r = supernet_replica(net, cfg, false);
    return Replica{r, heaviest_step(*r, cfg), nullptr};
  });
}

TrainSummary train_supernet(Supernet& net, SubNetwork& teacher, std::shared_ptr<const data::Dataset> train,
                            const data::AugmentConfig& augment, const RunConfig& cfg, const RunFiles& files) {
  LoopConfig loop = cfg.loop_config();
  // Per-sample paths make the ranks run different batch norms (a block's branches depend on the
  // rank's samples), which synchronised batch norm cannot pair up.
  if (loop.bn_sync && cfg.sampling == "multipath")
    throw std::invalid_argument(files.name + ": bn_sync needs \"sampling\": \"single\" in supernet training (with multipath "
                                "sampling each rank runs the batch norms of its own samples' paths)");
  loop.same_layers = cfg.sampling != "multipath";
  set_dropout(net.fixed(), cfg);
  net.set_bn_stats(parse_bn_stats(cfg.bn_stats));
  teacher.to(loop.device);
  return run_training(net, supernet_step(net, teacher, cfg), train, augment, loop, files, [&] {
    auto r = supernet_replica(net, cfg, true);
    auto t = teacher_replica(teacher, cfg);
    return Replica{r, supernet_step(*r, *t, cfg), t};
  });
}

TrainSummary finetune_subnetwork(SubNetwork& net, SubNetwork* teacher, std::shared_ptr<const data::Dataset> train,
                                 const data::AugmentConfig& augment, const RunConfig& cfg, const RunFiles& files) {
  const LoopConfig loop = cfg.loop_config();
  set_dropout(net.fixed(), cfg);
  if (teacher) teacher->to(loop.device);
  return run_training(net, finetune_step(net, teacher, cfg), train, augment, loop, files, [&] {
    auto r = subnetwork_replica(net, cfg);
    std::shared_ptr<SubNetwork> t = teacher ? teacher_replica(*teacher, cfg) : nullptr;
    return Replica{r, finetune_step(*r, t.get(), cfg), t};
  });
}

void init_supernet_from_heaviest(Supernet& net) {
  const SearchSpace& s = net.space();
  for (size_t st = 0; st < s.stages.size(); ++st)
    for (int b = 0; b < s.stages[st].max_depth(); ++b) net.block(int(st), b).init_from_heaviest();
}

}  // namespace iqnas
