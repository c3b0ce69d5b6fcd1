#include "nn/ops/arith.h"

#include <algorithm>
#include <stdexcept>

#include "kernels/elementwise.h"
#include "kernels/rows.h"
#include "nn/detail/ops_common.h"
#include "nn/ops/device_index.h"

namespace iqnas {
using detail::empty_like;

Var add(const Var& av, const Var& bv) {
  const Tensor a = av.value().contiguous(), b = bv.value().contiguous();
  check_shape("add", "second operand", b, a.shape());
  check_same_device("add", a, b);
  Tensor y = empty_like(a);
  IQNAS_DISPATCH(a.device(), add, a.data(), b.data(), y.data(), a.numel());
  return make_result(y, "add", {av, bv}, [](const Tensor& gy, const std::vector<bool>&) {
    return std::vector<Tensor>{gy, gy};
  });
}

Var mul(const Var& av, const Var& bv) {
  const Tensor a = av.value().contiguous(), b = bv.value().contiguous();
  check_shape("mul", "second operand", b, a.shape());
  check_same_device("mul", a, b);
  Tensor y = empty_like(a);
  IQNAS_DISPATCH(a.device(), mul, a.data(), b.data(), y.data(), a.numel());
  return make_result(y, "mul", {av, bv}, [a, b](const Tensor& gy0, const std::vector<bool>& needs) {
    const Tensor gy = gy0.contiguous();
    Tensor ga, gb;
    if (needs[0]) {
      ga = empty_like(a);
      IQNAS_DISPATCH(gy.device(), mul, gy.data(), b.data(), ga.data(), gy.numel());
    }
    if (needs[1]) {
      gb = empty_like(b);
      IQNAS_DISPATCH(gy.device(), mul, gy.data(), a.data(), gb.data(), gy.numel());
    }
    return std::vector<Tensor>{ga, gb};
  });
}

static Tensor scaled(const Tensor& x0, float alpha) {
  const Tensor x = x0.contiguous();
  Tensor y = empty_like(x);
  IQNAS_DISPATCH(x.device(), axpby, alpha, x.data(), 0.f, y.data(), x.numel());
  return y;
}

Var scale(const Var& x, float alpha) {
  return make_result(scaled(x.value(), alpha), "scale", {x}, [alpha](const Tensor& gy, const std::vector<bool>&) {
    return std::vector<Tensor>{scaled(gy, alpha)};
  });
}

Var mul_channels(const Var& xv, const Var& gv) {
  const Tensor x = xv.value().contiguous(), g = gv.value().contiguous();
  check_same_device("mul_channels", x, g);
  if (x.ndim() < 2) throw std::invalid_argument("mul_channels: input " + shape_str(x.shape()) + " needs [N, ..., C]");
  const int64_t N = x.dim(0), C = x.dim(-1), S = x.numel() / (N * C);
  check_shape("mul_channels", "gate", g, {N, C});
  Tensor y = empty_like(x);
  IQNAS_DISPATCH(x.device(), mul_channels, x.data(), g.data(), y.data(), N, S, C);
  return make_result(y, "mul_channels", {xv, gv}, [x, g, N, S, C](const Tensor& gy0, const std::vector<bool>& needs) {
    const Tensor gy = gy0.contiguous();
    Tensor gx, gg;
    if (needs[0]) {
      gx = empty_like(x);
      IQNAS_DISPATCH(gy.device(), mul_channels, gy.data(), g.data(), gx.data(), N, S, C);
    }
    if (needs[1]) {
      gg = empty_like(g);
      IQNAS_DISPATCH(gy.device(), mul_channels_grad_gate, x.data(), gy.data(), gg.data(), N, S, C);
    }
    return std::vector<Tensor>{gx, gg};
  });
}

Var weighted_sum(const std::vector<Var>& xv, const std::vector<Var>& wv) {
  if (xv.empty() || xv.size() != wv.size())
    throw std::invalid_argument("weighted_sum: needs as many weights as inputs (got " + std::to_string(xv.size()) +
                                " inputs, " + std::to_string(wv.size()) + " weights)");
  std::vector<Tensor> xs, ws;
  for (size_t i = 0; i < xv.size(); ++i) {
    xs.push_back(xv[i].value().contiguous());
    ws.push_back(wv[i].value().contiguous());
    check_shape("weighted_sum", "input", xs[i], xs[0].shape());
    check_shape("weighted_sum", "weight", ws[i], {xs[0].dim(0)});
    check_same_device("weighted_sum", xs[i], xs[0]);
    check_same_device("weighted_sum", ws[i], xs[0]);
  }
  const int64_t N = xs[0].dim(0), D = xs[0].numel() / N;
  Tensor y = empty_like(xs[0]);
  for (size_t i = 0; i < xs.size(); ++i)
    IQNAS_DISPATCH(y.device(), scale_rows, ws[i].data(), xs[i].data(), y.data(), N, D, i > 0);
  std::vector<Var> inputs = xv;
  inputs.insert(inputs.end(), wv.begin(), wv.end());
  return make_result(y, "weighted_sum", inputs, [xs, ws, N, D](const Tensor& gy0, const std::vector<bool>& needs) {
    const Tensor gy = gy0.contiguous();
    const size_t k = xs.size();
    std::vector<Tensor> grads(2 * k);
    for (size_t i = 0; i < k; ++i) {
      if (needs[i]) {
        grads[i] = empty_like(gy);
        IQNAS_DISPATCH(gy.device(), scale_rows, ws[i].data(), gy.data(), grads[i].data(), N, D, false);
      }
      if (needs[k + i]) {
        grads[k + i] = Tensor::empty({N}, gy.device());
        IQNAS_DISPATCH(gy.device(), dot_rows, gy.data(), xs[i].data(), grads[k + i].data(), N, D);
      }
    }
    return grads;
  });
}

Var global_avg_pool(const Var& xv) {
  const Tensor x = xv.value().contiguous();
  detail::require_rank("global_avg_pool", "input", x, 4);
  const int64_t N = x.dim(0), S = x.dim(1) * x.dim(2), C = x.dim(3);
  Tensor y = Tensor::empty({N, C}, x.device());
  IQNAS_DISPATCH(x.device(), avgpool_forward, x.data(), y.data(), N, S, C);
  const Shape xs = x.shape();
  return make_result(y, "global_avg_pool", {xv}, [xs, N, S, C](const Tensor& gy0, const std::vector<bool>&) {
    const Tensor gy = gy0.contiguous();
    Tensor gx = Tensor::empty(xs, gy.device());
    IQNAS_DISPATCH(gy.device(), avgpool_backward, gy.data(), gx.data(), N, S, C);
    return std::vector<Tensor>{gx};
  });
}

Var reshape(const Var& x, const Shape& shape) {
  const Shape from = x.shape();
  return make_result(x.value().contiguous().reshape(shape), "reshape", {x}, [from](const Tensor& gy, const std::vector<bool>&) {
    return std::vector<Tensor>{gy.contiguous().reshape(from)};
  });
}

Var slice(const Var& x, int dim, int64_t start, int64_t length) {
  const Shape full = x.shape();
  Tensor y = x.value().slice(dim, start, length).clone();
  return make_result(y, "slice", {x}, [full, dim, start, length](const Tensor& gy, const std::vector<bool>&) {
    Tensor gx = Tensor::zeros(full, gy.device());
    Tensor view = gx.slice(dim, start, length);
    view.copy_(gy);
    return std::vector<Tensor>{gx};
  });
}

static Shape with_rows(Shape s, int64_t rows) {
  s[0] = rows;
  return s;
}

Var gather_rows(const Var& xv, const std::vector<int64_t>& idx) {
  const Tensor x = xv.value().contiguous();
  if (x.ndim() < 1) throw std::invalid_argument("gather_rows: input is a scalar");
  const int64_t N = x.dim(0), D = N ? x.numel() / N : 0, R = static_cast<int64_t>(idx.size());
  for (int64_t i : idx)
    if (i < 0 || i >= N) throw std::out_of_range("gather_rows: row " + std::to_string(i) + " of " + std::to_string(N));
  Tensor y = Tensor::empty(with_rows(x.shape(), R), x.device());
  const detail::DeviceIndex<int64_t> didx(idx, x.device());  // device copy on CUDA
  IQNAS_DISPATCH(x.device(), gather_rows, x.data(), didx.data(idx), y.data(), R, D);
  const Shape xs = x.shape();
  return make_result(y, "gather_rows", {xv}, [xs, idx, didx, R, D](const Tensor& gy0, const std::vector<bool>&) {
    const Tensor gy = gy0.contiguous();
    Tensor gx = Tensor::zeros(xs, gy.device());
    std::vector<int64_t> seen(idx);  // repeated rows need accumulation, distinct ones a scatter
    std::sort(seen.begin(), seen.end());
    if (std::adjacent_find(seen.begin(), seen.end()) == seen.end()) {
      IQNAS_DISPATCH(gy.device(), scatter_rows, gy.data(), didx.data(idx), gx.data(), R, D);
    } else {
      for (int64_t r = 0; r < R; ++r)
        IQNAS_DISPATCH(gy.device(), axpby, 1.f, gy.data() + r * D, 1.f, gx.data() + idx[r] * D, D);
    }
    return std::vector<Tensor>{gx};
  });
}

Var merge_rows(const std::vector<Var>& parts, const std::vector<std::vector<int64_t>>& idx, int64_t n) {
  if (parts.empty() || parts.size() != idx.size()) throw std::invalid_argument("merge_rows: needs one index list per part");
  std::vector<int> covered(static_cast<size_t>(n), 0);
  std::vector<Tensor> xs;
  for (size_t p = 0; p < parts.size(); ++p) {
    xs.push_back(parts[p].value().contiguous());
    if (xs[p].dim(0) != static_cast<int64_t>(idx[p].size()) || with_rows(xs[p].shape(), 1) != with_rows(xs[0].shape(), 1))
      throw std::invalid_argument("merge_rows: part " + std::to_string(p) + " has shape " + shape_str(xs[p].shape()));
    for (int64_t i : idx[p]) {
      if (i < 0 || i >= n) throw std::out_of_range("merge_rows: row " + std::to_string(i) + " of " + std::to_string(n));
      ++covered[static_cast<size_t>(i)];
    }
  }
  for (int64_t i = 0; i < n; ++i)
    if (covered[static_cast<size_t>(i)] != 1) throw std::invalid_argument("merge_rows: row " + std::to_string(i) + " not covered exactly once");
  const int64_t D = shape_numel(with_rows(xs[0].shape(), 1));
  Tensor y = Tensor::empty(with_rows(xs[0].shape(), n), xs[0].device());
  std::vector<detail::DeviceIndex<int64_t>> didx;  // device copies on CUDA
  for (size_t p = 0; p < xs.size(); ++p) {
    check_same_device("merge_rows", xs[p], xs[0]);
    didx.emplace_back(idx[p], y.device());
  }
  for (size_t p = 0; p < xs.size(); ++p)
    IQNAS_DISPATCH(y.device(), scatter_rows, xs[p].data(), didx[p].data(idx[p]), y.data(), static_cast<int64_t>(idx[p].size()), D);
  std::vector<Shape> shapes;
  for (const Tensor& t : xs) shapes.push_back(t.shape());
  return make_result(y, "merge_rows", parts, [idx, didx, shapes, D](const Tensor& gy0, const std::vector<bool>& needs) {
    const Tensor gy = gy0.contiguous();
    std::vector<Tensor> g(idx.size());
    for (size_t p = 0; p < idx.size(); ++p) {
      if (!needs[p]) continue;
      g[p] = Tensor::empty(shapes[p], gy.device());
      IQNAS_DISPATCH(gy.device(), gather_rows, gy.data(), didx[p].data(idx[p]), g[p].data(), static_cast<int64_t>(idx[p].size()), D);
    }
    return g;
  });
}

Var sum(const Var& xv) {
  const Tensor x = xv.value().contiguous();
  Tensor y = Tensor::empty({}, x.device());
  IQNAS_DISPATCH(x.device(), sum_all, x.data(), y.data(), x.numel());
  const Shape xs = x.shape();
  return make_result(y, "sum", {xv}, [xs](const Tensor& gy0, const std::vector<bool>&) {
    const Tensor gy = gy0.contiguous();
    Tensor gx = Tensor::empty(xs, gy.device());
    IQNAS_DISPATCH(gy.device(), broadcast_scalar, gy.data(), gx.data(), gx.numel());  // no host round trip
    return std::vector<Tensor>{gx};
  });
}

Var mean(const Var& x) { return scale(sum(x), 1.f / static_cast<float>(x.value().numel())); }

}  // namespace iqnas
