// The weight-sharing supernet: fixed parts around five searched stages of elastic blocks, with
// per-sample depth gating (the stage output is sum_d beta_d x_d, x_d the output after block d).
#pragma once
#include <memory>
#include <vector>

#include "supernet/block_type.h"
#include "supernet/network.h"
#include "supernet/sampler.h"

namespace iqnas {

class Supernet : public Layer {
 public:
  Supernet(const SearchSpace& space, Rng& rng);

  // Runs the architecture set by set_arch() (the heaviest by default) for the whole batch.
  Var forward(const Var& images) override;
  // Runs each sample on its own path; appends the 8 distillation maps to `features` when given:
  // stem, stage 0, the searched stages, stage 6.
  Var forward(const Var& images, const PathSample& path, std::vector<Var>* features = nullptr);

  void set_arch(const Architecture& a);
  // How every elastic module's BNs see a multipath batch in training; default Shared.
  void set_bn_stats(BnStats b);
  const Architecture& arch() const { return arch_; }
  const SearchSpace& space() const { return space_; }
  FixedParts& fixed() { return *fixed_; }
  ElasticModule& block(int stage, int b) { return *blocks_[stage][b]; }

 private:
  SearchSpace space_;
  Architecture arch_;
  std::shared_ptr<FixedParts> fixed_;
  std::vector<std::vector<std::shared_ptr<ElasticModule>>> blocks_;  // through the space's block type
};

}  // namespace iqnas
