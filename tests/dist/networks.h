// Small networks and a data set for the data-parallel checks (dist_check under mpirun, and the
// thread-parallel training of test_dist).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nn/data/dataset.h"
#include "nn/layers.h"
#include "nn/ops.h"

namespace iqnas {

// A classifier whose samples take one of two heads, drawn per sample like multipath sampling: a
// head that no sample of a rank's shard takes has no gradient on that rank. No batch norm, so that
// the shards' gradients average exactly to the global batch's.
class TwoHeads : public Module {
 public:
  explicit TwoHeads(Rng& rng) {
    body = register_module("body", std::make_shared<Linear>(16, 12, true, rng));
    head[0] = register_module("head0", std::make_shared<Linear>(12, 4, true, rng));
    head[1] = register_module("head1", std::make_shared<Linear>(12, 4, true, rng));
  }
  Var forward(const Var& x, const std::vector<int>& which) {
    const Var h = activation(body->forward(reshape(x, {x.dim(0), 16})), Act::ReLU);
    std::vector<Var> parts;
    std::vector<std::vector<int64_t>> rows(2);
    for (size_t i = 0; i < which.size(); ++i) rows[static_cast<size_t>(which[i])].push_back(static_cast<int64_t>(i));
    std::vector<std::vector<int64_t>> used;
    for (int k = 0; k < 2; ++k)
      if (!rows[k].empty()) parts.push_back(head[k]->forward(gather_rows(h, rows[k]))), used.push_back(rows[k]);
    return merge_rows(parts, used, x.dim(0));
  }
  std::shared_ptr<Linear> body, head[2];
};

inline std::shared_ptr<data::InMemoryDataset> synthetic(int64_t n) {
  auto d = std::make_shared<data::InMemoryDataset>("synthetic", "dist_check", 4, 4, 1,
                                                   std::vector<std::string>{"a", "b", "c", "d"});
  Rng rng(3);
  for (int64_t i = 0; i < n; ++i) {
    uint8_t* p = d->append_uninitialised(static_cast<int32_t>(i % 4));
    for (int k = 0; k < 16; ++k) p[k] = static_cast<uint8_t>(rng.below(256) / 2 + 32 * (i % 4));
  }
  return d;
}

// A small convolutional network with two batch norms (one fused with its activation), whose
// batch statistics make the ranks' shards differ from the global batch unless synchronised.
class WithBatchNorm : public Module {
 public:
  explicit WithBatchNorm(Rng& rng) {
    conv = register_module("conv", std::make_shared<Conv2d>(1, 8, 3, 1, 1, rng));
    bn1 = register_module("bn1", std::make_shared<BatchNorm>(8));
    pw = register_module("pw", std::make_shared<PointwiseConv>(8, 8, rng));
    bn2 = register_module("bn2", std::make_shared<BatchNorm>(8));
    head = register_module("head", std::make_shared<Linear>(8, 4, true, rng));
  }
  Var forward(const Var& x) {
    const Var h = bn1->forward_act(conv->forward(x), Act::ReLU);
    return head->forward(global_avg_pool(bn2->forward(pw->forward(h))));
  }
  std::shared_ptr<Conv2d> conv;
  std::shared_ptr<BatchNorm> bn1, bn2;
  std::shared_ptr<PointwiseConv> pw;
  std::shared_ptr<Linear> head;
};

}  // namespace iqnas
