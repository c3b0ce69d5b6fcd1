// Tensor: float32, a cheap value type over shared storage (shape + strides + offset + device).
// Activations are NHWC. `slice` makes views that share storage (the supernet slices channels).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kernels/device.h"

namespace iqnas {

using Shape = std::vector<int64_t>;

std::string shape_str(const Shape& s);
int64_t shape_numel(const Shape& s);

// Owns one allocation: 64-byte-aligned host memory or memory from the CUDA caching allocator.
class Storage {
 public:
  Storage(int64_t numel, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  float* data() const { return data_; }
  int64_t numel() const { return numel_; }
  Device device() const { return device_; }

 private:
  float* data_ = nullptr;
  int64_t numel_ = 0;
  Device device_;
};

class Tensor {
 public:
  Tensor() = default;

  static Tensor empty(const Shape& shape, Device device = Device::CPU);
  static Tensor zeros(const Shape& shape, Device device = Device::CPU);
  static Tensor full(const Shape& shape, float value, Device device = Device::CPU);
  static Tensor from_vector(const Shape& shape, const std::vector<float>& values,
                            Device device = Device::CPU);
  static Tensor scalar(float value, Device device = Device::CPU) { return full({}, value, device); }

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  const Shape& strides() const { return strides_; }
  int ndim() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const;  // negative i counts from the end
  int64_t numel() const { return shape_numel(shape_); }
  Device device() const { return storage_ ? storage_->device() : Device::CPU; }
  bool is_cpu() const { return device() == Device::CPU; }
  bool is_contiguous() const;
  bool same_storage(const Tensor& o) const { return storage_ == o.storage_; }

  // Pointer to element 0 of this view. Contiguity is the caller's business (see contiguous()).
  float* data() const { return storage_->data() + offset_; }

  // Views sharing storage.
  Tensor slice(int dim, int64_t start, int64_t length) const;
  Tensor reshape(const Shape& shape) const;  // requires a contiguous tensor; one dim may be -1

  // Copies.
  Tensor contiguous() const;  // this, when already contiguous
  Tensor clone() const;
  Tensor to(Device device) const;
  void copy_(const Tensor& src);  // same shape; any strides, any devices
  void fill_(float value);
  void zero_() { fill_(0.0f); }

  std::vector<float> to_vector() const;
  float item() const;                                // one-element tensor
  float at(std::initializer_list<int64_t> idx) const;  // CPU, for tests and small reads
  float& at(std::initializer_list<int64_t> idx);

 private:
  std::shared_ptr<Storage> storage_;
  Shape shape_, strides_;
  int64_t offset_ = 0;
  int64_t linear_index(std::initializer_list<int64_t> idx) const;
};

// Tensors with names: checkpoint contents, optimiser and EMA state.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Throws std::invalid_argument "<op>: <what> has shape [..], expected [..]" when shapes differ.
void check_shape(const char* op, const char* what, const Tensor& t, const Shape& expected);
void check_same_device(const char* op, const Tensor& a, const Tensor& b);

}  // namespace iqnas
