#include "supernet/subnet.h"

#include "nn/ops.h"

namespace iqnas {

SubNetwork::SubNetwork(const SearchSpace& space, const Architecture& arch, Rng& rng) : space_(space), arch_(arch) {
  validate_arch(space_, arch_);
  fixed_ = register_module("net", std::make_shared<FixedParts>(space_, rng));
  const BlockType& type = space_.block_type();
  for (size_t s = 0; s < space_.stages.size(); ++s) {
    const StageSpec& st = space_.stages[s];
    blocks_.emplace_back();
    for (int b = 0; b < arch_.depths[s]; ++b) {
      const int in = b == 0 ? space_.stage_in(int(s)) : st.out;
      blocks_[s].push_back(register_module(
          "stage" + std::to_string(s + 1) + ".block" + std::to_string(b + 1),
          type.make_static(space_, BlockShape{in, st.out, b == 0 ? st.stride : 1, st.act}, arch_.blocks[s][b], rng)));
    }
  }
}

Var SubNetwork::forward(const Var& images) { return forward(images, nullptr); }

Var SubNetwork::forward(const Var& images, std::vector<Var>* features) {
  Var x = fixed_->front(images, features);
  for (auto& stage : blocks_) {
    for (auto& b : stage) x = b->forward(x);
    if (features) features->push_back(x);
  }
  return fixed_->back(x, features);
}

std::unique_ptr<SubNetwork> extract_subnetwork(Supernet& net, const Architecture& arch) {
  NoGradGuard no_grad;
  Rng rng(0);
  auto sub = std::make_unique<SubNetwork>(net.space(), arch, rng);
  copy_state(net.fixed(), sub->fixed());
  const BlockType& type = net.space().block_type();
  for (size_t s = 0; s < sub->blocks_.size(); ++s)
    for (size_t b = 0; b < sub->blocks_[s].size(); ++b)
      type.extract(net.block(int(s), int(b)), arch.blocks[s][b], *sub->blocks_[s][b]);
  sub->fixed().dropout = net.fixed().dropout;
  sub->train(net.training());
  sub->to(net.parameters().front().device());
  return sub;
}

}  // namespace iqnas
