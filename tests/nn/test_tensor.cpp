#include <gtest/gtest.h>

#include <cstdint>

#include "nn/tensor.h"

namespace iqnas {
namespace {

Tensor iota(const Shape& s) {
  Tensor t = Tensor::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = static_cast<float>(i);
  return t;
}

TEST(Tensor, StorageIsAlignedAndContiguous) {
  Tensor t = Tensor::zeros({2, 3, 5, 7});
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data()) % 64, 0u);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(t.numel(), 210);
  EXPECT_EQ(t.strides(), (Shape{105, 35, 7, 1}));
  EXPECT_EQ(t.dim(-1), 7);
  EXPECT_EQ(t.device(), Device::CPU);
  EXPECT_THROW(t.dim(4), std::out_of_range);
}

TEST(Tensor, ChannelSliceIsAViewSharingStorage) {
  Tensor t = iota({2, 2, 2, 6});
  Tensor v = t.slice(3, 2, 3);  // channels 2..4 of every pixel
  EXPECT_EQ(v.shape(), (Shape{2, 2, 2, 3}));
  EXPECT_FALSE(v.is_contiguous());
  EXPECT_TRUE(v.same_storage(t));
  EXPECT_EQ(v.at({1, 0, 1, 0}), t.at({1, 0, 1, 2}));
  v.at({0, 1, 1, 2}) = -1.f;  // writes through to the base tensor
  EXPECT_EQ(t.at({0, 1, 1, 4}), -1.f);
  Tensor c = v.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_FALSE(c.same_storage(t));
  const std::vector<float> vals = c.to_vector();
  ASSERT_EQ(vals.size(), 24u);
  EXPECT_EQ(vals[0], 2.f);
  EXPECT_EQ(vals[3], 8.f);  // next pixel, channel 2
}

TEST(Tensor, OuterSliceStaysContiguous) {
  Tensor w = iota({6, 4});  // [Cout, Cin]: the first rows are the channels a smaller expansion uses
  Tensor v = w.slice(0, 0, 3);
  EXPECT_TRUE(v.is_contiguous());
  EXPECT_EQ(v.to_vector().back(), 11.f);
  EXPECT_THROW(w.slice(0, 4, 3), std::out_of_range);
  EXPECT_THROW(w.slice(2, 0, 1), std::out_of_range);
}

TEST(Tensor, ReshapeAndCopy) {
  Tensor t = iota({2, 3, 4});
  Tensor r = t.reshape({6, -1});
  EXPECT_EQ(r.shape(), (Shape{6, 4}));
  EXPECT_TRUE(r.same_storage(t));
  EXPECT_THROW(t.reshape({5, -1}), std::invalid_argument);
  EXPECT_THROW(t.slice(2, 1, 2).reshape({12}), std::invalid_argument);
  Tensor dst = Tensor::zeros({2, 3, 2});
  dst.copy_(t.slice(2, 1, 2));
  EXPECT_EQ(dst.at({1, 2, 1}), t.at({1, 2, 2}));
  EXPECT_THROW(dst.copy_(t), std::invalid_argument);
}

TEST(Tensor, FillCloneItemAndErrors) {
  Tensor t = Tensor::full({3}, 2.5f);
  Tensor c = t.clone();
  c.fill_(1.f);
  EXPECT_EQ(t.to_vector(), (std::vector<float>{2.5f, 2.5f, 2.5f}));
  EXPECT_THROW(t.item(), std::invalid_argument);
  EXPECT_EQ(Tensor::scalar(4.f).item(), 4.f);
  EXPECT_THROW(Tensor::from_vector({2, 2}, {1.f, 2.f}), std::invalid_argument);
  EXPECT_THROW(Tensor::empty({-1}), std::invalid_argument);
}

TEST(Tensor, CudaTensorWithoutDeviceGivesClearError) {
  if (cuda::available()) GTEST_SKIP() << "a CUDA device is present";
  try {
    Tensor::zeros({4}, Device::CUDA);
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("CUDA"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace iqnas
