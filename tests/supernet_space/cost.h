// Multiply-accumulate and parameter counts of an architecture for the presets' size checks (and the
// figures quoted in docs/architecture.md). The single implementation is predictor/resources.h,
// which counts on the extracted network; this header only keeps the tests' names.
#pragma once
#include <cmath>  // the tests including this header use std::pow
#include <cstdint>

#include "predictor/resources.h"

namespace iqnas::test {

struct Cost {
  int64_t macs = 0;    // multiply-accumulates of convolutions and FC layers, batch 1
  int64_t params = 0;  // conv/FC weights and biases plus BN scale and shift
};

inline Cost network_cost(const SearchSpace& sp, const Architecture& a) {
  const predictor::NetworkCounts n = predictor::count_network(sp, a);
  return {n.macs, n.params};
}

}  // namespace iqnas::test
