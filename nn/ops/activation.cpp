#include "nn/ops/activation.h"

#include <stdexcept>

#include "nn/detail/ops_common.h"

namespace iqnas {
using detail::empty_like;

Var activation(const Var& xv, Act act) {
  const Tensor x = xv.value().contiguous();
  Tensor y = empty_like(x);
  IQNAS_DISPATCH(x.device(), act_forward, act, x.data(), y.data(), x.numel());
  return make_result(y, act_name(act), {xv}, [x, act](const Tensor& gy0, const std::vector<bool>&) {
    const Tensor gy = gy0.contiguous();
    Tensor gx = empty_like(x);
    IQNAS_DISPATCH(gy.device(), act_backward, act, x.data(), gy.data(), gx.data(), x.numel());
    return std::vector<Tensor>{gx};
  });
}

Var dropout(const Var& xv, float p, bool training, Rng& rng) {
  if (p < 0.f || p >= 1.f) throw std::invalid_argument("dropout: probability must be in [0, 1), got " + std::to_string(p));
  if (!training || p == 0.f) return xv;
  const Tensor x = xv.value().contiguous();
  Tensor host_mask = Tensor::empty(x.shape());
  const float scale = 1.f / (1.f - p);
  float* m = host_mask.data();
  for (int64_t i = 0; i < x.numel(); ++i) m[i] = rng.bernoulli(1.0 - p) ? scale : 0.f;
  const Tensor mask = host_mask.to(x.device());
  Tensor y = empty_like(x);
  IQNAS_DISPATCH(x.device(), mul, x.data(), mask.data(), y.data(), x.numel());
  return make_result(y, "dropout", {xv}, [mask](const Tensor& gy0, const std::vector<bool>&) {
    const Tensor gy = gy0.contiguous();
    Tensor gx = empty_like(gy);
    IQNAS_DISPATCH(gy.device(), mul, gy.data(), mask.data(), gx.data(), gy.numel());
    return std::vector<Tensor>{gx};
  });
}

}  // namespace iqnas
