// The inside of the autograd graph, for op implementations (nn/ops/) and white-box tests only; users
// of the library see the Var handle of nn/autograd.h. Not installed.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "nn/autograd.h"

namespace iqnas {

// Maps the output gradient to one gradient per input; an entry may be left undefined when
// needs[i] is false (that input needs no gradient).
using BackwardFn = std::function<std::vector<Tensor>(const Tensor& gy, const std::vector<bool>& needs)>;

namespace detail {

struct Node;

struct VarImpl {
  Tensor value;
  Tensor grad;
  bool requires_grad = false;
  std::shared_ptr<Node> node;  // null for leaves (parameters, inputs) and after backward
  bool graph_freed = false;    // its node was consumed by a backward pass
  std::function<void()> grad_hook;  // leaves: Var::set_grad_hook
};

struct Node {
  const char* name;
  std::vector<std::shared_ptr<VarImpl>> inputs;
  BackwardFn backward;
};

struct VarAccess {
  static const std::shared_ptr<VarImpl>& impl(const Var& v) { return v.impl_; }
};

}  // namespace detail

// The result of an op: attaches a node when gradients are enabled and any input requires one.
// `backward` is only called (and only kept alive) in that case.
Var make_result(Tensor value, const char* name, std::vector<Var> inputs, BackwardFn backward);

}  // namespace iqnas
