// The search space: a MobileNetV3-style macro structure (stem, a fixed depthwise-separable stage 0,
// five searched stages of elastic inverted-residual blocks, a 1x1 "stage 6" and the head) and the
// per-block choices (expansion x kernel x squeeze-excite) and per-stage depths. Read from JSON
// (supernet/spaces/*.json: presets paper, cifar, tiny); see docs/architecture.md.
#pragma once
#include <string>
#include <vector>

#include "kernels/elementwise.h"

namespace iqnas {

// timm's channel rounding: the multiple of `divisor` nearest to v (ties up), at least `divisor`, and
// one multiple more when that would drop more than 10% below v.
int make_divisible(double v, int divisor);

class BlockType;

// A configuration of the inverted-residual block type (supernet/inverted_residual_type.h).
struct BlockConfig {
  int expansion = 6;
  int kernel = 5;
  bool se = true;
  std::string name() const;  // e.g. "e6_k5_se1"
  bool operator==(const BlockConfig& o) const {
    return expansion == o.expansion && kernel == o.kernel && se == o.se;
  }
};

struct StageSpec {              // one searched stage
  int out = 0;                  // output channels
  int stride = 1;               // stride of its first block
  Act act = Act::ReLU;
  std::vector<int> depths;      // allowed depths, increasing (e.g. 2, 3, 4)
  int max_depth() const { return depths.empty() ? 0 : depths.back(); }
};

struct SearchSpace {
  std::string name;
  std::string block = "inverted_residual";  // the block type of the searched stages (supernet/block_type.h)
  int image_size = 224, in_channels = 3, num_classes = 1000;
  // stem: conv KxK + BN + act
  int stem_out = 32, stem_kernel = 3, stem_stride = 2;
  Act stem_act = Act::HSwish;
  // stage 0: depthwise KxK + BN + act, pointwise + BN (no expansion, residual when shapes match)
  int stage0_out = 16, stage0_kernel = 3, stage0_stride = 1;
  Act stage0_act = Act::ReLU;
  std::vector<StageSpec> stages;  // the searched stages (5 in every preset)
  // per-block choices; a configuration index enumerates expansions x kernels x se, se fastest
  std::vector<int> expansions{3, 4, 6};
  std::vector<int> kernels{3, 5};
  std::vector<bool> se{false, true};
  float se_ratio = 0.25f;  // SE hidden width = make_divisible(se_ratio * expanded channels, se_divisor)
  int se_divisor = 8;      // timm's default channel divisor
  // stage 6: 1x1 conv + BN + act; head: global pool, 1x1 conv (+bias) + act, dropout, FC
  int last_conv_out = 960;
  Act last_act = Act::HSwish;
  int head_out = 1280;
  float dropout = 0.2f;

  // The block type named by `block` (std::invalid_argument when unknown); its configurations:
  const BlockType& block_type() const;
  int num_configs() const;
  std::string config_name(int index) const;         // "e6_k5_se1"; throws std::out_of_range
  int config_index(const std::string& name) const;  // -1 when unknown
  // The inverted residual's configuration behind an index, and back.
  BlockConfig config(int index) const;           // throws std::out_of_range
  int config_index(const BlockConfig& c) const;  // -1 when not in the space
  int max_expansion() const;
  // The widths of a block, as timm builds them (one place for every width computation):
  // expanded channels make_divisible(e * in, 8), SE hidden units make_divisible(se_ratio * mid, se_divisor).
  int expanded(int in, int e) const;
  int se_hidden(int mid) const;
  int stage_in(int s) const;                     // input channels of searched stage s (0-based)
  int stage_input_size(int s) const;             // input spatial size of searched stage s
  int final_size() const;                        // spatial size after the last stage

  // Throws std::invalid_argument naming the field when inconsistent.
  void validate() const;
};

// Parses and validates; errors name the file and the field (e.g. "space.json: stages[2].stride must be 1 or 2").
SearchSpace load_space(const std::string& path);
SearchSpace parse_space(const std::string& json_text, const std::string& source);
std::string space_to_json(const SearchSpace& s);
// A preset by name (paper, cifar, tiny): <program>/../share/iqnas/spaces/<name>.json next to an
// installed program, else the copy compiled in from supernet/spaces/; or a path to a JSON file.
SearchSpace find_space(const std::string& name_or_path);
std::vector<std::string> preset_names();

}  // namespace iqnas
