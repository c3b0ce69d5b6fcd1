#include "nn/tensor.h"

#include "kernels/copy.h"
#include "kernels/dispatch.h"
#include "kernels/host_alloc.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>
#include <stdexcept>

namespace iqnas {

std::string shape_str(const Shape& s) {
  std::ostringstream o;
  o << '[';
  for (size_t i = 0; i < s.size(); ++i) o << (i ? ", " : "") << s[i];
  o << ']';
  return o.str();
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

static Shape contiguous_strides(const Shape& s) {
  Shape st(s.size());
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

Storage::Storage(int64_t numel, Device device) : numel_(numel), device_(device) {
  const size_t bytes = static_cast<size_t>(numel > 0 ? numel : 1) * sizeof(float);
  if (device == Device::CPU) {
    data_ = static_cast<float*>(host_alloc(bytes));
  } else {
    data_ = static_cast<float*>(cuda::alloc(bytes));
  }
}

Storage::~Storage() {
  if (device_ == Device::CPU)
    host_free(data_, static_cast<size_t>(numel_ > 0 ? numel_ : 1) * sizeof(float));
  else
    cuda::free(data_);
}

Tensor Tensor::empty(const Shape& shape, Device device) {
  for (int64_t d : shape)
    if (d < 0) throw std::invalid_argument("Tensor::empty: negative size in shape " + shape_str(shape));
  Tensor t;
  t.storage_ = std::make_shared<Storage>(shape_numel(shape), device);
  t.shape_ = shape;
  t.strides_ = contiguous_strides(shape);
  return t;
}

Tensor Tensor::zeros(const Shape& shape, Device device) { return full(shape, 0.0f, device); }

Tensor Tensor::full(const Shape& shape, float value, Device device) {
  Tensor t = empty(shape, device);
  t.fill_(value);
  return t;
}

Tensor Tensor::from_vector(const Shape& shape, const std::vector<float>& values, Device device) {
  if (static_cast<int64_t>(values.size()) != shape_numel(shape))
    throw std::invalid_argument("Tensor::from_vector: " + std::to_string(values.size()) +
                                " values for shape " + shape_str(shape));
  Tensor t = empty(shape, Device::CPU);
  std::memcpy(t.data(), values.data(), values.size() * sizeof(float));
  return device == Device::CPU ? t : t.to(device);
}

int64_t Tensor::dim(int i) const {
  const int n = ndim();
  if (i < -n || i >= n)
    throw std::out_of_range("Tensor::dim(" + std::to_string(i) + ") of shape " + shape_str(shape_));
  return shape_[i < 0 ? i + n : i];
}

bool Tensor::is_contiguous() const { return strides_ == contiguous_strides(shape_); }

Tensor Tensor::slice(int d, int64_t start, int64_t length) const {
  const int n = ndim();
  if (d < 0) d += n;
  if (d < 0 || d >= n || start < 0 || length < 0 || start + length > shape_[d])
    throw std::out_of_range("Tensor::slice(dim " + std::to_string(d) + ", " + std::to_string(start) +
                            ", " + std::to_string(length) + ") of shape " + shape_str(shape_));
  Tensor t = *this;
  t.shape_[d] = length;
  t.offset_ += start * strides_[d];
  return t;
}

Tensor Tensor::reshape(const Shape& shape) const {
  if (!is_contiguous()) throw std::invalid_argument("Tensor::reshape: tensor is not contiguous");
  Shape s = shape;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      if (infer >= 0) throw std::invalid_argument("Tensor::reshape: more than one -1 in " + shape_str(shape));
      infer = static_cast<int64_t>(i);
    } else {
      known *= s[i];
    }
  }
  if (infer >= 0 && known > 0) s[infer] = numel() / known;
  if (shape_numel(s) != numel())
    throw std::invalid_argument("Tensor::reshape: cannot view " + shape_str(shape_) + " as " + shape_str(shape));
  Tensor t = *this;
  t.shape_ = s;
  t.strides_ = contiguous_strides(s);
  return t;
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape_, device());
  t.copy_(*this);
  return t;
}

