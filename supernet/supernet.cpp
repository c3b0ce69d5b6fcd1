#include "supernet/supernet.h"

#include <algorithm>
#include <stdexcept>

#include "nn/ops.h"

namespace iqnas {

Supernet::Supernet(const SearchSpace& space, Rng& rng) : space_(space), arch_(heaviest_arch(space)) {
  space_.validate();
  // Registration order = checkpoint order: fixed parts, then the stages.
  fixed_ = register_module("net", std::make_shared<FixedParts>(space_, rng));
  const BlockType& type = space_.block_type();
  for (size_t s = 0; s < space_.stages.size(); ++s) {
    const StageSpec& st = space_.stages[s];
    blocks_.emplace_back();
    for (int b = 0; b < st.max_depth(); ++b) {
      const int in = b == 0 ? space_.stage_in(int(s)) : st.out;
      blocks_[s].push_back(register_module("stage" + std::to_string(s + 1) + ".block" + std::to_string(b + 1),
                                           type.make_elastic(space_, BlockShape{in, st.out, b == 0 ? st.stride : 1, st.act}, rng)));
    }
  }
}

void Supernet::set_arch(const Architecture& a) {
  validate_arch(space_, a);
  arch_ = a;
}

void Supernet::set_bn_stats(BnStats b) {
  for (auto& stage : blocks_)
    for (auto& block : stage) block->set_bn_stats(b);
}

Var Supernet::forward(const Var& images) { return forward(images, PathSample::fixed(space_, arch_, images.dim(0))); }

Var Supernet::forward(const Var& images, const PathSample& path, std::vector<Var>* features) {
  const int64_t N = images.dim(0);
  if (path.n != N || path.configs.size() != space_.stages.size())
    throw std::invalid_argument("Supernet: the path sample is for " + std::to_string(path.n) + " images, the batch has " +
                                std::to_string(N));
  Var x = fixed_->front(images, features);
  for (size_t s = 0; s < space_.stages.size(); ++s) {
    const std::vector<int>& depth = path.depths[s];
    const int deepest = *std::max_element(depth.begin(), depth.end());
    const bool same_depth = std::all_of(depth.begin(), depth.end(), [&](int d) { return d == deepest; });
    std::vector<Var> outs, weights;  // x_d and beta_d for the depths present in the batch
    for (int b = 0; b < deepest; ++b) {
      x = blocks_[s][b]->forward(x, path.configs[s][b]);
      if (same_depth) continue;
      Tensor beta = Tensor::empty({N});
      bool present = false;
      for (int64_t n = 0; n < N; ++n) {
        beta.data()[n] = depth[n] == b + 1 ? 1.f : 0.f;
        present = present || depth[n] == b + 1;
      }
      if (!present) continue;
      outs.push_back(x);
      weights.push_back(Var(beta.to(x.device())));
    }
    if (!same_depth) x = weighted_sum(outs, weights);
    if (features) features->push_back(x);
  }
  return fixed_->back(x, features);
}

}  // namespace iqnas
