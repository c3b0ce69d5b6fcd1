#include "nn/autograd.h"

#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "kernels/dispatch.h"
#include "kernels/elementwise.h"
#include "nn/detail/autograd_impl.h"

namespace iqnas {

namespace {
thread_local bool g_grad_enabled = true;

Tensor add_tensors(const Tensor& a, const Tensor& b) {
  check_shape("gradient accumulation", "gradient", b, a.shape());
  Tensor ac = a.contiguous(), bc = b.contiguous();
  Tensor out = Tensor::empty(a.shape(), a.device());
  IQNAS_DISPATCH(a.device(), add, ac.data(), bc.data(), out.data(), a.numel());
  return out;
}
}  // namespace

bool grad_enabled() { return g_grad_enabled; }
NoGradGuard::NoGradGuard() : prev_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = prev_; }

using detail::Node;
using detail::VarImpl;

Var::Var(Tensor value, bool requires_grad) : impl_(std::make_shared<VarImpl>()) {
  impl_->value = std::move(value);
  impl_->requires_grad = requires_grad;
}

const Tensor& Var::value() const { return impl_->value; }
Tensor& Var::value() { return impl_->value; }
const Tensor& Var::grad() const { return impl_->grad; }
void Var::set_grad(const Tensor& g) { impl_->grad = g; }
bool Var::requires_grad() const { return impl_ && impl_->requires_grad; }
bool Var::is_leaf() const { return !impl_->node; }
void Var::zero_grad() { impl_->grad = Tensor(); }
void Var::set_grad_hook(std::function<void()> hook) { impl_->grad_hook = std::move(hook); }

Var make_result(Tensor value, const char* name, std::vector<Var> inputs, BackwardFn backward) {
  Var out(std::move(value), false);
  if (!g_grad_enabled) return out;
  bool any = false;
  for (const Var& v : inputs) any = any || v.requires_grad();
  if (!any) return out;
  auto node = std::make_shared<Node>();
  node->name = name;
  node->inputs.reserve(inputs.size());
  for (const Var& v : inputs) node->inputs.push_back(detail::VarAccess::impl(v));
  node->backward = std::move(backward);
  const std::shared_ptr<VarImpl>& o = detail::VarAccess::impl(out);
  o->requires_grad = true;
  o->node = std::move(node);
  return out;
}

void Var::backward() const {
  if (impl_->value.numel() != 1)
    throw std::invalid_argument("backward: output of shape " + shape_str(shape()) +
                                " is not a scalar; pass a seed gradient");
  backward(Tensor::full(shape(), 1.0f, device()));
}

void Var::backward(const Tensor& seed) const {
  if (!impl_->requires_grad)
    throw std::invalid_argument("backward: this value does not depend on anything that requires a gradient");
  check_shape("backward", "seed", seed, shape());
  check_same_device("backward (seed)", seed, impl_->value);
  if (impl_->graph_freed)
    throw std::logic_error("backward: the graph of this value was already freed by an earlier backward pass");

  // Reverse topological order by iterative depth-first search (graphs can be thousands deep).
  // `order` holds references so that freeing a node cannot destroy an input still to be visited.
  std::vector<std::shared_ptr<VarImpl>> order;
  std::unordered_set<VarImpl*> seen;
  std::vector<std::pair<std::shared_ptr<VarImpl>, size_t>> stack{{impl_, 0}};
  seen.insert(impl_.get());
  while (!stack.empty()) {
    auto& [v, next] = stack.back();
    if (v->node && next < v->node->inputs.size()) {
      const std::shared_ptr<VarImpl> in = v->node->inputs[next++];
      if (in->node && seen.insert(in.get()).second) stack.push_back({in, 0});
      continue;
    }
    order.push_back(std::move(v));
    stack.pop_back();
  }

  // Leaves with a hook: how many uses of each are still to be processed; the hook fires at zero.
  std::unordered_map<VarImpl*, size_t> pending;
  for (const auto& v : order)
    if (v->node)
      for (const auto& in : v->node->inputs)
        if (!in->node && in->grad_hook) ++pending[in.get()];
  auto used = [&](const Node& node) {
    if (pending.empty()) return;
    for (const auto& in : node.inputs)
      if (auto it = pending.find(in.get()); it != pending.end() && --it->second == 0) in->grad_hook();
  };

  impl_->grad = impl_->grad.defined() ? add_tensors(impl_->grad, seed) : seed;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    VarImpl* v = it->get();
    std::shared_ptr<Node> node = std::move(v->node);  // frees this part of the graph when done
    v->node = nullptr;
    if (!node) continue;
    v->graph_freed = true;
    if (!v->grad.defined()) {
      used(*node);
      continue;
    }
    std::vector<bool> needs;
    for (const auto& in : node->inputs) needs.push_back(in->requires_grad);
    std::vector<Tensor> grads = node->backward(v->grad, needs);
    if (grads.size() != node->inputs.size())
      throw std::logic_error(std::string("backward of ") + node->name + " returned the wrong number of gradients");
    v->grad = Tensor();  // a non-leaf gradient is not kept
    for (size_t i = 0; i < grads.size(); ++i) {
      if (!needs[i] || !grads[i].defined()) continue;
      VarImpl* in = node->inputs[i].get();
      check_shape(node->name, "input gradient", grads[i], in->value.shape());
      in->grad = in->grad.defined() ? add_tensors(in->grad, grads[i]) : grads[i];
    }
    used(*node);
  }
}

}  // namespace iqnas
