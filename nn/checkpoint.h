// Checkpoints as safetensors files (docs/checkpoint.md):
//   8-byte little-endian header length N | N bytes of JSON header | raw little-endian float32 data
// The header maps "__metadata__" to {string: string} and every tensor name to
// {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]} (byte offsets relative to the end of
// the header; the tensors tile the data area exactly).
//
// Writing goes to "<path>.tmp.<pid>", is fsync'ed, then renamed over <path>: a crash or an error
// never leaves a truncated file and never damages the previous one.
// Reading validates the whole file before returning anything; a truncated, corrupt or mismatched
// file is refused with a CheckpointError whose message names the file (and the tensor, where there
// is one); load_checkpoint changes nothing in the module, optimiser or EMA unless all checks pass.
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "nn/ema.h"
#include "nn/module.h"
#include "nn/optim.h"

namespace iqnas {

using Metadata = std::map<std::string, std::string>;

class CheckpointError : public std::runtime_error {
 public:
  CheckpointError(std::string path, std::string tensor, const std::string& what);
  const std::string& path() const { return path_; }
  const std::string& tensor() const { return tensor_; }  // empty when the error is not about one tensor

 private:
  std::string path_, tensor_;
};

struct SafetensorsFile {
  NamedTensors tensors;  // CPU tensors, in the header's order
  Metadata metadata;
  const Tensor* find(const std::string& name) const;  // nullptr when absent
};

// Writes the tensors (any device, any strides) and metadata atomically. Throws CheckpointError for
// empty, duplicate or undefined tensors and for I/O failures (the temporary file is removed).
void save_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata = {});
// Reads and fully validates a file (only dtype F32 is accepted; any value, NaN included, as stored).
SafetensorsFile load_safetensors(const std::string& path);
// CheckpointError naming the file, the tensor, the element and `action` (what happens instead)
// when `t` (any device) holds a NaN or an infinity: loaded into a model, it would spread through
// training unnoticed (the loss can stay finite). save_checkpoint and load_checkpoint check every tensor.
void check_finite(const std::string& path, const std::string& name, const Tensor& t, const std::string& action);

// Names used in checkpoint files besides the module's own parameter and buffer names.
inline constexpr const char* kOptimizerMomentumPrefix = "__optimizer__.momentum.";  // + parameter name
inline constexpr const char* kEmaPrefix = "__ema__.";  // + parameter or buffer name
// Metadata keys written by save_checkpoint; user metadata may not use them ("iqnas.", "optimizer.",
// "ema." prefixes are reserved).
inline constexpr const char* kMetaFormat = "iqnas.format";             // "checkpoint"
inline constexpr const char* kMetaFormatVersion = "iqnas.format_version";  // "1"
inline constexpr const char* kMetaOptimizerSteps = "optimizer.steps";
inline constexpr const char* kMetaOptimizerLr = "optimizer.lr";
inline constexpr const char* kMetaEmaUpdates = "ema.updates";

// Saves the module's parameters and buffers under their names, plus (when given) the optimiser's
// momentum buffers and step counter and the EMA's tensors and update counter, plus `metadata`.
void save_checkpoint(const std::string& path, Module& module, const Metadata& metadata = {},
                     const SGD* optimizer = nullptr, const ModelEma* ema = nullptr);

// Loads a checkpoint written by save_checkpoint into the module (on the module's devices) and, when
// given, into the optimiser (momentum buffers, step counter, learning rate) and the EMA. Refuses,
// before modifying anything, a file whose tensor names or shapes differ from the module's (missing or
// unexpected tensors included), that holds a non-finite value, that is not format version 1, or that
// lacks optimiser/EMA state that was asked for. Optimiser and EMA
// tensors in the file are ignored when no optimiser/EMA is given. Returns the file's metadata.
Metadata load_checkpoint(const std::string& path, Module& module, SGD* optimizer = nullptr,
                         ModelEma* ema = nullptr);

}  // namespace iqnas
