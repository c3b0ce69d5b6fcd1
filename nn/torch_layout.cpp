#include "nn/torch_layout.h"

#include <map>
#include <stdexcept>

#include "nn/layers.h"

namespace iqnas {
namespace {

// The 4-D tensor t, read with shape in_shape, with its dimensions reordered: dimension i of the
// result is dimension p[i] of the input (as torch.permute).
Tensor permute4(const Tensor& t, const Shape& in_shape, const int p[4]) {
  const std::vector<float> in = t.to(Device::CPU).contiguous().to_vector();
  Shape out_shape(4);
  for (int i = 0; i < 4; ++i) out_shape[i] = in_shape[p[i]];
  int64_t in_stride[4];
  in_stride[3] = 1;
  for (int i = 2; i >= 0; --i) in_stride[i] = in_stride[i + 1] * in_shape[i + 1];
  std::vector<float> out(in.size());
  size_t o = 0;
  for (int64_t a = 0; a < out_shape[0]; ++a)
    for (int64_t b = 0; b < out_shape[1]; ++b)
      for (int64_t c = 0; c < out_shape[2]; ++c)
        for (int64_t d = 0; d < out_shape[3]; ++d)
          out[o++] = in[a * in_stride[p[0]] + b * in_stride[p[1]] + c * in_stride[p[2]] + d * in_stride[p[3]]];
  return Tensor::from_vector(out_shape, out);
}

enum class Kind { Conv, Depthwise, Pointwise };

Tensor to_torch(const Tensor& w, Kind k) {
  const Shape& s = w.shape();
  switch (k) {
    case Kind::Conv: {  // [O, K, K, I] -> [O, I, K, K]
      static const int p[4] = {0, 3, 1, 2};
      return permute4(w, s, p);
    }
    case Kind::Depthwise: {  // [K, K, C] as [1, K, K, C] -> [C, 1, K, K]
      static const int p[4] = {3, 0, 1, 2};
      return permute4(w, {1, s[0], s[1], s[2]}, p);
    }
    case Kind::Pointwise:
      return w.to(Device::CPU).contiguous().clone().reshape({s[0], s[1], 1, 1});
  }
  throw std::logic_error("to_torch: unknown layer kind");
}

}  // namespace

NamedTensors torch_state_dict(Module& m) {
  // The layer that owns each convolution weight, found by identity (names carry no types): copies
  // of a Var share one value tensor, so its address identifies the parameter.
  std::map<const Tensor*, Kind> kinds;
  for (auto* c : m.modules_of_type<Conv2d>()) kinds[&c->weight.value()] = Kind::Conv;
  for (auto* c : m.modules_of_type<DepthwiseConv>()) kinds[&c->weight.value()] = Kind::Depthwise;
  for (auto* c : m.modules_of_type<PointwiseConv>()) kinds[&c->weight.value()] = Kind::Pointwise;
  NamedTensors out;
  for (auto& [name, p] : m.named_parameters()) {
    const auto it = kinds.find(&p.value());
    out.emplace_back(name, it == kinds.end() ? p.value().to(Device::CPU).contiguous().clone() : to_torch(p.value(), it->second));
  }
  for (auto& [name, b] : m.named_buffers()) out.emplace_back(name, b->to(Device::CPU).contiguous().clone());
  return out;
}

Tensor nhwc_to_nchw(const Tensor& x) {
  if (x.ndim() != 4) throw std::invalid_argument("nhwc_to_nchw: expected a 4-D tensor, got shape " + shape_str(x.shape()));
  static const int p[4] = {0, 3, 1, 2};
  return permute4(x, x.shape(), p);
}

}  // namespace iqnas
