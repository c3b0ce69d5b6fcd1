// Modules own named parameters (Vars that require gradients) and buffers (plain tensors such as
// BN running statistics), have train/eval modes and compose. The dotted names of
// named_parameters()/named_buffers() are the checkpoint keys and what the optimiser iterates.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nn/autograd.h"
#include "util/rng.h"

namespace iqnas {

using util::Rng;  // initialisers, dropout and path sampling draw from the portable generator

class Module {
 public:
  virtual ~Module() = default;

  void train(bool on = true);
  void eval() { train(false); }
  bool training() const { return training_; }

  std::vector<std::pair<std::string, Var>> named_parameters() const;
  std::vector<Var> parameters() const;
  std::vector<std::pair<std::string, Tensor*>> named_buffers();
  int64_t num_parameters() const;
  std::vector<Module*> modules();  // this module and all its descendants, depth first
  template <typename M>
  std::vector<M*> modules_of_type() {
    std::vector<M*> out;
    for (Module* m : modules())
      if (auto* t = dynamic_cast<M*>(m)) out.push_back(t);
    return out;
  }
  void zero_grad();
  void to(Device device);  // moves parameters and buffers (gradients are dropped)

 protected:
  Var register_parameter(const std::string& name, Tensor value);
  Tensor& register_buffer(const std::string& name, Tensor value);
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    claim_name(name, "module");
    children_.emplace_back(name, m);
    return m;
  }

 private:
  // Parameters, buffers and children share one namespace (the checkpoint keys): a name used twice
  // is a programming error, reported with std::logic_error.
  void claim_name(const std::string& name, const char* kind) const;

  bool training_ = true;
  std::vector<std::pair<std::string, Var>> params_;
  std::vector<std::pair<std::string, std::unique_ptr<Tensor>>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

// A module with one input and one output.
class Layer : public Module {
 public:
  virtual Var forward(const Var& x) = 0;
};

// Gives `to` the values of the parameters and buffers of `from`, which has the same architecture
// (std::logic_error naming the first difference otherwise): a copy of a module for another thread.
void copy_values(Module& from, Module& to);

// Parameter initialisers (deterministic given the generator).
Tensor kaiming_normal(const Shape& shape, int64_t fan_out, Rng& rng);  // std = sqrt(2 / fan_out)
Tensor normal(const Shape& shape, float stddev, Rng& rng);
Tensor uniform(const Shape& shape, float lo, float hi, Rng& rng);

}  // namespace iqnas
