// libFuzzer target: the JPEG and PNG decoders (grey and RGB output).
#include "nn/data/image_codec.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  for (int channels : {1, 3})
    iqnas::fuzz::refusal_ok([&] {
      iqnas::data::Image img;
      iqnas::data::decode_image(data, size, channels, img, "fuzz");
      iqnas::fuzz::check(img.pixels.size() == static_cast<size_t>(img.h) * img.w * img.c && img.c == channels,
                         "a decoded image whose size does not match its shape");
      iqnas::fuzz::check(img.pixels.size() <= iqnas::data::kMaxImageBytes, "a decoded image over the limit");
    });
  return 0;
}
