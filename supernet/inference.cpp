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
#include "supernet/detail/inference_builder.h"

namespace iqnas {


InferenceProgram::InferenceProgram() = default;
InferenceProgram::~InferenceProgram() = default;
InferenceProgram::InferenceProgram(InferenceProgram&&) noexcept = default;
InferenceProgram& InferenceProgram::operator=(InferenceProgram&&) noexcept = default;

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

using inference_detail::bn_of;

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

InferenceProgram inference_block(StaticModule& block, int input_size, int batch) {
  InferenceBuilder b(batch, int64_t(input_size) * input_size * block.in_channels());
  int Ho = 0;
  const int y = block.add_inference(b, 0, input_size, &Ho);
  return b.finish(y, int64_t(Ho) * Ho * block.out_channels());
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
  for (StaticModule* blk : net.modules_of_type<StaticModule>()) {
    int Ho = 0;
    x = blk->add_inference(b, x, H, &Ho);
    H = Ho;
  }
  return b.finish(add_back(b, s, L, x, H), s.num_classes);
}

}  // namespace iqnas
