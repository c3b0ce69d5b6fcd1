// JPEG (libjpeg-turbo) and PNG (libpng) decoding and encoding of uint8 HWC images. The format is
// detected from the leading bytes, not the file name.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nn/data/dataset.h"

namespace iqnas::data {

enum class ImageFormat { Unknown, Jpeg, Png };

// Decoding refuses images whose declared width x height x channels exceeds this many bytes, before
// allocating anything: a file of a few hundred bytes can declare 65000 x 65000 pixels.
constexpr uint64_t kMaxImageBytes = uint64_t(1) << 28;

// From the first bytes of a file (at least 8 for PNG, 3 for JPEG).
ImageFormat sniff_format(const uint8_t* head, size_t n);

// Decodes JPEG or PNG bytes into `out` with `channels` = 1 (grey) or 3 (RGB), converting as needed;
// `what` names the source in the DataError raised for a corrupt or unsupported image.
void decode_image(const uint8_t* bytes, size_t n, int channels, Image& out, const std::string& what);

// Reads a whole file (DataError naming it when missing, unreadable or not a regular file).
void read_file(const std::string& path, std::vector<uint8_t>& out);

// Reads and decodes an image file.
void load_image(const std::string& path, int channels, Image& out, std::vector<uint8_t>& file_buffer);

// Writers (tests, debugging dumps of augmented batches). channels 1 or 3.
void write_png(const std::string& path, const uint8_t* pixels, int h, int w, int c);
void write_jpeg(const std::string& path, const uint8_t* pixels, int h, int w, int c, int quality = 90);

}  // namespace iqnas::data
