// libFuzzer target: the latency-table reader against the `tiny` space.
#include "predictor/latency_table.h"
#include "supernet/space.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const iqnas::SearchSpace s = iqnas::find_space("tiny");
  iqnas::fuzz::refusal_ok([&] {
    iqnas::predictor::parse_latency_table(std::string(reinterpret_cast<const char*>(data), size), "fuzz", s);
  });
  return 0;
}
