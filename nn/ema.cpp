#include "nn/ema.h"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

#include "kernels/dispatch.h"
#include "kernels/optim.h"

namespace iqnas {

ModelEma::ModelEma(Module& m, float decay, bool warmup, bool average_buffers)
    : decay_(decay), warmup_(warmup), average_buffers_(average_buffers) {
  if (!(decay >= 0.f && decay <= 1.f))
    throw std::invalid_argument("ModelEma: decay must lie in [0, 1], got " + std::to_string(decay));
  for (auto& [name, p] : m.named_parameters()) ema_.emplace_back(name, p.value().clone());
  n_params_ = ema_.size();
  for (auto& [name, b] : m.named_buffers()) ema_.emplace_back(name, b->clone());
}

float ModelEma::decay_at(int64_t t) const {
  if (!warmup_) return decay_;
  const double w = (1.0 + static_cast<double>(t)) / (10.0 + static_cast<double>(t));
  return std::min(decay_, static_cast<float>(w));
}

std::vector<Tensor*> ModelEma::targets(Module& m, const char* op) const {
  std::vector<Tensor*> out;
  auto params = m.named_parameters();
  auto bufs = m.named_buffers();
  if (params.size() != n_params_ || params.size() + bufs.size() != ema_.size())
    throw std::invalid_argument(std::string("ModelEma::") + op + ": the module has " +
                                std::to_string(params.size()) + " parameters and " +
                                std::to_string(bufs.size()) + " buffers, the EMA " + std::to_string(n_params_) +
                                " and " + std::to_string(ema_.size() - n_params_));
  for (auto& [name, p] : params) out.push_back(&p.value());  // Var shares its impl with the module
  for (auto& [name, b] : bufs) out.push_back(b);
  for (size_t i = 0; i < out.size(); ++i) {
    const std::string& name = i < n_params_ ? params[i].first : bufs[i - n_params_].first;
    if (name != ema_[i].first)
      throw std::invalid_argument(std::string("ModelEma::") + op + ": module tensor '" + name +
                                  "' where the EMA has '" + ema_[i].first + "'");
    if (out[i]->shape() != ema_[i].second.shape())
      throw std::invalid_argument(std::string("ModelEma::") + op + ": tensor '" + name + "' has shape " +
                                  shape_str(out[i]->shape()) + " in the module but " +
                                  shape_str(ema_[i].second.shape()) + " in the EMA");
  }
  return out;
}

void ModelEma::update(Module& m) {
  std::vector<Tensor*> t = targets(m, "update");
  const float d = decay_at(updates_);
  for (size_t i = 0; i < t.size(); ++i) {
    Tensor& e = ema_[i].second;
    const Tensor& src = *t[i];
    if (e.device() != src.device()) e = e.to(src.device());  // the module moved
    if (i < n_params_ || average_buffers_) {
      const Tensor p = src.contiguous();
      IQNAS_DISPATCH(e.device(), ema_update, d, p.data(), e.data(), e.numel());
    } else {
      e.copy_(src);
    }
  }
  ++updates_;
}

void ModelEma::copy_to(Module& m) const {
  std::vector<Tensor*> t = targets(m, "copy_to");
  for (size_t i = 0; i < t.size(); ++i) t[i]->copy_(ema_[i].second);
}

void ModelEma::apply(Module& m) {
  if (applied()) throw std::logic_error("ModelEma::apply: already applied (call restore first)");
  std::vector<Tensor*> t = targets(m, "apply");
  std::vector<Tensor> saved;
  saved.reserve(t.size());
  for (Tensor* x : t) saved.push_back(x->clone());
  for (size_t i = 0; i < t.size(); ++i) t[i]->copy_(ema_[i].second);
  backup_ = std::move(saved);
}

void ModelEma::restore(Module& m) {
  if (!applied()) throw std::logic_error("ModelEma::restore: apply was not called");
  std::vector<Tensor*> t = targets(m, "restore");
  for (size_t i = 0; i < t.size(); ++i) t[i]->copy_(backup_[i]);
  backup_.clear();
}

void ModelEma::load_state(const NamedTensors& tensors, int64_t updates) {
  if (updates < 0) throw std::invalid_argument("ModelEma::load_state: negative update count");
  if (tensors.size() != ema_.size())
    throw std::invalid_argument("ModelEma::load_state: " + std::to_string(tensors.size()) +
                                " tensors given, the EMA has " + std::to_string(ema_.size()));
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < ema_.size(); ++i) index.emplace(ema_[i].first, i);
  std::vector<size_t> where(tensors.size());
  std::vector<bool> hit(ema_.size(), false);
  for (size_t k = 0; k < tensors.size(); ++k) {
    const auto& [name, t] = tensors[k];
    auto it = index.find(name);
    if (it == index.end())
      throw std::invalid_argument("ModelEma::load_state: unexpected tensor '" + name + "'");
    if (hit[it->second]) throw std::invalid_argument("ModelEma::load_state: tensor '" + name + "' given twice");
    hit[it->second] = true;
    if (!t.defined() || t.shape() != ema_[it->second].second.shape())
      throw std::invalid_argument("ModelEma::load_state: tensor '" + name + "' has shape " +
                                  (t.defined() ? shape_str(t.shape()) : std::string("(undefined)")) +
                                  ", the EMA has " + shape_str(ema_[it->second].second.shape()));
    where[k] = it->second;
  }
  // All given tensors are distinct names and as many as the EMA's: every EMA tensor is covered.
  std::vector<Tensor> fresh(ema_.size());
  for (size_t k = 0; k < tensors.size(); ++k) {
    const Tensor& cur = ema_[where[k]].second;
    fresh[where[k]] = Tensor::empty(cur.shape(), cur.device());
    fresh[where[k]].copy_(tensors[k].second);
  }
  for (size_t i = 0; i < ema_.size(); ++i) ema_[i].second = std::move(fresh[i]);
  updates_ = updates;
}

}  // namespace iqnas
