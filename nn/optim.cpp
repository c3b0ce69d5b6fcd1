#include "nn/optim.h"

#include <cmath>
#include <stdexcept>
#include <unordered_set>

#include "kernels/dispatch.h"
#include "kernels/optim.h"

namespace iqnas {

namespace {
void check_hyper(const char* what, float v) {
  if (!std::isfinite(v) || v < 0.f)
    throw std::invalid_argument(std::string("SGD: ") + what + " must be finite and >= 0, got " +
                                std::to_string(v));
}
}  // namespace

SGD::SGD(NamedParams params, SgdOptions options) : params_(std::move(params)), opt_(std::move(options)) {
  check_hyper("lr", opt_.lr);
  check_hyper("momentum", opt_.momentum);
  check_hyper("weight_decay", opt_.weight_decay);
  if (opt_.nesterov && opt_.momentum == 0.f)
    throw std::invalid_argument("SGD: Nesterov momentum requires momentum > 0");
  std::unordered_set<std::string> seen;
  slots_.resize(params_.size());
  for (size_t i = 0; i < params_.size(); ++i) {
    const auto& [name, p] = params_[i];
    if (!p.defined() || !p.value().defined())
      throw std::invalid_argument("SGD: parameter '" + name + "' is undefined");
    if (!seen.insert(name).second) throw std::invalid_argument("SGD: parameter '" + name + "' given twice");
    bool excluded = opt_.no_decay_1d && p.value().ndim() <= 1;
    if (opt_.no_decay && opt_.no_decay(name, p)) excluded = true;
    slots_[i].decay = !excluded;
  }
}

void SGD::set_lr(float lr) {
  check_hyper("lr", lr);
  opt_.lr = lr;
}

bool SGD::decays(const std::string& name) const {
  const int i = index_of(name);
  if (i < 0) throw std::invalid_argument("SGD: no parameter named '" + name + "'");
  return slots_[i].decay;
}

int SGD::index_of(const std::string& name) const {
  for (size_t i = 0; i < params_.size(); ++i)
    if (params_[i].first == name) return static_cast<int>(i);
  return -1;
}

void SGD::step() {
  for (size_t i = 0; i < params_.size(); ++i) {
    const std::string& name = params_[i].first;
    Var& p = params_[i].second;
    const Tensor& g0 = p.grad();
    if (!g0.defined()) continue;
    Tensor& w = p.value();
    if (g0.shape() != w.shape())
      throw std::invalid_argument("SGD: gradient of '" + name + "' has shape " + shape_str(g0.shape()) +
                                  ", parameter has " + shape_str(w.shape()));
    if (g0.device() != w.device())
      throw std::invalid_argument("SGD: gradient of '" + name + "' is on " + device_name(g0.device()) +
                                  ", parameter on " + device_name(w.device()));
    if (!w.is_contiguous())
      throw std::invalid_argument("SGD: parameter '" + name + "' is a non-contiguous view");
    const Tensor g = g0.contiguous();
    Slot& s = slots_[i];
    SgdArgs a;
    a.lr = opt_.lr;
    a.momentum = opt_.momentum;
    a.weight_decay = s.decay ? opt_.weight_decay : 0.f;
    a.nesterov = opt_.nesterov;
    float* buf = nullptr;
    if (opt_.momentum != 0.f) {
      if (s.buf.defined() && s.buf.device() != w.device()) s.buf = s.buf.to(w.device());  // module moved
      a.first_step = !s.buf.defined();
      if (a.first_step) s.buf = Tensor::empty(w.shape(), w.device());
      buf = s.buf.data();
    }
    IQNAS_DISPATCH(w.device(), sgd_step, a, w.data(), g.data(), buf, w.numel());
  }
  ++steps_;
}

void SGD::zero_grad() {
  for (auto& [name, p] : params_) p.zero_grad();
}

SgdState SGD::state() const {
  SgdState s;
  s.steps = steps_;
  for (size_t i = 0; i < params_.size(); ++i)
    if (slots_[i].buf.defined()) s.momentum.emplace_back(params_[i].first, slots_[i].buf.clone());
  return s;
}

void SGD::load_state(const SgdState& s) {
  if (s.steps < 0) throw std::invalid_argument("SGD::load_state: negative step count");
  std::vector<int> idx;
  std::unordered_set<std::string> seen;
  for (const auto& [name, t] : s.momentum) {
    const int i = index_of(name);
    if (i < 0)
      throw std::invalid_argument("SGD::load_state: momentum buffer '" + name + "' matches no parameter");
    if (!seen.insert(name).second)
      throw std::invalid_argument("SGD::load_state: momentum buffer '" + name + "' given twice");
    if (!t.defined() || t.shape() != params_[i].second.shape())
      throw std::invalid_argument("SGD::load_state: momentum buffer '" + name + "' has shape " +
                                  (t.defined() ? shape_str(t.shape()) : std::string("(undefined)")) +
                                  ", parameter has " + shape_str(params_[i].second.shape()));
    if (opt_.momentum == 0.f)
      throw std::invalid_argument("SGD::load_state: momentum buffer '" + name +
                                  "' given to an optimiser without momentum");
    idx.push_back(i);
  }
  // Build the new buffers first so that an allocation failure leaves the state untouched.
  std::vector<Tensor> bufs;
  for (size_t k = 0; k < idx.size(); ++k) {
    const Tensor& w = params_[idx[k]].second.value();
    Tensor b = Tensor::empty(w.shape(), w.device());
    b.copy_(s.momentum[k].second);
    bufs.push_back(std::move(b));
  }
  for (auto& slot : slots_) slot.buf = Tensor();
  for (size_t k = 0; k < idx.size(); ++k) slots_[idx[k]].buf = std::move(bufs[k]);
  steps_ = s.steps;
}

}  // namespace iqnas
