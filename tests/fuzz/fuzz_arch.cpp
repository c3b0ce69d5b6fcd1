// libFuzzer target: the architecture reader against the `tiny` and `paper` spaces.
#include "supernet/arch.h"
#include "supernet/space.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const iqnas::SearchSpace spaces[] = {iqnas::find_space("tiny"), iqnas::find_space("paper")};
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (const auto& s : spaces)
    iqnas::fuzz::refusal_ok([&] {
      const iqnas::Architecture a = iqnas::arch_from_json(s, text, "fuzz");
      iqnas::fuzz::check(iqnas::arch_to_json(s, iqnas::arch_from_json(s, iqnas::arch_to_json(s, a), "again")) ==
                             iqnas::arch_to_json(s, a),
                         "an architecture that does not read back");
    });
  return 0;
}
