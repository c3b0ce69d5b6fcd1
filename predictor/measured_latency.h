// A found network's latency judged against the table it was searched with, from a same-run timing
// (measure_same_run): the one formula that `search --fit-measured` and `iqnas measure` both use.
#pragma once
#include <string>

#include "predictor/latency_measure.h"

namespace iqnas::predictor {

// The network's latency at the speed the table was timed at: its median over the sum of the table's
// entries timed in the same rounds, times the stored table's uncorrected sum for `a`. A stored
// correction (slope, intercept) models that same ratio of networks to their sums, so applied to
// the corrected sum it would count twice. Throws std::runtime_error when the same-run sum is not
// positive.
double same_run_latency(const LatencyTable& t, const SearchSpace& s, const Architecture& a, const SameRunPoint& timed);

// The "latency" object of `iqnas measure`'s JSON for `a` timed as `timed` under `o`: same_run_ms
// (the judgement, above), the raw figures of this call (median_ms, mean_ms, iqr_ms of the network,
// same_run_table_ms: its entries' sum), predicted_ms (the stored table, corrected) and the protocol.
std::string measured_latency_json(const LatencyTable& t, const SearchSpace& s, const Architecture& a,
                                  const SameRunPoint& timed, const MeasureOptions& o);

}  // namespace iqnas::predictor
