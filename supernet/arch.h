// An architecture of a search space: a depth per searched stage and a configuration per active
// block. JSON form, one-hot (alpha, beta) encoding of METHOD.md section 4, and timm-style arch_def
// strings so that PyTorch users can rebuild the network.
#pragma once
#include <string>
#include <vector>

#include "supernet/space.h"

namespace iqnas {

struct Architecture {
  std::vector<int> depths;               // per searched stage
  std::vector<std::vector<int>> blocks;  // per stage, the configuration index of each ACTIVE block
  bool operator==(const Architecture& o) const { return depths == o.depths && blocks == o.blocks; }
};

// Throws std::invalid_argument naming the stage/block when the architecture does not fit the space.
void validate_arch(const SearchSpace& s, const Architecture& a);
Architecture heaviest_arch(const SearchSpace& s);  // max depth, max expansion, max kernel, SE on
Architecture smallest_arch(const SearchSpace& s);  // min depth, min expansion, min kernel, SE off

// JSON: {"space": "cifar", "stages": [{"depth": 3, "blocks": ["e6_k5_se1", "e3_k3_se0", "e4_k5_se1"]}, ...]}
std::string arch_to_json(const SearchSpace& s, const Architecture& a);
Architecture arch_from_json(const SearchSpace& s, const std::string& json_text, const std::string& source);
Architecture load_arch(const SearchSpace& s, const std::string& path);

// One-hot encoding. alpha: stages x max_depth blocks x num_configs (blocks beyond the depth take
// configuration 0, and decoding ignores them); beta: stages x |depths|. Concatenated [alpha, beta]
// is the variable order of the IQP (docs/architecture.md).
struct OneHot {
  std::vector<float> alpha, beta;
};
OneHot encode_onehot(const SearchSpace& s, const Architecture& a);
Architecture decode_onehot(const SearchSpace& s, const OneHot& v);  // throws when not one-hot

// timm `arch_def` for the whole network: one list of block strings per stage, e.g.
// [["ds_r1_k3_s1_e1_c16_nre"], ["ir_r1_k5_s2_e6_c24_nre_se0.25", ...], ..., ["cn_r1_k1_s1_c960"]].
std::vector<std::vector<std::string>> timm_arch_def(const SearchSpace& s, const Architecture& a);
std::string timm_arch_def_python(const SearchSpace& s, const Architecture& a);  // as a Python literal

}  // namespace iqnas
