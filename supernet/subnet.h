// A standalone network for one architecture, holding only the weights it uses: extracted from
// a supernet (weights copied from its slices), then fine-tuned, evaluated or exported on its own.
#pragma once
#include <memory>
#include <vector>

#include "supernet/network.h"
#include "supernet/supernet.h"

namespace iqnas {

class SubNetwork : public Layer {
 public:
  SubNetwork(const SearchSpace& space, const Architecture& arch, Rng& rng);
  Var forward(const Var& images) override;
  Var forward(const Var& images, std::vector<Var>* features);  // features: as Supernet::forward
  const Architecture& arch() const { return arch_; }
  const SearchSpace& space() const { return space_; }
  FixedParts& fixed() { return *fixed_; }

 private:
  SearchSpace space_;
  Architecture arch_;
  std::shared_ptr<FixedParts> fixed_;
  std::vector<std::vector<std::shared_ptr<StaticModule>>> blocks_;  // through the space's block type
  friend std::unique_ptr<SubNetwork> extract_subnetwork(Supernet& net, const Architecture& arch);
};

// Copies the weights (and BN statistics) that `arch` uses out of the supernet; on its device.
std::unique_ptr<SubNetwork> extract_subnetwork(Supernet& net, const Architecture& arch);

}  // namespace iqnas
