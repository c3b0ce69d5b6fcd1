// A block type: the unit the searched stages are built from (docs/extending.md "A block type").
// One implementation of BlockType owns its configurations and their names, the elastic module of
// the supernet, the static module of an extracted network and the extraction between the two; the
// space file picks it by name ("block", default "inverted_residual"), and Supernet and SubNetwork
// hold its modules through the two abstract bases below. Calls through these interfaces are per
// block (per forward or per extraction), never per element.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nn/layers.h"
#include "supernet/channel_order.h"
#include "supernet/space.h"

namespace iqnas {

class InferenceBuilder;  // supernet/detail/inference_builder.h

// How an elastic module's batch norms see a multipath batch in training (docs/training.md).
enum class BnStats { Shared, Private };
BnStats parse_bn_stats(const std::string& name);  // "shared" | "private"; std::invalid_argument otherwise
const char* bn_stats_name(BnStats b);

// Where a block sits in the network: its channels, the stride of its depthwise step, its activation.
struct BlockShape {
  int in = 0, out = 0, stride = 1;
  Act act = Act::ReLU;
};

// One block position of the supernet: every configuration of the type, sharing weights.
class ElasticModule : public Module {
 public:
  // One configuration index per sample of x.
  virtual Var forward(const Var& x, const std::vector<int>& configs) = 0;
  virtual void set_bn_stats(BnStats b) = 0;
  // After the heaviest configuration's weights were loaded (a trained heaviest network), starts
  // every other configuration from them.
  virtual void init_from_heaviest() = 0;
  // Channel reordering (supernet/reorder.h): the Taylor importance of the block's channels and
  // hidden units from the current gradients, and a permutation of both that preserves the function
  // of every configuration using all channels.
  virtual ChannelImportance zero_importance() const = 0;
  virtual void add_channel_importance(ChannelImportance& imp) const = 0;
  virtual void permute_channels(const std::vector<int>& channels, const std::vector<int>& hidden) = 0;
};

// One block of an extracted network: a single configuration with its own weights.
class StaticModule : public Module {
 public:
  virtual Var forward(const Var& x) = 0;
  virtual int in_channels() const = 0;
  virtual int out_channels() const = 0;
  // Its steps of the BN-folded inference program (supernet/inference.h) on slot x of `b`
  // ([N, H, H, in_channels()]): releases x, returns the output slot and sets *Ho to its size.
  virtual int add_inference(InferenceBuilder& b, int x, int H, int* Ho) = 0;
};

class BlockType {
 public:
  virtual ~BlockType() = default;
  virtual const char* name() const = 0;  // the space file's "block" value
  // Configurations: indices 0 .. num_configs()-1 in the order of the IQP's options, each with a
  // name ("e6_k5_se1"); config_index is -1 for a name that is not one of the space's.
  virtual int num_configs(const SearchSpace& s) const = 0;
  virtual std::string config_name(const SearchSpace& s, int config) const = 0;
  virtual int config_index(const SearchSpace& s, const std::string& name) const = 0;
  // The heaviest and the lightest configuration (the heaviest and smallest networks use them in
  // every block).
  virtual int heaviest_config(const SearchSpace& s) const = 0;
  virtual int lightest_config(const SearchSpace& s) const = 0;
  // timm's block string for one configuration at position b; `act_option` is timm's activation
  // option for b.act ("" or "_nre").
  virtual std::string timm_block(const SearchSpace& s, int config, const BlockShape& b,
                                 const std::string& act_option) const = 0;

  virtual std::shared_ptr<ElasticModule> make_elastic(const SearchSpace& s, const BlockShape& b, Rng& rng) const = 0;
  virtual std::shared_ptr<StaticModule> make_static(const SearchSpace& s, const BlockShape& b, int config,
                                                    Rng& rng) const = 0;
  // Copies the weights and batch-norm statistics that configuration `config` of `from` uses into
  // `to`, a module make_static built for that configuration at the same position.
  virtual void extract(ElasticModule& from, int config, StaticModule& to) const = 0;
};

// The registry: every block type, by name. find_block_type throws std::invalid_argument naming the
// known types for an unknown name.
const BlockType& find_block_type(const std::string& name);
std::vector<std::string> block_type_names();

}  // namespace iqnas
