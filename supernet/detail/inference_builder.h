// The builder of inference programs (supernet/inference.h), for the inference steps of the block
// types (StaticModule::add_inference) and of the fixed parts: folded convolutions, pooling, SE,
// residual adds over numbered activation slots. Internal to supernet/.
#pragma once
#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "kernels/act_math.h"
#include "kernels/conv.h"
#include "kernels/depthwise.h"
#include "kernels/elementwise.h"
#include "kernels/gemm.h"
#include "supernet/inference.h"
#include "supernet/inverted_residual.h"  // BnRef

namespace iqnas {

struct InferenceStep {
  std::function<void(float* const* slots, float* ws)> fn;
  std::vector<std::pair<const float*, size_t>> weights;  // the constant arrays fn reads (owned by fn)
};

namespace inference_detail {

// y[m, c] = act(y[m, c] + b[c]) over y [M, C]; the activation is a template parameter so that the
// inner loop has no branch and vectorises.
template <int A>
inline void bias_act_t(float* y, const float* b, int64_t M, int64_t C) {
  for (int64_t m = 0; m < M; ++m) {
    float* r = y + m * C;
    for (int64_t c = 0; c < C; ++c) {
      const float v = r[c] + b[c];
      r[c] = A < 0 ? v : act_value(static_cast<Act>(A), v);
    }
  }
}

inline void bias_act(float* y, const float* b, int64_t M, int64_t C, bool has_act, Act a) {
  if (!has_act) return bias_act_t<-1>(y, b, M, C);
  switch (a) {
    case Act::ReLU: return bias_act_t<int(Act::ReLU)>(y, b, M, C);
    case Act::HSwish: return bias_act_t<int(Act::HSwish)>(y, b, M, C);
    case Act::HSigmoid: return bias_act_t<int(Act::HSigmoid)>(y, b, M, C);
    case Act::Sigmoid: return bias_act_t<int(Act::Sigmoid)>(y, b, M, C);
  }
}

inline std::vector<float> values(const Tensor& t) { return t.contiguous().to_vector(); }

// A convolution weight with the following BN folded in: rows of `w` are output channels when
// `channel_last` is false ([Cout, ...]), else its last dimension is the channel ([K, K, C]).
struct Folded {
  std::vector<float> w, b;
};
inline std::vector<std::pair<const float*, size_t>> spans(const Folded& f) { return {{f.w.data(), f.w.size()}, {f.b.data(), f.b.size()}}; }
inline Folded fold(const Tensor& weight, const BnRef& bn, bool channel_last) {
  Folded f;
  f.w = values(weight);
  const std::vector<float> g = values(bn.gamma.value()), be = values(bn.beta.value()), m = values(bn.running_mean),
                           v = values(bn.running_var);
  const size_t C = g.size();
  if (f.w.size() % C != 0) throw std::invalid_argument("inference: weight does not match its batch norm");
  std::vector<float> scale(C);
  f.b.resize(C);
  for (size_t c = 0; c < C; ++c) {
    scale[c] = g[c] / std::sqrt(v[c] + bn.eps);
    f.b[c] = be[c] - m[c] * scale[c];
  }
  const size_t per = f.w.size() / C;
  for (size_t i = 0; i < f.w.size(); ++i) f.w[i] *= scale[channel_last ? i % C : i / per];
  return f;
}

inline BnRef bn_of(BatchNorm& bn) { return bn_ref(bn, bn.gamma.dim(0)); }

}  // namespace inference_detail


// Records steps over numbered slots: slot 0 is the program's input; acquire/release keep the live
// activation size (per image), whose maximum is the peak activation memory.
class InferenceBuilder {
 public:
  using Folded = inference_detail::Folded;
  InferenceBuilder(int batch, int64_t input_floats) : N_(batch) {
    p_.batch_ = batch;
    p_.in_floats_ = input_floats;
    sizes_.push_back(0);  // slot 0: the input, bound at run time
    free_.push_back(false);
    held_.push_back(input_floats);
    live_ = peak_ = input_floats;
  }
  int acquire(int64_t floats_per_image) {  // the largest free slot, grown when needed
    int id = -1;
    for (size_t i = 1; i < sizes_.size(); ++i)
      if (free_[i] && (id < 0 || sizes_[i] > sizes_[size_t(id)])) id = int(i);
    if (id < 0) {
      id = int(sizes_.size());
      sizes_.push_back(0), free_.push_back(false), held_.push_back(0);
    }
    free_[size_t(id)] = false;
    sizes_[size_t(id)] = std::max(sizes_[size_t(id)], floats_per_image * N_);
    held_[size_t(id)] = floats_per_image;
    live_ += floats_per_image;
    peak_ = std::max(peak_, live_);
    return id;
  }
  void release(int id) {
    free_[size_t(id)] = id != 0;
    live_ -= held_[size_t(id)];
    held_[size_t(id)] = 0;
  }
  // A slot filled with fixed random values once (the input of the back part in inference_fixed);
  // live like any activation, so that the program's peak is that of the fixed parts in a network.
  int constant_slot(int64_t floats_per_image) {
    const int id = acquire(floats_per_image);
    constants_.push_back(id);
    return id;
  }
  void step(std::function<void(float* const*, float*)> fn,
            std::vector<std::pair<const float*, size_t>> weights = {}) {
    p_.steps_.push_back(std::make_unique<InferenceStep>(InferenceStep{std::move(fn), std::move(weights)}));
  }

