#include <gtest/gtest.h>

#include "nn/detail/autograd_impl.h"  // white-box: the graph nodes
#include "nn/ops.h"

namespace iqnas {
namespace {

Var leaf(std::vector<float> v) {
  return Var(Tensor::from_vector({static_cast<int64_t>(v.size())}, v), true);
}

TEST(Autograd, ChainAndSharedInput) {
  Var x = leaf({1.f, -2.f, 3.f});
  Var y = sum(mul(x, x));  // d/dx sum x^2 = 2x
  y.backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{2.f, -4.f, 6.f}));
  EXPECT_FLOAT_EQ(y.value().item(), 14.f);
}

TEST(Autograd, GradientsAccumulateAcrossBackwardCalls) {
  Var x = leaf({1.f, 2.f});
  sum(scale(x, 3.f)).backward();
  sum(scale(x, 2.f)).backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{5.f, 5.f}));
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, GraphIsFreedAfterBackward) {
  Var x = leaf({1.f, 2.f});
  Var h = mul(x, x);
  Var y = sum(h);
  std::weak_ptr<detail::Node> node = detail::VarAccess::impl(h)->node;
  ASSERT_FALSE(node.expired());
  y.backward();
  EXPECT_TRUE(node.expired());
  EXPECT_FALSE(h.grad().defined());  // non-leaf gradients are not kept
  EXPECT_THROW(y.backward(), std::logic_error);  // a second pass through a freed graph
}

TEST(Autograd, NoGradModeBuildsNoGraph) {
  Var x = leaf({1.f, 2.f});
  {
    NoGradGuard guard;
    EXPECT_FALSE(grad_enabled());
    Var y = mul(x, x);
    EXPECT_FALSE(y.requires_grad());
    EXPECT_TRUE(y.is_leaf());
  }
  EXPECT_TRUE(grad_enabled());
  EXPECT_TRUE(mul(x, x).requires_grad());
}

TEST(Autograd, InputsWithoutGradGetNone) {
  Var x = leaf({1.f, 2.f});
  Var c(Tensor::from_vector({2}, {3.f, 4.f}), false);
  sum(mul(x, c)).backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{3.f, 4.f}));
  EXPECT_FALSE(c.grad().defined());
  Var d = c.detach();
  EXPECT_THROW(sum(d).backward(), std::invalid_argument);
}

TEST(Autograd, NonScalarBackwardNeedsSeed) {
  Var x = leaf({1.f, 2.f});
  Var y = scale(x, 2.f);
  EXPECT_THROW(y.backward(), std::invalid_argument);
  y.backward(Tensor::from_vector({2}, {1.f, 10.f}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{2.f, 20.f}));
}

TEST(Autograd, DeepChainDoesNotOverflowTheStack) {
  Var x = leaf({1.f});
  Var y = x;
  for (int i = 0; i < 20000; ++i) y = scale(y, 1.f);
  sum(y).backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{1.f}));
}

// The hook fires once per pass, when the leaf's gradient is complete: after every use of it has
// added its part (a is used twice, by the op processed last), never for a leaf that the pass does
// not reach.
TEST(Autograd, GradHookFiresOnceWhenTheGradientIsComplete) {
  Var a = leaf({2.f}), b = leaf({3.f}), unused = leaf({1.f});
  std::vector<std::string> fired;
  a.set_grad_hook([&] { fired.push_back("a=" + std::to_string(a.grad().item())); });
  b.set_grad_hook([&] { fired.push_back("b=" + std::to_string(b.grad().item())); });
  unused.set_grad_hook([&] { fired.push_back("unused"); });
  Var y = add(mul(a, a), scale(b, 3.f));  // dy/da = 2a = 4, dy/db = 3
  sum(y).backward();
  ASSERT_EQ(fired.size(), 2u);
  EXPECT_EQ(fired[0], "b=3.000000");  // the add's second input is processed before the mul
  EXPECT_EQ(fired[1], "a=4.000000");  // both uses of a added
  a.set_grad_hook({});
  sum(scale(a, 1.f)).backward();
  EXPECT_EQ(fired.size(), 2u);
}

}  // namespace
}  // namespace iqnas
