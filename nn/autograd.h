// Reverse-mode automatic differentiation over a graph of closures.
// A Var holds a tensor value, its gradient and the node that produced it. Each op (nn/ops/) builds
// its result with make_result() (nn/detail/autograd_impl.h), passing a backward closure that maps the
// output gradient to input gradients. backward() visits nodes in reverse topological order, accumulates input gradients, and
// frees the graph as it goes (nodes and non-leaf gradients). Gradients are accumulated out of place,
// so a closure may return the same tensor for several inputs.
#pragma once
#include <functional>
#include <memory>

#include "nn/tensor.h"

namespace iqnas {

namespace detail {
struct VarImpl;    // nn/detail/autograd_impl.h: for op implementations only
struct VarAccess;
}  // namespace detail

// A handle to a value in the graph: copies share the value, its gradient and its history.
class Var {
 public:
  Var() = default;
  explicit Var(Tensor value, bool requires_grad = false);

  bool defined() const { return impl_ != nullptr; }
  const Tensor& value() const;
  Tensor& value();
  const Tensor& grad() const;
  void set_grad(const Tensor& g);
  bool requires_grad() const;
  bool is_leaf() const;  // no recorded history: a parameter, an input, or after backward()
  const Shape& shape() const { return value().shape(); }
  int64_t dim(int i) const { return value().dim(i); }
  Device device() const { return value().device(); }
  void zero_grad();
  // Called by backward() as soon as this leaf's gradient is complete for the pass (every op of the
  // graph that uses it has added its part); not called when the pass does not reach it. The
  // data-parallel trainer starts a gradient all-reduce from it (nn/train/data_parallel.h). An
  // empty function removes the hook.
  void set_grad_hook(std::function<void()> hook);

  // Backpropagates from this var: a scalar gets seed 1, any other shape needs an explicit seed.
  void backward() const;
  void backward(const Tensor& seed) const;

  Var detach() const { return Var(value(), false); }

 private:
  friend struct detail::VarAccess;
  std::shared_ptr<detail::VarImpl> impl_;
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

}  // namespace iqnas
