// Per-channel tensor helpers of the channel reordering (supernet/reorder.h), shared by the block
// types that implement it.
#pragma once
#include <vector>

#include "nn/layers.h"

namespace iqnas {

struct ChannelImportance {  // one block
  std::vector<double> channels;  // per expansion channel (the largest expansion)
  std::vector<double> hidden;    // per SE hidden unit
};

// Adds the Taylor importance sum |w * dL/dw| over every index but `dim` to acc[index along dim];
// nothing when w has no gradient.
void add_taylor_importance(const Var& w, int dim, std::vector<double>& acc);

// t[..., i, ...] = old t[..., order[i], ...] along `dim`, in place (any device).
void permute_dim(Tensor& t, int dim, const std::vector<int>& order);
void permute_bn(BatchNorm& bn, const std::vector<int>& order);  // scale, shift and running statistics

// Throws std::invalid_argument unless p is a permutation of 0..n-1; `what` names it.
void check_permutation(const std::vector<int>& p, size_t n, const char* what);

}  // namespace iqnas
