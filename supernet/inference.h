// The inference path used to measure latency: a network (or one block) of a search space in eval
// mode, with every batch norm folded into the convolution before it (weights scaled, a bias added)
// and bias + activation applied in one pass over each output. No autograd, no tensors: the
// buffers are allocated once when the network is built, so the timed forward allocates nothing.
//
// Built from the extracted network's own weights (each block's StaticModule::add_inference, the
// FixedParts' layers): channel widths are read from the weight shapes, never recomputed.
// Activations are NHWC, as in the training path, and the logits equal the training path's in eval
// mode (tests/latency).
//
// Also counts, from the same layer list, multiply-accumulates and the peak activation memory
// (docs/latency.md section "Resource models" defines the liveness rule).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "supernet/block_type.h"
#include "supernet/subnet.h"

namespace iqnas {

// One step of the inference program (a folded conv, a pooling, an SE, ...). Defined in the .cpp.
struct InferenceStep;

// A sequence of steps over a set of preallocated buffers, for a fixed batch and input shape.
class InferenceProgram {
 public:
  InferenceProgram();
  ~InferenceProgram();
  InferenceProgram(InferenceProgram&&) noexcept;
  InferenceProgram& operator=(InferenceProgram&&) noexcept;

  // Runs the steps on `input` (batch x input_floats(), NHWC) and returns the output buffer
  // (batch x output_floats()), valid until the next run.
  const float* run(const float* input);
  // Reads `input` and every activation buffer once, bringing them into cache as they are inside a
  // network, where each block's input and scratch buffers were just used by the block before it.
  // Returns a value that depends on the reads (so they are not optimised away).
  float touch(const float* input) const;
  // Evicts every weight (folded convolutions, biases, FC layers) from all cache levels: the state of
  // a network whose weights do not stay in cache between calls (kernels/cache.h).
  void evict_weights() const;
  int batch() const { return batch_; }
  int64_t input_floats() const { return in_floats_; }    // per image
  int64_t output_floats() const { return out_floats_; }  // per image
  int64_t macs() const { return macs_; }                 // per image: convolutions and FC layers
  int64_t peak_activation_floats() const { return peak_; }  // per image, see the header comment

 private:
  friend class InferenceBuilder;
  std::vector<std::unique_ptr<InferenceStep>> steps_;
  std::vector<std::vector<float>> buffers_;  // slot i's storage (slot 0 is the caller's input)
  std::vector<float*> slots_;
  std::vector<float> workspace_;
  int batch_ = 1, out_slot_ = 0;
  int64_t in_floats_ = 0, out_floats_ = 0, macs_ = 0, peak_ = 0;
};

// One block with its folded weights (its type's StaticModule::add_inference); input [batch, H, H, in].
InferenceProgram inference_block(StaticModule& b, int input_size, int batch);

// The fixed parts alone: stem + stage 0 on images, and stage 6 + head on the last stage's output.
// Run as one program (images in, logits out, the searched stages skipped): the table's t0 entry.
InferenceProgram inference_fixed(const SearchSpace& s, FixedParts& fixed, int batch);

// A whole network: images [batch, H, W, in_channels] -> logits [batch, num_classes].
InferenceProgram inference_network(const SearchSpace& s, SubNetwork& net, int batch);

}  // namespace iqnas
