#include "predictor/measured_latency.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace iqnas::predictor {

double same_run_latency(const LatencyTable& t, const SearchSpace& s, const Architecture& a, const SameRunPoint& timed) {
  if (!(timed.predicted_ms > 0)) throw std::runtime_error("the same-run table sum of a network is not positive");
  LatencyTable uncorrected = t;
  uncorrected.slope = 1.0, uncorrected.intercept_ms = 0.0;
  return timed.measured.median_ms / timed.predicted_ms * predicted_latency(uncorrected, s, a);
}

std::string measured_latency_json(const LatencyTable& t, const SearchSpace& s, const Architecture& a,
                                  const SameRunPoint& timed, const MeasureOptions& o) {
  const nlohmann::json j = {{"same_run_ms", same_run_latency(t, s, a, timed)},
                            {"median_ms", timed.measured.median_ms},
                            {"mean_ms", timed.measured.mean_ms},
                            {"iqr_ms", timed.measured.iqr_ms},
                            {"same_run_table_ms", timed.predicted_ms},
                            {"predicted_ms", predicted_latency(t, s, a)},
                            {"threads", o.threads},
                            {"batch", o.batch},
                            {"repeats", o.repeats},
                            {"clock", o.clock},
                            {"cache", o.cache}};
  return j.dump();
}

}  // namespace iqnas::predictor
