// The BN-folded inference path computes what the training path computes in eval mode.
#include <gtest/gtest.h>

#include <cmath>

#include "nn/ops.h"
#include "supernet/inference.h"
#include "supernet/static_block.h"
#include "supernet/sampler.h"

namespace iqnas {
namespace {

// Non-trivial BN parameters and statistics, so that folding is really exercised.
void randomise_bn(Module& m, Rng& rng) {
  for (auto* bn : m.modules_of_type<BatchNorm>()) {
    bn->running_var.copy_(uniform(bn->running_var.shape(), 0.5f, 1.5f, rng));
    for (Tensor* t : {&bn->running_mean, &bn->beta.value()}) t->copy_(uniform(t->shape(), -0.3f, 0.3f, rng));
    bn->gamma.value().copy_(uniform(bn->gamma.value().shape(), 0.5f, 1.5f, rng));
  }
  for (auto* l : m.modules_of_type<Linear>())  // non-zero biases
    if (l->bias.defined()) l->bias.value().copy_(uniform(l->bias.value().shape(), -0.3f, 0.3f, rng));
}

Tensor random_images(const Shape& shape, Rng& rng) { return uniform(shape, -1.f, 1.f, rng); }

void expect_close(const std::vector<float>& want, const float* got, double rel) {
  double scale = 0;
  for (float w : want) scale = std::max(scale, double(std::fabs(w)));
  ASSERT_GT(scale, 0.0);
  for (size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(got[i], want[i], rel * scale) << "element " << i;
}

class InferenceMatches : public ::testing::TestWithParam<std::string> {};

TEST_P(InferenceMatches, LogitsEqualTrainingPathInEvalMode) {
  const SearchSpace s = find_space(GetParam());
  Rng rng(3);
  NoGradGuard no_grad;
  for (int trial = 0; trial < 3; ++trial) {
    const Architecture a = trial == 0 ? heaviest_arch(s) : random_arch(s, rng);
    SubNetwork net(s, a, rng);
    randomise_bn(net, rng);
    net.eval();
    const int batch = 2;
    Tensor images = random_images({batch, s.image_size, s.image_size, s.in_channels}, rng);
    const std::vector<float> want = net.forward(Var(images)).value().to_vector();
    InferenceProgram p = inference_network(s, net, batch);
    ASSERT_EQ(p.output_floats(), s.num_classes);
    expect_close(want, p.run(images.data()), 2e-4);
    // A second run on the same buffers gives the same logits (no state carried over).
    expect_close(want, p.run(images.data()), 2e-4);
  }
}

INSTANTIATE_TEST_SUITE_P(Spaces, InferenceMatches, ::testing::Values("tiny", "cifar"));

TEST(Inference, OneBlockEqualsStaticBlock) {
  const SearchSpace s = find_space("cifar");
  Rng rng(5);
  NoGradGuard no_grad;
  for (int c : {0, s.num_configs() - 1}) {
    for (auto [in, out, stride, size] : {std::tuple{24, 24, 1, 8}, std::tuple{24, 40, 2, 9}}) {
      StaticBlock b(s, in, out, stride, Act::HSwish, s.config(c), rng);
      randomise_bn(b, rng);
      b.eval();
      Tensor x = random_images({3, size, size, in}, rng);
      const std::vector<float> want = b.forward(Var(x)).value().to_vector();
      InferenceProgram p = inference_block(b, size, 3);
      ASSERT_EQ(size_t(p.output_floats() * 3), want.size());
      expect_close(want, p.run(x.data()), 1e-4);
    }
  }
}

TEST(Inference, FixedPartsAreTheNetworkWithoutBlocks) {
  // The fixed program's MACs plus each block program's MACs add up to the network's.
  const SearchSpace s = find_space("tiny");
  Rng rng(1);
  NoGradGuard no_grad;
  SubNetwork net(s, heaviest_arch(s), rng);
  net.eval();
  int64_t sum = inference_fixed(s, net.fixed(), 1).macs();
  int size = s.stage_input_size(0);
  for (StaticBlock* b : net.modules_of_type<StaticBlock>()) {
    InferenceProgram p = inference_block(*b, size, 1);
    sum += p.macs();
    size = (size - 1) / b->stride + 1;
  }
  EXPECT_EQ(sum, inference_network(s, net, 1).macs());
}

}  // namespace
}  // namespace iqnas
