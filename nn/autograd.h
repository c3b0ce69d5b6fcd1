// Reverse-mode automatic differentiation over a graph of closures.
// A Var holds a tensor value, its gradient and the node that produced it. Each op (nn/ops/) builds
// its result with make_result(), passing a backward closure that maps the output gradient to input
// gradients. backward() visits nodes in reverse topological order, accumulates input gradients, and
// frees the graph as it goes (nodes and non-leaf gradients). Gradients are accumulated out of place,
// so a closure may return the same tensor for several inputs.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "nn/tensor.h"

namespace iqnas {

struct Node;

struct VarImpl {
  Tensor value;
  Tensor grad;
  bool requires_grad = false;
  std::shared_ptr<Node> node;  // null for leaves (parameters, inputs) and after backward
  bool graph_freed = false;    // its node was consumed by a backward pass
};

class Var {
 public:
  Var() = default;
  explicit Var(Tensor value, bool requires_grad = false);

  bool defined() const { return impl_ != nullptr; }
  const Tensor& value() const { return impl_->value; }
  Tensor& value() { return impl_->value; }
  const Tensor& grad() const { return impl_->grad; }
  void set_grad(const Tensor& g) { impl_->grad = g; }
  bool requires_grad() const { return impl_ && impl_->requires_grad; }
  bool is_leaf() const { return !impl_->node; }
  const Shape& shape() const { return impl_->value.shape(); }
  int64_t dim(int i) const { return impl_->value.dim(i); }
  Device device() const { return impl_->value.device(); }
  void zero_grad() { impl_->grad = Tensor(); }

  // Backpropagates from this var: a scalar gets seed 1, any other shape needs an explicit seed.
  void backward() const;
  void backward(const Tensor& seed) const;

  Var detach() const { return Var(impl_->value, false); }
  const std::shared_ptr<VarImpl>& impl() const { return impl_; }

 private:
  std::shared_ptr<VarImpl> impl_;
};

// Maps the output gradient to one gradient per input; an entry may be left undefined when
// needs[i] is false (that input needs no gradient).
using BackwardFn = std::function<std::vector<Tensor>(const Tensor& gy, const std::vector<bool>& needs)>;

struct Node {
  const char* name;
  std::vector<std::shared_ptr<VarImpl>> inputs;
  BackwardFn backward;
};

// True unless a NoGradGuard is alive on this thread.
bool grad_enabled();

class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// The result of an op: attaches a node when gradients are enabled and any input requires one.
// `backward` is only called (and only kept alive) in that case.
Var make_result(Tensor value, const char* name, std::vector<Var> inputs, BackwardFn backward);

}  // namespace iqnas