  // Folded pointwise conv + bias (+ act): x [N*spatial, Cin] -> new slot [N*spatial, Cout].
  int pointwise(int x, int64_t spatial, const Tensor& weight, const BnRef& bn, bool has_act, Act act) {
    auto f = std::make_shared<Folded>(inference_detail::fold(weight, bn, false));
    const int64_t cout = weight.dim(0), cin = weight.dim(1), M = spatial * N_;
    const int y = acquire(spatial * cout);
    step([=](float* const* s, float*) {
      cpu::gemm(false, true, M, cout, cin, 1.f, s[x], cin, f->w.data(), cin, 0.f, s[y], cout);
      inference_detail::bias_act(s[y], f->b.data(), M, cout, has_act, act);
    }, inference_detail::spans(*f));
    p_.macs_ += spatial * cout * cin;
    return y;
  }
  // Fully connected with bias (+ act): x [N, in] -> new slot [N, out].
  int linear(int x, const Tensor& weight, const Tensor& bias, bool has_act, Act act) {
    auto w = std::make_shared<std::vector<float>>(inference_detail::values(weight));
    auto b = std::make_shared<std::vector<float>>(inference_detail::values(bias));
    const int64_t out = weight.dim(0), in = weight.dim(1), N = N_;
    const int y = acquire(out);
    step([=](float* const* s, float*) {
      cpu::gemm(false, true, N, out, in, 1.f, s[x], in, w->data(), in, 0.f, s[y], out);
      inference_detail::bias_act(s[y], b->data(), N, out, has_act, act);
    }, {{w->data(), w->size()}, {b->data(), b->size()}});
    p_.macs_ += out * in;
    return y;
  }
  // Folded depthwise conv + bias + act: x [N, H, H, C] -> new slot [N, Ho, Ho, C].
  int depthwise(int x, int H, int stride, const Tensor& weight, const BnRef& bn, Act act, int* Ho) {
    auto f = std::make_shared<Folded>(inference_detail::fold(weight, bn, true));
    DwConvArgs a;
    a.N = N_, a.H = a.W = H, a.C = int(weight.dim(2)), a.K = int(weight.dim(0)), a.stride = stride, a.pad = a.K / 2;
    *Ho = a.Ho();
    const int64_t M = int64_t(N_) * a.Ho() * a.Wo();
    const int y = acquire(int64_t(a.Ho()) * a.Wo() * a.C);
    step([=](float* const* s, float*) {
      cpu::depthwise_forward(a, s[x], f->w.data(), s[y]);
      inference_detail::bias_act(s[y], f->b.data(), M, a.C, true, act);
    }, inference_detail::spans(*f));
    p_.macs_ += int64_t(a.Ho()) * a.Wo() * a.K * a.K * a.C;
    return y;
  }
  // Folded full conv + bias + act (the stem): x [N, H, H, Cin] -> new slot [N, Ho, Ho, Cout].
  int conv(int x, int H, int stride, const Tensor& weight, const BnRef& bn, Act act, int* Ho) {
    auto f = std::make_shared<Folded>(inference_detail::fold(weight, bn, false));
    ConvArgs a;
    a.N = N_, a.H = a.W = H, a.Cout = int(weight.dim(0)), a.KH = a.KW = int(weight.dim(1)), a.Cin = int(weight.dim(3));
    a.stride = stride, a.pad = a.KH / 2;
    *Ho = a.Ho();
    ws_ = std::max(ws_, conv2d_workspace(a));
    const int64_t M = int64_t(N_) * a.Ho() * a.Wo();
    const int y = acquire(int64_t(a.Ho()) * a.Wo() * a.Cout);
    step([=](float* const* s, float* ws) {
      cpu::conv2d_forward(a, s[x], f->w.data(), s[y], ws);
      inference_detail::bias_act(s[y], f->b.data(), M, a.Cout, true, act);
    }, inference_detail::spans(*f));
    p_.macs_ += int64_t(a.Ho()) * a.Wo() * a.KH * a.KW * a.Cin * a.Cout;
    return y;
  }
  // Global average pool: x [N, S, C] -> new slot [N, C].
  int pool(int x, int64_t S, int64_t C) {
    const int y = acquire(C);
    const int64_t N = N_;
    step([=](float* const* s, float*) { cpu::avgpool_forward(s[x], s[y], N, S, C); });
    return y;
  }
  // Squeeze-excite on slot d [N, S, C], in place; its three vectors are live while it runs.
  // w1 [hidden, C], b1 [hidden], w2 [C, hidden], b2 [C].
  void squeeze_excite(int d, int64_t S, const Tensor& w1, const Tensor& b1, const Tensor& w2, const Tensor& b2) {
    const int64_t C = w1.dim(1), N = N_;
    const int p = pool(d, S, C);
    const int q = linear(p, w1, b1, true, Act::ReLU);
    const int g = linear(q, w2, b2, true, Act::HSigmoid);
    step([=](float* const* s, float*) { cpu::mul_channels(s[d], s[g], s[d], N, S, C); });
    release(p), release(q), release(g);
  }
  void add_into(int y, int x, int64_t floats_per_image) {  // y += x
    const int64_t n = floats_per_image * N_;
    step([=](float* const* s, float*) { cpu::add(s[y], s[x], s[y], n); });
  }

  InferenceProgram finish(int out, int64_t out_floats) {
    p_.out_slot_ = out;
    p_.out_floats_ = out_floats;
    p_.peak_ = peak_;
    p_.buffers_.resize(sizes_.size());
    p_.slots_.assign(sizes_.size(), nullptr);
    for (size_t i = 1; i < sizes_.size(); ++i) {
      p_.buffers_[i].assign(size_t(sizes_[i]), 0.f);
      p_.slots_[i] = p_.buffers_[i].data();
    }
    Rng rng(7);
    for (int id : constants_)
      for (float& v : p_.buffers_[size_t(id)]) v = static_cast<float>(rng.uniform(-1.0, 1.0));
    p_.workspace_.assign(std::max<size_t>(ws_, 1), 0.f);
    return std::move(p_);
  }

 private:
  int N_;
  InferenceProgram p_;
  std::vector<int64_t> sizes_, held_;
  std::vector<bool> free_;
  std::vector<int> constants_;
  size_t ws_ = 0;
  int64_t live_ = 0, peak_ = 0;
};


}  // namespace iqnas
