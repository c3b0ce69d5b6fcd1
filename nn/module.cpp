#include "nn/module.h"

#include <cmath>
#include <stdexcept>

namespace iqnas {

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

std::vector<std::pair<std::string, Var>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Var>> out = params_;
  for (const auto& [name, child] : children_)
    for (auto& [n, p] : child->named_parameters()) out.emplace_back(name + "." + n, p);
  return out;
}

std::vector<Var> Module::parameters() const {
  std::vector<Var> out;
  for (auto& [n, p] : named_parameters()) out.push_back(p);
  return out;
}

std::vector<std::pair<std::string, Tensor*>> Module::named_buffers() {
  std::vector<std::pair<std::string, Tensor*>> out;
  for (auto& [n, b] : buffers_) out.emplace_back(n, b.get());
  for (auto& [name, child] : children_)
    for (auto& [n, b] : child->named_buffers()) out.emplace_back(name + "." + n, b);
  return out;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (auto& [name, p] : named_parameters()) n += p.value().numel();
  return n;
}

std::vector<Module*> Module::modules() {
  std::vector<Module*> out{this};
  for (auto& [name, child] : children_)
    for (Module* m : child->modules()) out.push_back(m);
  return out;
}

void Module::zero_grad() {
  for (auto& [n, p] : named_parameters()) p.zero_grad();
}

void Module::to(Device device) {
  for (auto& [n, p] : named_parameters()) {
    p.value() = p.value().to(device);
    p.zero_grad();
  }
  for (auto& [n, b] : named_buffers()) *b = b->to(device);
}

void Module::claim_name(const std::string& name, const char* kind) const {
  bool taken = false;
  for (auto& [n, p] : params_) taken |= n == name;
  for (auto& [n, b] : buffers_) taken |= n == name;
  for (auto& [n, c] : children_) taken |= n == name;
  if (name.empty()) throw std::logic_error(std::string("Module: a ") + kind + " needs a name");
  if (taken) throw std::logic_error(std::string("Module: ") + kind + " name '" + name + "' is already registered");
}

Var Module::register_parameter(const std::string& name, Tensor value) {
  claim_name(name, "parameter");
  Var v(std::move(value), true);
  params_.emplace_back(name, v);
  return v;
}

Tensor& Module::register_buffer(const std::string& name, Tensor value) {
  claim_name(name, "buffer");
  buffers_.emplace_back(name, std::make_unique<Tensor>(std::move(value)));
  return *buffers_.back().second;
}

Tensor normal(const Shape& shape, float stddev, Rng& rng) {
  Tensor t = Tensor::empty(shape);
  float* p = t.data();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(rng.normal(0.0, stddev));
  return t;
}

Tensor kaiming_normal(const Shape& shape, int64_t fan_out, Rng& rng) {
  return normal(shape, std::sqrt(2.0f / static_cast<float>(fan_out)), rng);
}

Tensor uniform(const Shape& shape, float lo, float hi, Rng& rng) {
  Tensor t = Tensor::empty(shape);
  float* p = t.data();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(rng.uniform(lo, hi));
  return t;
}

void copy_values(Module& from, Module& to) {
  const auto pa = from.named_parameters(), pb = to.named_parameters();
  const auto ba = from.named_buffers(), bb = to.named_buffers();
  if (pa.size() != pb.size() || ba.size() != bb.size())
    throw std::logic_error("copy_values: the modules have different numbers of parameters or buffers");
  for (size_t i = 0; i < pa.size(); ++i) {
    if (pa[i].first != pb[i].first) throw std::logic_error("copy_values: parameter " + pb[i].first + " is not " + pa[i].first);
    Var dst = pb[i].second;
    dst.value().copy_(pa[i].second.value());
  }
  for (size_t i = 0; i < ba.size(); ++i) {
    if (ba[i].first != bb[i].first) throw std::logic_error("copy_values: buffer " + bb[i].first + " is not " + ba[i].first);
    bb[i].second->copy_(*ba[i].second);
  }
}

}  // namespace iqnas
