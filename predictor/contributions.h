// The one-at-a-time accuracy measurements on a trained supernet from which the bilinear
// predictor is built (docs/predictor.md). Every image of the evaluation set runs its own
// sub-network: one decision is fixed for all images, every other decision is drawn per image
// (`uniform`: all of them uniformly, as in the paper's figure; `sequential`: as the reference
// code's default, the decisions not yet visited at the smallest network and the visited ones
// uniform; `grouped`: the images split into groups of consecutive images, each group running one
// uniformly drawn path with BN statistics recalibrated for that path, the context of a supernet
// trained with one path per batch). The draws of a pass are the same in every measurement (common
// random numbers), so a difference between two measurements is not blurred by different draws;
// passes differ in their draws and give each accuracy its spread.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dist/communicator.h"
#include "predictor/eval_set.h"

namespace iqnas::predictor {

struct Measurement {
  enum class Kind { Base, Block, Depth };
  Kind kind = Kind::Base;
  int stage = -1;        // 0-based searched stage
  int block = -1;        // 0-based block (Block)
  int config = -1;       // configuration index (Block)
  int depth_index = -1;  // index into the stage's depths (Depth; Block after the first: the depth it runs at)
  std::string id(const SearchSpace& s) const;  // "base", "s1.b2.e3_k3_se0@d2", "s1.depth2"
};

// Base first, then per stage: the first block's configurations (depth free); then for every
// allowed depth d: the depth fixed to d, and block d's configurations with the depth fixed to d
// (for d >= 2). Blocks that no allowed depth equals run at the smallest allowed depth above them.
// paper: 1 + 5 x (12 + 3 + 36) = 256 measurements; tiny: 1 + 5 x (8 + 3 + 16) = 136.
std::vector<Measurement> contribution_plan(const SearchSpace& s);

enum class Context { Uniform, Sequential, Grouped };
Context parse_context(const std::string& name);  // "uniform" | "sequential" | "grouped"; throws otherwise
const char* context_name(Context c);

struct ContribOptions {
  int passes = 3;
  int64_t images = 2000;  // evaluation images per pass (0: the whole split)
  Context context = Context::Uniform;
  Metric metric = Metric::Top1;  // what each measurement averages over the images
  // Batches of training images on which the supernet's BN statistics are recalibrated before each
  // measurement, every image running that measurement's draws (0: the running statistics as
  // trained). The recalibration batches and their draws are the same in every measurement.
  // In the grouped context: the BN statistics are recalibrated before every group of every pass,
  // on these batches run with the group's path (required there: at least 1).
  int recalibrate = 0;
  int64_t group_images = 0;  // grouped context: images per group (the last may have fewer); else 0
  uint64_t seed = 0;
  void validate() const;  // std::invalid_argument naming the field
};

// Measured values (top-1 percent, or mean log-probability: options.metric) per measurement of the
// plan and per pass; a partially filled
// state is resumed by measure_contributions.
struct ContribState {
  std::string space;
  std::string weights;  // which supernet weights were measured ("ema" or "raw")
  ContribOptions options;
  int64_t images = 0;   // images actually used per pass
  std::vector<std::string> ids;                // of the measurements done, in plan order
  std::vector<std::vector<double>> accuracy;   // [measurement][pass]
};
std::string contrib_state_to_json(const ContribState& st);
ContribState contrib_state_from_json(const std::string& text, const std::string& source);

// The paths every image runs for measurement `m` of `plan` in pass `pass` (n images); in the
// grouped context the path of every group (n groups).
PathSample measurement_paths(const SearchSpace& s, const std::vector<Measurement>& plan, size_t m, int pass,
                             int64_t n, const ContribOptions& opt);

using ContribProgress = std::function<void(size_t done, size_t total, const std::string& id, double accuracy)>;
// Runs the measurements `state` lacks (all passes of one measurement at a time) and calls `save`
// after each. Throws when `state` was made for another space, options or image count.
// Under mpirun the ranks of `comm` share the measurements (docs/distributed.md): every rank ends with
// the whole state, equal to the serial one, and `save` is called on rank 0 only.
// With options.recalibrate > 0, `recalibration` holds at least that many batches of training images.
void measure_contributions(Supernet& net, const EvalSet& set, ContribState& state,
                           const std::function<void(const ContribState&)>& save, const ContribProgress& progress = {},
                           dist::Communicator& comm = dist::world(), const EvalSet* recalibration = nullptr);

}  // namespace iqnas::predictor
