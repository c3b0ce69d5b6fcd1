// libFuzzer target: the safetensors checkpoint reader (the bytes go through a file, as in use).
#include <unistd.h>

#include <cstdio>
#include <string>

#include "nn/checkpoint.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/iqnas-fuzz-checkpoint-" + std::to_string(::getpid()) + ".safetensors";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  const bool written = std::fwrite(data, 1, size, f) == size;
  std::fclose(f);
  if (!written) return 0;
  iqnas::fuzz::refusal_ok([&] {
    const iqnas::SafetensorsFile file = iqnas::load_safetensors(path);
    for (const auto& [name, t] : file.tensors) iqnas::check_finite(path, name, t, "refused");  // what loading into a model checks
  });
  return 0;
}
