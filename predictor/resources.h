// Exact resource models of a search space as rows of the solver problem (METHOD section 5):
//   latency_ms  the latency table: fixed part + the active blocks' entries (ms per image)
//   params_m    parameters in millions: conv/FC weights and biases plus BN scale and shift
//   macs_m      multiply-accumulates in millions at batch 1: convolutions and FC layers (the SE
//               FCs included; not BN, activations, pooling, residual adds or the SE gate product)
//   memory_mb   peak activation memory of batch-1 inference in MB (1e6 bytes, float32): the
//               largest total size of the tensors live at once (docs/latency.md defines the rule)
// The first three are block-additive, t0 + p^T alpha + alpha^T Theta beta with Theta cumulative
// over depth (predictor/encoding.h's additive_row). The peak is a maximum over blocks, not a
// sum: it is exact as one row per block position (every row <= budget), see resource_constraints.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "predictor/latency_table.h"
#include "solver/problem.h"

namespace iqnas::predictor {

const std::vector<std::string>& resource_names();  // latency_ms, params_m, macs_m, memory_mb

// The additive row of `name` (latency_ms needs the table). memory_mb has no single row and is
// refused with a pointer to resource_constraints; unknown names are refused with the known ones.
solver::Expression resource_row(const SearchSpace& s, const std::string& name, const LatencyTable* table);

// The budget `resource <= max` as solver constraints: one named `name` for the additive
// resources; for memory_mb one per block position, named "memory_mb.s<stage>.b<block>" (1-based),
// each the position's peak when active (the fixed parts' peak folded into the always-active ones).
std::vector<solver::Constraint> resource_constraints(const SearchSpace& s, const std::string& name, double max,
                                                     const LatencyTable* table);

// The value of a resource for one architecture, counted directly on the extracted network (for
// latency_ms: the table's prediction). The oracle of the rows.
double resource_value(const SearchSpace& s, const Architecture& a, const std::string& name, const LatencyTable* table);

// Direct counts of a whole network (built with random weights), batch 1.
struct NetworkCounts {
  int64_t macs = 0, params = 0, peak_activation_bytes = 0;
};
NetworkCounts count_network(const SearchSpace& s, const Architecture& a);

}  // namespace iqnas::predictor
