// Multiply-accumulate and parameter counts of an architecture, written independently of the supernet
// so the presets' sizes can be checked (and quoted in docs/architecture.md).
#pragma once
#include <cmath>
#include <cstdint>

#include "supernet/arch.h"

namespace iqnas::test {

struct Cost {
  int64_t macs = 0;    // multiply-accumulates of convolutions and FC layers, batch 1
  int64_t params = 0;  // conv/FC weights and biases plus BN scale and shift
};

inline int out_size(int h, int k, int s) { return (h + 2 * (k / 2) - k) / s + 1; }

inline Cost network_cost(const SearchSpace& sp, const Architecture& a) {
  Cost c;
  auto bn = [&](int ch) { c.params += 2 * ch; };
  auto conv = [&](int64_t hw_out, int k, int64_t cin, int64_t cout) {  // full conv, no bias
    c.macs += hw_out * k * k * cin * cout;
    c.params += static_cast<int64_t>(k) * k * cin * cout;
  };
  auto dw = [&](int64_t hw_out, int k, int64_t ch) {
    c.macs += hw_out * k * k * ch;
    c.params += static_cast<int64_t>(k) * k * ch;
  };
  int h = out_size(sp.image_size, sp.stem_kernel, sp.stem_stride);
  conv(int64_t(h) * h, sp.stem_kernel, sp.in_channels, sp.stem_out);
  bn(sp.stem_out);
  int h0 = out_size(h, sp.stage0_kernel, sp.stage0_stride);
  dw(int64_t(h0) * h0, sp.stage0_kernel, sp.stem_out);
  bn(sp.stem_out);
  conv(int64_t(h0) * h0, 1, sp.stem_out, sp.stage0_out);
  bn(sp.stage0_out);
  h = h0;
  int cin = sp.stage0_out;
  for (size_t s = 0; s < sp.stages.size(); ++s) {
    for (int b = 0; b < a.depths[s]; ++b) {
      BlockConfig bc = sp.config(a.blocks[s][b]);
      int stride = b == 0 ? sp.stages[s].stride : 1;
      int ho = out_size(h, bc.kernel, stride);
      int m = bc.expansion * cin;
      if (bc.expansion != 1) {
        conv(int64_t(h) * h, 1, cin, m);
        bn(m);
      }
      dw(int64_t(ho) * ho, bc.kernel, m);
      bn(m);
      if (bc.se) {
        int r = static_cast<int>(std::lround(sp.se_ratio * m));
        c.macs += 2 * int64_t(m) * r;
        c.params += 2 * int64_t(m) * r + r + m;
      }
      conv(int64_t(ho) * ho, 1, m, sp.stages[s].out);
      bn(sp.stages[s].out);
      h = ho;
      cin = sp.stages[s].out;
    }
  }
  conv(int64_t(h) * h, 1, cin, sp.last_conv_out);
  bn(sp.last_conv_out);
  conv(1, 1, sp.last_conv_out, sp.head_out);
  c.params += sp.head_out;  // head bias
  conv(1, 1, sp.head_out, sp.num_classes);
  c.params += sp.num_classes;  // classifier bias
  return c;
}

}  // namespace iqnas::test
