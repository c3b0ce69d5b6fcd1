// A module's parameters and buffers in PyTorch's layouts, for exporting a network to PyTorch
// (docs/export.md). Names are unchanged (the dotted names of named_parameters()/named_buffers(),
// so BN tensors are weight, bias, running_mean, running_var as in torch.nn.BatchNorm2d); weights
// of the convolution layers are permuted from our NHWC-friendly layouts to torch.nn.Conv2d's
// [Cout, Cin/groups, K, K]:
//   Conv2d         [Cout, K, K, Cin/g] -> [Cout, Cin/g, K, K]
//   DepthwiseConv  [K, K, C]           -> [C, 1, K, K]
//   PointwiseConv  [Cout, Cin]         -> [Cout, Cin, 1, 1]
// Linear ([out, in], as torch.nn.Linear) and everything else are copied as they are.
#pragma once
#include "nn/module.h"

namespace iqnas {

// Contiguous CPU copies, parameters first, then buffers.
NamedTensors torch_state_dict(Module& m);

// An NHWC activation (e.g. a batch of images) as NCHW, a contiguous CPU copy.
Tensor nhwc_to_nchw(const Tensor& x);

}  // namespace iqnas
