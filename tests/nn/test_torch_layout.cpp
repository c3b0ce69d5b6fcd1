// PyTorch layouts of a module's state (nn/torch_layout.h): names kept, convolution weights
// permuted to [Cout, Cin/groups, K, K], everything else copied as it is.
#include <gtest/gtest.h>

#include <map>

#include "nn/layers.h"
#include "nn/torch_layout.h"

namespace iqnas {
namespace {

void fill_iota(Tensor& t) {
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = static_cast<float>(i);
}

struct Net : Module {
  Net() {
    Rng rng(1);
    conv = register_module("conv", std::make_shared<Conv2d>(2, 3, 3, 1, 1, rng));
    dw = register_module("dw", std::make_shared<DepthwiseConv>(4, 5, 1, rng));
    pw = register_module("pw", std::make_shared<PointwiseConv>(2, 3, rng));
    bn = register_module("bn", std::make_shared<BatchNorm>(3));
    fc = register_module("fc", std::make_shared<Linear>(2, 3, true, rng));
    for (auto& [name, p] : named_parameters()) fill_iota(p.value());
    for (auto& [name, b] : named_buffers()) fill_iota(*b);
  }
  std::shared_ptr<Conv2d> conv;
  std::shared_ptr<DepthwiseConv> dw;
  std::shared_ptr<PointwiseConv> pw;
  std::shared_ptr<BatchNorm> bn;
  std::shared_ptr<Linear> fc;
};

TEST(TorchLayout, NamesKeptConvolutionsPermuted) {
  Net net;
  std::map<std::string, Tensor> sd;
  std::vector<std::string> names;
  for (auto& [name, t] : torch_state_dict(net)) sd[name] = t, names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"conv.weight", "dw.weight", "pw.weight", "bn.weight", "bn.bias", "fc.weight",
                                             "fc.bias", "bn.running_mean", "bn.running_var"}));
  // Conv2d: ours [O, K, K, I], torch [O, I, K, K].
  const Tensor& c = sd["conv.weight"];
  ASSERT_EQ(c.shape(), (Shape{3, 2, 3, 3}));
  for (int64_t o = 0; o < 3; ++o)
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t y = 0; y < 3; ++y)
        for (int64_t x = 0; x < 3; ++x) EXPECT_EQ(c.at({o, i, y, x}), net.conv->weight.value().at({o, y, x, i}));
  // Depthwise: ours [K, K, C], torch [C, 1, K, K].
  const Tensor& d = sd["dw.weight"];
  ASSERT_EQ(d.shape(), (Shape{4, 1, 5, 5}));
  for (int64_t ch = 0; ch < 4; ++ch)
    for (int64_t y = 0; y < 5; ++y)
      for (int64_t x = 0; x < 5; ++x) EXPECT_EQ(d.at({ch, 0, y, x}), net.dw->weight.value().at({y, x, ch}));
  // Pointwise: [O, I] -> [O, I, 1, 1], same order.
  ASSERT_EQ(sd["pw.weight"].shape(), (Shape{3, 2, 1, 1}));
  EXPECT_EQ(sd["pw.weight"].to_vector(), net.pw->weight.value().to_vector());
  // Linear and BN as they are, as copies.
  EXPECT_EQ(sd["fc.weight"].shape(), (Shape{3, 2}));
  EXPECT_EQ(sd["fc.weight"].to_vector(), net.fc->weight.value().to_vector());
  EXPECT_EQ(sd["bn.running_var"].to_vector(), net.bn->running_var.to_vector());
  EXPECT_FALSE(sd["fc.weight"].same_storage(net.fc->weight.value()));
}

TEST(TorchLayout, NhwcToNchw) {
  Tensor x = Tensor::empty({2, 3, 4, 5});
  fill_iota(x);
  const Tensor y = nhwc_to_nchw(x);
  ASSERT_EQ(y.shape(), (Shape{2, 5, 3, 4}));
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 5; ++c)
      for (int64_t h = 0; h < 3; ++h)
        for (int64_t w = 0; w < 4; ++w) EXPECT_EQ(y.at({n, c, h, w}), x.at({n, h, w, c}));
  EXPECT_THROW(nhwc_to_nchw(Tensor::zeros({2, 3})), std::invalid_argument);
}

}  // namespace
}  // namespace iqnas
