#include "nn/ops/loss.h"

#include <stdexcept>
#include <string>

#include "kernels/elementwise.h"
#include "kernels/loss.h"
#include "nn/ops/arith.h"
#include "nn/detail/ops_common.h"
#include "nn/ops/device_index.h"

namespace iqnas {
using detail::empty_like;

// The mean of the per-sample losses, as a scalar tensor on their device (no host round trip).
static Tensor batch_mean(const Tensor& per_sample) {
  const Device d = per_sample.device();
  Tensor s = Tensor::empty({}, d);
  IQNAS_DISPATCH(d, sum_all, per_sample.data(), s.data(), per_sample.numel());
  IQNAS_DISPATCH(d, axpby, 1.f / static_cast<float>(per_sample.numel()), s.data(), 0.f, s.data(), 1);
  return s;
}

// g *= gy[0], with the scalar gradient gy left on its device.
static void scale_by(Tensor& g, const Tensor& gy) {
  check_same_device("loss backward", g, gy);
  IQNAS_DISPATCH(g.device(), scale_rows, gy.data(), g.data(), g.data(), 1, g.numel(), false);
}

Var cross_entropy(const Var& lv, const std::vector<int32_t>& labels, float smoothing) {
  const Tensor logits = lv.value().contiguous();
  detail::require_rank("cross_entropy", "logits", logits, 2);
  const int64_t N = logits.dim(0), K = logits.dim(1);
  if (static_cast<int64_t>(labels.size()) != N)
    throw std::invalid_argument("cross_entropy: " + std::to_string(labels.size()) + " labels for " + std::to_string(N) + " rows of logits");
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] < 0 || labels[i] >= K)
      throw std::invalid_argument("cross_entropy: label " + std::to_string(labels[i]) + " of sample " + std::to_string(i) +
                                  " is outside [0, " + std::to_string(K) + ")");
  if (smoothing < 0.f || smoothing >= 1.f) throw std::invalid_argument("cross_entropy: label smoothing must be in [0, 1)");
  Tensor prob = empty_like(logits), loss = Tensor::empty({N}, logits.device());
  const detail::DeviceIndex<int32_t> dlabels(labels, logits.device());  // device copy on CUDA
  IQNAS_DISPATCH(logits.device(), softmax_xent_forward, logits.data(), dlabels.data(labels), smoothing, prob.data(), loss.data(), N, K);
  return make_result(batch_mean(loss), "cross_entropy", {lv}, [prob, labels, dlabels, smoothing, N, K](const Tensor& gy, const std::vector<bool>&) {
    Tensor g = empty_like(prob);
    IQNAS_DISPATCH(g.device(), softmax_xent_backward, prob.data(), dlabels.data(labels), smoothing, 1.f / N, g.data(), N, K);
    scale_by(g, gy);
    return std::vector<Tensor>{g};
  });
}

Var kl_div(const Var& sv, const Var& tv, float T) {
  const Tensor s = sv.value().contiguous(), t = tv.value().contiguous();
  detail::require_rank("kl_div", "student logits", s, 2);
  check_shape("kl_div", "teacher logits", t, s.shape());
  check_same_device("kl_div", s, t);
  if (!(T > 0.f)) throw std::invalid_argument("kl_div: temperature must be positive");
  const int64_t N = s.dim(0), K = s.dim(1);
  Tensor ps = empty_like(s), pt = empty_like(s), loss = Tensor::empty({N}, s.device());
  IQNAS_DISPATCH(s.device(), kl_div_forward, s.data(), t.data(), T, ps.data(), pt.data(), loss.data(), N, K);
  return make_result(batch_mean(loss), "kl_div", {sv, tv}, [ps, pt, loss, T, N, K](const Tensor& gy, const std::vector<bool>& needs) {
    Tensor gs = needs[0] ? empty_like(ps) : Tensor(), gt = needs[1] ? empty_like(pt) : Tensor();
    IQNAS_DISPATCH(ps.device(), kl_div_backward, ps.data(), pt.data(), loss.data(), T, 1.f / N,
                   gs.defined() ? gs.data() : nullptr, gt.defined() ? gt.data() : nullptr, N, K);
    if (gs.defined()) scale_by(gs, gy);
    if (gt.defined()) scale_by(gt, gy);
    return std::vector<Tensor>{gs, gt};
  });
}

Var mse(const Var& a, const Var& b) {
  check_shape("mse", "target", b.value(), a.shape());
  Var d = add(a, scale(b, -1.f));
  return mean(mul(d, d));
}

int64_t count_correct(const Tensor& logits0, const std::vector<int32_t>& labels) {
  const Tensor logits = logits0.to(Device::CPU).contiguous();
  const int64_t N = logits.dim(0), K = logits.dim(1);
  int64_t correct = 0;
  for (int64_t n = 0; n < N; ++n) {
    const float* z = logits.data() + n * K;
    int64_t best = 0;
    for (int64_t k = 1; k < K; ++k)
      if (z[k] > z[best]) best = k;
    correct += best == labels[n];
  }
  return correct;
}

}  // namespace iqnas
