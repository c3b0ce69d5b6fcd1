#include "nn/ops/conv.h"

#include <stdexcept>

#include "kernels/conv.h"
#include "kernels/depthwise.h"
#include "kernels/elementwise.h"
#include "kernels/gemm.h"
#include "nn/detail/ops_common.h"

namespace iqnas {
using detail::empty_like;

namespace detail {
void require_rank(const char* op, const char* what, const Tensor& t, int rank) {
  if (t.ndim() != rank)
    throw std::invalid_argument(std::string(op) + ": " + what + " must have " + std::to_string(rank) +
                                " dimensions, got shape " + shape_str(t.shape()));
}
}  // namespace detail

Var conv2d(const Var& xv, const Var& wv, int stride, int pad, int groups) {
  const Tensor x = xv.value().contiguous(), w = wv.value().contiguous();
  detail::require_rank("conv2d", "input", x, 4);
  detail::require_rank("conv2d", "weight", w, 4);
  check_same_device("conv2d", x, w);
  ConvArgs a;
  a.N = int(x.dim(0)), a.H = int(x.dim(1)), a.W = int(x.dim(2)), a.Cin = int(x.dim(3));
  a.Cout = int(w.dim(0)), a.KH = int(w.dim(1)), a.KW = int(w.dim(2));
  a.stride = stride, a.pad = pad, a.groups = groups;
  if (groups < 1 || a.Cin % groups || a.Cout % groups || w.dim(3) != a.Cin / groups)
    throw std::invalid_argument("conv2d: weight " + shape_str(w.shape()) + " does not fit input " +
                                shape_str(x.shape()) + " with groups " + std::to_string(groups));
  if (a.Ho() < 1 || a.Wo() < 1) throw std::invalid_argument("conv2d: kernel larger than padded input " + shape_str(x.shape()));
  Tensor y = Tensor::empty({a.N, a.Ho(), a.Wo(), a.Cout}, x.device());
  Tensor ws = Tensor::empty({int64_t(conv2d_workspace(a))}, x.device());
  IQNAS_DISPATCH(x.device(), conv2d_forward, a, x.data(), w.data(), y.data(), ws.data());
  return make_result(y, "conv2d", {xv, wv}, [x, w, a](const Tensor& gy0, const std::vector<bool>& needs) {
    const Tensor gy = gy0.contiguous();
    Tensor ws = Tensor::empty({int64_t(conv2d_workspace(a))}, gy.device());
    Tensor gx, gw;
    if (needs[0]) {
      gx = empty_like(x);
      IQNAS_DISPATCH(gy.device(), conv2d_backward_data, a, gy.data(), w.data(), gx.data(), ws.data());
    }
    if (needs[1]) {
      gw = empty_like(w);
      IQNAS_DISPATCH(gy.device(), conv2d_backward_weight, a, x.data(), gy.data(), gw.data(), ws.data());
    }
    return std::vector<Tensor>{gx, gw};
  });
}

Var pointwise_conv(const Var& xv, const Var& wv) {
  const Tensor x = xv.value().contiguous(), w = wv.value().contiguous();
  detail::require_rank("pointwise_conv", "weight", w, 2);
  check_same_device("pointwise_conv", x, w);
  const int64_t cin = w.dim(1), cout = w.dim(0);
  if (x.ndim() < 1 || x.dim(-1) != cin)
    throw std::invalid_argument("pointwise_conv: input " + shape_str(x.shape()) + " does not have the " +
                                std::to_string(cin) + " channels of weight " + shape_str(w.shape()));
  const int64_t M = x.numel() / cin;
  Shape ys = x.shape();
  ys.back() = cout;
  Tensor y = Tensor::empty(ys, x.device());
  IQNAS_DISPATCH(x.device(), gemm, false, true, M, cout, cin, 1.f, x.data(), cin, w.data(), cin, 0.f, y.data(), cout);
  return make_result(y, "pointwise_conv", {xv, wv}, [x, w, M, cin, cout](const Tensor& gy0, const std::vector<bool>& needs) {
    const Tensor gy = gy0.contiguous();
    Tensor gx, gw;
    if (needs[0]) {
      gx = empty_like(x);
      IQNAS_DISPATCH(gy.device(), gemm, false, false, M, cin, cout, 1.f, gy.data(), cout, w.data(), cin, 0.f, gx.data(), cin);
    }
    if (needs[1]) {
      gw = empty_like(w);
      IQNAS_DISPATCH(gy.device(), gemm, true, false, cout, cin, M, 1.f, gy.data(), cout, x.data(), cin, 0.f, gw.data(), cin);
    }
    return std::vector<Tensor>{gx, gw};
  });
}

Var depthwise_conv(const Var& xv, const Var& wv, int stride, int pad) {
  const Tensor x = xv.value().contiguous(), w = wv.value().contiguous();
  detail::require_rank("depthwise_conv", "input", x, 4);
  detail::require_rank("depthwise_conv", "weight", w, 3);
  check_same_device("depthwise_conv", x, w);
  DwConvArgs a;
  a.N = int(x.dim(0)), a.H = int(x.dim(1)), a.W = int(x.dim(2)), a.C = int(x.dim(3));
  a.K = int(w.dim(0)), a.stride = stride, a.pad = pad < 0 ? a.K / 2 : pad;
  if (w.dim(1) != a.K || w.dim(2) != a.C)
    throw std::invalid_argument("depthwise_conv: weight " + shape_str(w.shape()) + " does not fit input " +
                                shape_str(x.shape()) + " (expected [K, K, C])");
  if (a.Ho() < 1 || a.Wo() < 1) throw std::invalid_argument("depthwise_conv: kernel larger than padded input " + shape_str(x.shape()));
  Tensor y = Tensor::empty({a.N, a.Ho(), a.Wo(), a.C}, x.device());
  IQNAS_DISPATCH(x.device(), depthwise_forward, a, x.data(), w.data(), y.data());
  return make_result(y, "depthwise_conv", {xv, wv}, [x, w, a](const Tensor& gy0, const std::vector<bool>& needs) {
    const Tensor gy = gy0.contiguous();
    Tensor gx, gw;
    if (needs[0]) {
      gx = empty_like(x);
      IQNAS_DISPATCH(gy.device(), depthwise_backward_data, a, gy.data(), w.data(), gx.data());
    }
    if (needs[1]) {
      gw = empty_like(w);
      IQNAS_DISPATCH(gy.device(), depthwise_backward_weight, a, x.data(), gy.data(), gw.data());
    }
    return std::vector<Tensor>{gx, gw};
  });
}

Var linear(const Var& x, const Var& w, const Var& b) {
  detail::require_rank("linear", "input", x.value(), 2);
  Var y = pointwise_conv(x, w);
  if (!b.defined()) return y;
  check_shape("linear", "bias", b.value(), {w.dim(0)});
  check_same_device("linear", y.value(), b.value());
  Tensor out = y.value().clone();
  const Tensor bias = b.value().contiguous();
  IQNAS_DISPATCH(out.device(), add_bias, out.data(), bias.data(), out.dim(0), out.dim(1));
  return make_result(out, "linear_bias", {y, b}, [](const Tensor& gy0, const std::vector<bool>& needs) {
    const Tensor gy = gy0.contiguous();
    Tensor gb;
    if (needs[1]) {
      gb = Tensor::empty({gy.dim(1)}, gy.device());
      IQNAS_DISPATCH(gy.device(), sum_columns, gy.data(), gb.data(), gy.dim(0), gy.dim(1));
    }
    return std::vector<Tensor>{gy, gb};
  });
}

}  // namespace iqnas
