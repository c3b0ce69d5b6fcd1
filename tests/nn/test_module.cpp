// Module bookkeeping: names are the checkpoint keys, so each must be unique within its module.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>

#include "nn/module.h"

namespace iqnas {
namespace {

struct Registrar : Module {
  void param(const std::string& n) { register_parameter(n, Tensor::zeros({1})); }
  void buffer(const std::string& n) { register_buffer(n, Tensor::zeros({1})); }
  void child(const std::string& n) { register_module(n, std::make_shared<Registrar>()); }
};

TEST(Module, NamesAreUniqueAcrossParametersBuffersAndChildren) {
  Registrar m;
  m.param("w");
  m.buffer("running_mean");
  m.child("block");
  EXPECT_THROW(m.param("w"), std::logic_error);
  EXPECT_THROW(m.buffer("running_mean"), std::logic_error);
  EXPECT_THROW(m.buffer("w"), std::logic_error);
  EXPECT_THROW(m.param("block"), std::logic_error);
  EXPECT_THROW(m.child("running_mean"), std::logic_error);
  EXPECT_THROW(m.buffer(""), std::logic_error);
  // The failed registrations left nothing behind.
  EXPECT_EQ(m.named_parameters().size(), 1u);
  EXPECT_EQ(m.named_buffers().size(), 1u);
}

TEST(Module, DottedNamesOfChildrenAreTheCheckpointKeys) {
  Registrar m;
  m.child("a");
  m.param("b");
  auto* a = static_cast<Registrar*>(m.modules()[1]);
  a->param("w");
  a->buffer("s");
  auto params = m.named_parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].first, "b");
  EXPECT_EQ(params[1].first, "a.w");
  EXPECT_EQ(m.named_buffers()[0].first, "a.s");
}

}  // namespace
}  // namespace iqnas
