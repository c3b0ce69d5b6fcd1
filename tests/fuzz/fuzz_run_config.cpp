// libFuzzer target: the run-config reader; an accepted config validates and writes out and back.
#include "supernet/run_config.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  iqnas::fuzz::refusal_ok([&] {
    const iqnas::RunConfig c = iqnas::parse_run_config(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
    const std::string again = iqnas::run_config_to_json(c);
    iqnas::fuzz::check(iqnas::run_config_to_json(iqnas::parse_run_config(again, "again")) == again,
                       "a run config that does not read back");
  });
  return 0;
}
