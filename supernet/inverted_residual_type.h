// The MobileNetV3 inverted residual as a block type (supernet/block_type.h): configurations
// expansion x kernel x SE named "e6_k5_se1", the elastic module ElasticBlock, the static module
// StaticBlock, and the extraction of one configuration's weight slices.
#pragma once
#include "supernet/block_type.h"

namespace iqnas {

const BlockType& inverted_residual_type();

}  // namespace iqnas
