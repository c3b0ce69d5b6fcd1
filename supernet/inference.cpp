#include "supernet/inference.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>

#include "kernels/act_math.h"
#include "kernels/cache.h"
#include "kernels/conv.h"
#include "kernels/depthwise.h"
#include "kernels/elementwise.h"
#include "kernels/gemm.h"

namespace iqnas {

struct InferenceStep {
  std::function<void(float* const* slots, float* ws)> fn;
  std::vector<std::pair<const float*, size_t>> weights;  // the constant arrays fn reads (owned by fn)
};

InferenceProgram::InferenceProgram() = default;
InferenceProgram::~InferenceProgram() = default;
InferenceProgram::InferenceProgram(InferenceProgram&&) noexcept = default;
InferenceProgram& InferenceProgram::operator=(InferenceProgram&&) noexcept = default;

namespace {

// y[m, c] = act(y[m, c] + b[c]) over y [M, C]; the activation is a template parameter so that the
// inner loop has no branch and vectorises.
template <int A>
void bias_act_t(float* y, const float* b, int64_t M, int64_t C) {
  for (int64_t m = 0; m < M; ++m) {
    float* r = y + m * C;
    for (int64_t c = 0; c < C; ++c) {
      const float v = r[c] + b[c];
      r[c] = A < 0 ? v : act_value(static_cast<Act>(A), v);
    }
  }
}

void bias_act(float* y, const float* b, int64_t M, int64_t C, bool has_act, Act a) {
  if (!has_act) return bias_act_t<-1>(y, b, M, C);
  switch (a) {
    case Act::ReLU: return bias_act_t<int(Act::ReLU)>(y, b, M, C);
    case Act::HSwish: return bias_act_t<int(Act::HSwish)>(y, b, M, C);
    case Act::HSigmoid: return bias_act_t<int(Act::HSigmoid)>(y, b, M, C);
    case Act::Sigmoid: return bias_act_t<int(Act::Sigmoid)>(y, b, M, C);
  }
}

std::vector<float> values(const Tensor& t) { return t.contiguous().to_vector(); }

// A convolution weight with the following BN folded in: rows of `w` are output channels when
// `channel_last` is false ([Cout, ...]), else its last dimension is the channel ([K, K, C]).
struct Folded {
  std::vector<float> w, b;
};
std::vector<std::pair<const float*, size_t>> spans(const Folded& f) { return {{f.w.data(), f.w.size()}, {f.b.data(), f.b.size()}}; }
Folded fold(const Tensor& weight, const BnRef& bn, bool channel_last) {
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

BnRef bn_of(BatchNorm& bn) { return bn_ref(bn, bn.gamma.dim(0)); }

}  // namespace

// Records steps over numbered slots: slot 0 is the program's input; acquire/release keep the live
// activation size (per image), whose maximum is the peak activation memory.
class InferenceBuilder {
 public:
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
    auto f = std::make_shared<Folded>(fold(weight, bn, false));
    const int64_t cout = weight.dim(0), cin = weight.dim(1), M = spatial * N_;
    const int y = acquire(spatial * cout);
    step([=](float* const* s, float*) {
      cpu::gemm(false, true, M, cout, cin, 1.f, s[x], cin, f->w.data(), cin, 0.f, s[y], cout);
      bias_act(s[y], f->b.data(), M, cout, has_act, act);
    }, spans(*f));
    p_.macs_ += spatial * cout * cin;
    return y;
  }
  // Fully connected with bias (+ act): x [N, in] -> new slot [N, out].
  int linear(int x, const Tensor& weight, const Tensor& bias, bool has_act, Act act) {
    auto w = std::make_shared<std::vector<float>>(values(weight));
    auto b = std::make_shared<std::vector<float>>(values(bias));
    const int64_t out = weight.dim(0), in = weight.dim(1), N = N_;
    const int y = acquire(out);
    step([=](float* const* s, float*) {
      cpu::gemm(false, true, N, out, in, 1.f, s[x], in, w->data(), in, 0.f, s[y], out);
      bias_act(s[y], b->data(), N, out, has_act, act);
    }, {{w->data(), w->size()}, {b->data(), b->size()}});
    p_.macs_ += out * in;
    return y;
  }
  // Folded depthwise conv + bias + act: x [N, H, H, C] -> new slot [N, Ho, Ho, C].
  int depthwise(int x, int H, int stride, const Tensor& weight, const BnRef& bn, Act act, int* Ho) {
    auto f = std::make_shared<Folded>(fold(weight, bn, true));
    DwConvArgs a;
    a.N = N_, a.H = a.W = H, a.C = int(weight.dim(2)), a.K = int(weight.dim(0)), a.stride = stride, a.pad = a.K / 2;
    *Ho = a.Ho();
    const int64_t M = int64_t(N_) * a.Ho() * a.Wo();
    const int y = acquire(int64_t(a.Ho()) * a.Wo() * a.C);
    step([=](float* const* s, float*) {
      cpu::depthwise_forward(a, s[x], f->w.data(), s[y]);
      bias_act(s[y], f->b.data(), M, a.C, true, act);
    }, spans(*f));
    p_.macs_ += int64_t(a.Ho()) * a.Wo() * a.K * a.K * a.C;
    return y;
  }
  // Folded full conv + bias + act (the stem): x [N, H, H, Cin] -> new slot [N, Ho, Ho, Cout].
  int conv(int x, int H, int stride, const Tensor& weight, const BnRef& bn, Act act, int* Ho) {
    auto f = std::make_shared<Folded>(fold(weight, bn, false));
    ConvArgs a;
    a.N = N_, a.H = a.W = H, a.Cout = int(weight.dim(0)), a.KH = a.KW = int(weight.dim(1)), a.Cin = int(weight.dim(3));
    a.stride = stride, a.pad = a.KH / 2;
    *Ho = a.Ho();
    ws_ = std::max(ws_, conv2d_workspace(a));
    const int64_t M = int64_t(N_) * a.Ho() * a.Wo();
    const int y = acquire(int64_t(a.Ho()) * a.Wo() * a.Cout);
    step([=](float* const* s, float* ws) {
      cpu::conv2d_forward(a, s[x], f->w.data(), s[y], ws);
      bias_act(s[y], f->b.data(), M, a.Cout, true, act);
    }, spans(*f));
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
  void squeeze_excite(int d, int64_t S, const InvertedResidualWeights& w) {
    const int64_t C = w.se_w1.value().dim(1), N = N_;
    const int p = pool(d, S, C);
    const int q = linear(p, w.se_w1.value(), w.se_b1.value(), true, Act::ReLU);
    const int g = linear(q, w.se_w2.value(), w.se_b2.value(), true, Act::HSigmoid);
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

const float* InferenceProgram::run(const float* input) {
  slots_[0] = const_cast<float*>(input);  // no step writes to slot 0
  for (auto& s : steps_) s->fn(slots_.data(), workspace_.data());
  return slots_[size_t(out_slot_)];
}

void InferenceProgram::evict_weights() const {
  for (const auto& st : steps_)
    for (const auto& [p, n] : st->weights) evict_from_caches(p, n * sizeof(float));
  evict_fence();
}

float InferenceProgram::touch(const float* input) const {
  float sum = 0.f;
  for (int64_t i = 0; i < in_floats_ * batch_; i += 16) sum += input[i];  // one read per 64-byte line
  for (const auto& b : buffers_)
    for (size_t i = 0; i < b.size(); i += 16) sum += b[i];
  return sum;
}

namespace {

// The block on slot x ([N, H, H, in]); releases x and returns the output slot.
int add_block(InferenceBuilder& b, int x, int H, const InvertedResidualWeights& w, int stride, Act act, bool residual,
              int* Ho) {
  const int h = b.pointwise(x, int64_t(H) * H, w.expand_w.value(), w.expand_bn, true, act);
  if (!residual) b.release(x);
  const int d = b.depthwise(h, H, stride, w.dw_w.value(), w.dw_bn, act, Ho);
  b.release(h);
  const int64_t S = int64_t(*Ho) * *Ho;
  if (w.se) b.squeeze_excite(d, S, w);
  const int y = b.pointwise(d, S, w.project_w.value(), w.project_bn, false, act);
  b.release(d);
  if (residual) {
    b.add_into(y, x, S * w.project_w.value().dim(0));
    b.release(x);
  }
  return y;
}

// The layers of FixedParts in registration order (stem, stage 0, stage 6, head), checked.
struct FixedLayers {
  Conv2d* stem;
  DepthwiseConv* dw0;
  PointwiseConv *pw0, *last;
  BatchNorm *stem_bn, *dw0_bn, *pw0_bn, *last_bn;
  Linear *head, *classifier;
};
FixedLayers fixed_layers(FixedParts& f) {
  auto convs = f.modules_of_type<Conv2d>();
  auto dws = f.modules_of_type<DepthwiseConv>();
  auto pws = f.modules_of_type<PointwiseConv>();
  auto bns = f.modules_of_type<BatchNorm>();
  auto lins = f.modules_of_type<Linear>();
  if (convs.size() != 1 || dws.size() != 1 || pws.size() != 2 || bns.size() != 4 || lins.size() != 2)
    throw std::logic_error("inference: FixedParts does not have the expected layers");
  return {convs[0], dws[0], pws[0], pws[1], bns[0], bns[1], bns[2], bns[3], lins[0], lins[1]};
}

// Stem + stage 0 on slot 0 (images); returns the output slot and its size.
int add_front(InferenceBuilder& b, const SearchSpace& s, const FixedLayers& L, int* H) {
  int h = 0;
  const int x = b.conv(0, s.image_size, s.stem_stride, L.stem->weight.value(), bn_of(*L.stem_bn), s.stem_act, &h);
  b.release(0);
  const bool residual = s.stage0_stride == 1 && s.stem_out == s.stage0_out;
  const int d = b.depthwise(x, h, s.stage0_stride, L.dw0->weight.value(), bn_of(*L.dw0_bn), s.stage0_act, H);
  if (!residual) b.release(x);
  const int y = b.pointwise(d, int64_t(*H) * *H, L.pw0->weight.value(), bn_of(*L.pw0_bn), false, s.stage0_act);
  b.release(d);
  if (residual) {
    b.add_into(y, x, int64_t(*H) * *H * s.stage0_out);
    b.release(x);
  }
  return y;
}

// Stage 6 + head on slot x ([N, H, H, last stage's out]); returns the logits' slot.
int add_back(InferenceBuilder& b, const SearchSpace& s, const FixedLayers& L, int x, int H) {
  const int64_t S = int64_t(H) * H;
  const int f = b.pointwise(x, S, L.last->weight.value(), bn_of(*L.last_bn), true, s.last_act);
  b.release(x);
  const int p = b.pool(f, S, s.last_conv_out);
  b.release(f);
  const int h = b.linear(p, L.head->weight.value(), L.head->bias.value(), true, s.last_act);
  b.release(p);
  const int y = b.linear(h, L.classifier->weight.value(), L.classifier->bias.value(), false, s.last_act);
  b.release(h);
  return y;
}

}  // namespace

InferenceProgram inference_block(const InvertedResidualWeights& w, int input_size, int stride, Act act, bool residual,
                                 int batch) {
  const int64_t in = w.expand_w.value().dim(1), out = w.project_w.value().dim(0);
  InferenceBuilder b(batch, int64_t(input_size) * input_size * in);
  int Ho = 0;
  const int y = add_block(b, 0, input_size, w, stride, act, residual, &Ho);
  return b.finish(y, int64_t(Ho) * Ho * out);
}

InferenceProgram inference_fixed(const SearchSpace& s, FixedParts& fixed, int batch) {
  const FixedLayers L = fixed_layers(fixed);
  InferenceBuilder b(batch, int64_t(s.image_size) * s.image_size * s.in_channels);
  int H = 0;
  b.release(add_front(b, s, L, &H));
  const int Hf = s.final_size();
  const int x = b.constant_slot(int64_t(Hf) * Hf * s.stages.back().out);
  return b.finish(add_back(b, s, L, x, Hf), s.num_classes);
}

InferenceProgram inference_network(const SearchSpace& s, SubNetwork& net, int batch) {
  const FixedLayers L = fixed_layers(net.fixed());
  InferenceBuilder b(batch, int64_t(s.image_size) * s.image_size * s.in_channels);
  int H = 0;
  int x = add_front(b, s, L, &H);
  for (StaticBlock* blk : net.modules_of_type<StaticBlock>()) {
    int Ho = 0;
    x = add_block(b, x, H, blk->weights(), blk->stride, blk->act, blk->residual, &Ho);
    H = Ho;
  }
  return b.finish(add_back(b, s, L, x, H), s.num_classes);
}

}  // namespace iqnas
