#include "supernet/channel_order.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace iqnas {

void add_taylor_importance(const Var& w, int dim, std::vector<double>& acc) {
  if (!w.grad().defined()) return;
  const Tensor v = w.value().to(Device::CPU).contiguous(), g = w.grad().to(Device::CPU).contiguous();
  int64_t inner = 1, outer = 1;
  for (int d = dim + 1; d < static_cast<int>(v.shape().size()); ++d) inner *= v.dim(d);
  for (int d = 0; d < dim; ++d) outer *= v.dim(d);
  const int64_t n = v.dim(dim);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < inner; ++k) {
        const int64_t at = (o * n + i) * inner + k;
        acc[static_cast<size_t>(i)] += std::fabs(static_cast<double>(v.data()[at]) * g.data()[at]);
      }
}

void permute_dim(Tensor& t, int dim, const std::vector<int>& order) {
  const Tensor v = t.to(Device::CPU).contiguous();
  Tensor out = Tensor::empty(v.shape());
  int64_t inner = 1, outer = 1;
  for (int d = dim + 1; d < static_cast<int>(v.shape().size()); ++d) inner *= v.dim(d);
  for (int d = 0; d < dim; ++d) outer *= v.dim(d);
  const int64_t n = v.dim(dim);
  if (static_cast<int64_t>(order.size()) != n) throw std::invalid_argument("permute_dim: wrong permutation length");
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < n; ++i)
      std::copy_n(v.data() + (o * n + order[static_cast<size_t>(i)]) * inner, inner, out.data() + (o * n + i) * inner);
  t.copy_(out);
}

void permute_bn(BatchNorm& bn, const std::vector<int>& order) {
  permute_dim(bn.gamma.value(), 0, order), permute_dim(bn.beta.value(), 0, order);
  permute_dim(bn.running_mean, 0, order), permute_dim(bn.running_var, 0, order);
}

void check_permutation(const std::vector<int>& p, size_t n, const char* what) {
  std::vector<int> s(p);
  std::sort(s.begin(), s.end());
  bool ok = s.size() == n;
  for (size_t i = 0; ok && i < s.size(); ++i) ok = s[i] == static_cast<int>(i);
  if (!ok) throw std::invalid_argument(std::string("permute_block: ") + what + " is not a permutation of " + std::to_string(n));
}

}  // namespace iqnas
