// libFuzzer target: the search-space reader (JSON text -> SearchSpace), and the derived sizes
// every command computes from a space that was accepted.
#include "supernet/arch.h"
#include "supernet/space.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  iqnas::fuzz::refusal_ok([&] {
    const iqnas::SearchSpace s = iqnas::parse_space(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
    const std::string again = iqnas::space_to_json(s);  // an accepted space writes out and reads back
    iqnas::fuzz::check(iqnas::space_to_json(iqnas::parse_space(again, "again")) == again, "a space that does not read back");
    iqnas::arch_to_json(s, iqnas::heaviest_arch(s));
  });
  return 0;
}