Tensor Tensor::to(Device d) const {
  if (d == device()) return *this;
  Tensor src = contiguous();
  Tensor t = empty(shape_, d);
  const size_t bytes = static_cast<size_t>(numel()) * sizeof(float);
  if (d == Device::CUDA)
    cuda::copy_h2d(t.data(), src.data(), bytes);
  else
    cuda::copy_d2h(t.data(), src.data(), bytes);
  return t;
}

// The index space of a copy between two views of `shape`: size-1 dims dropped, and neighbouring
// dims merged where both views are contiguous across them, so most slices need one or two dims.
static StridedLayout layout(const Shape& shape, const Shape& ds, const Shape& ss) {
  StridedLayout l;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    const int k = l.ndim - 1;
    if (k >= 0 && l.dst_stride[k] == ds[i] * shape[i] && l.src_stride[k] == ss[i] * shape[i]) {
      l.shape[k] *= shape[i];
      l.dst_stride[k] = ds[i];
      l.src_stride[k] = ss[i];
      continue;
    }
    if (l.ndim == kMaxStridedDims)
      throw std::invalid_argument("Tensor::copy_: views of shape " + shape_str(shape) + " need more than " +
                                  std::to_string(kMaxStridedDims) + " strided dims");
    l.shape[l.ndim] = shape[i];
    l.dst_stride[l.ndim] = ds[i];
    l.src_stride[l.ndim] = ss[i];
    ++l.ndim;
  }
  return l;
}

void Tensor::copy_(const Tensor& src) {
  if (src.shape_ != shape_)
    throw std::invalid_argument("Tensor::copy_: source shape " + shape_str(src.shape_) +
                                " differs from " + shape_str(shape_));
  if (numel() == 0) return;
  if (device() == src.device()) {
    IQNAS_DISPATCH(device(), copy_strided, layout(shape_, strides_, src.strides_), data(), src.data());
    return;
  }
  // Between devices: a contiguous transfer, with strided copies on either side where needed.
  const Tensor s = src.contiguous();
  Tensor d = is_contiguous() ? *this : empty(shape_, device());
  const size_t bytes = static_cast<size_t>(numel()) * sizeof(float);
  if (is_cpu())
    cuda::copy_d2h(d.data(), s.data(), bytes);
  else
    cuda::copy_h2d(d.data(), s.data(), bytes);
  if (!d.same_storage(*this)) copy_(d);
}

void Tensor::fill_(float value) {
  if (numel() == 0) return;
  IQNAS_DISPATCH(device(), fill_strided, layout(shape_, strides_, strides_), data(), value);
}

std::vector<float> Tensor::to_vector() const {
  Tensor c = to(Device::CPU).contiguous();
  return std::vector<float>(c.data(), c.data() + c.numel());
}

float Tensor::item() const {
  if (numel() != 1) throw std::invalid_argument("Tensor::item: tensor of shape " + shape_str(shape_));
  return to_vector()[0];
}

int64_t Tensor::linear_index(std::initializer_list<int64_t> idx) const {
  if (static_cast<int>(idx.size()) != ndim() || !is_cpu())
    throw std::invalid_argument("Tensor::at: " + std::to_string(idx.size()) + " indices for shape " +
                                shape_str(shape_) + (is_cpu() ? "" : " (CUDA tensor)"));
  int64_t off = offset_, i = 0;
  for (int64_t v : idx) {
    if (v < 0 || v >= shape_[i]) throw std::out_of_range("Tensor::at: index out of range of " + shape_str(shape_));
    off += v * strides_[i++];
  }
  return off;
}

float Tensor::at(std::initializer_list<int64_t> idx) const { return storage_->data()[linear_index(idx)]; }
float& Tensor::at(std::initializer_list<int64_t> idx) { return storage_->data()[linear_index(idx)]; }

void check_shape(const char* op, const char* what, const Tensor& t, const Shape& expected) {
  if (t.shape() != expected)
    throw std::invalid_argument(std::string(op) + ": " + what + " has shape " + shape_str(t.shape()) +
                                ", expected " + shape_str(expected));
}

void check_same_device(const char* op, const Tensor& a, const Tensor& b) {
  if (a.device() != b.device())
    throw std::invalid_argument(std::string(op) + ": operands on different devices (" +
                                device_name(a.device()) + " and " + device_name(b.device()) + ")");
}

}  // namespace iqnas
