// Arithmetic, broadcasting, pooling and shape ops.
#pragma once
#include <vector>

#include "nn/autograd.h"

namespace iqnas {
Var add(const Var& a, const Var& b);     // same shapes
Var mul(const Var& a, const Var& b);     // elementwise, same shapes
Var scale(const Var& x, float alpha);    // alpha * x
// x [N, H, W, C] (or [N, S, C]) times g [N, C] broadcast over the spatial positions: SE gates and
// per-sample channel masks.
Var mul_channels(const Var& x, const Var& g);
// Per-sample weighted sum: y[n] = sum_i w_i[n] * x_i[n], each x_i [N, ...], each w_i [N]
// (the supernet's depth gating sum_d beta_d x_d with per-sample beta).
Var weighted_sum(const std::vector<Var>& xs, const std::vector<Var>& ws);
Var global_avg_pool(const Var& x);       // [N, H, W, C] -> [N, C]
Var reshape(const Var& x, const Shape& shape);
// A copy of x narrowed along one dimension; the gradient is scattered back into the full shape.
Var slice(const Var& x, int dim, int64_t start, int64_t length);
// Rows (first-dimension entries) idx of x, in that order.
Var gather_rows(const Var& x, const std::vector<int64_t>& idx);
// Reassembles a batch of `n` rows from parts: row idx[p][i] of the result is row i of parts[p].
// Every row must be covered exactly once.
Var merge_rows(const std::vector<Var>& parts, const std::vector<std::vector<int64_t>>& idx, int64_t n);
Var sum(const Var& x);                   // all elements -> scalar
Var mean(const Var& x);                  // all elements -> scalar
}  // namespace iqnas
