// Which weights of a training checkpoint a downstream stage uses: the exponential moving average
// (the default, as the reference code does everywhere after training) or the raw weights.
#pragma once
#include <string>

#include "nn/checkpoint.h"
#include "nn/module.h"

namespace iqnas {

enum class WeightSource { Ema, Raw };

// "ema" | "raw"; std::invalid_argument otherwise.
WeightSource parse_weight_source(const std::string& name);
const char* weight_source_name(WeightSource w);

// Loads the parameters and buffers of `net` from a checkpoint written by the trainers: the raw
// tensors, or their EMA ("__ema__." tensors). Refuses, before changing anything, a file that lacks
// the requested weights (naming the file and the missing tensor) or whose shapes differ.
Metadata load_weights(const std::string& checkpoint, Module& net, WeightSource w);  // the file's metadata

}  // namespace iqnas
