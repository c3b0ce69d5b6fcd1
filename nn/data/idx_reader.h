// The IDX format of (Fashion-)MNIST, plain or gzip-compressed: a big-endian magic
// 0x0000 <type 0x08 = uint8> <number of dimensions>, one big-endian uint32 per dimension, then the
// bytes row-major. Every defect (missing file, corrupt gzip stream, bad magic, truncated data,
// trailing bytes) raises DataError naming the file.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace iqnas::data {

struct IdxArray {
  std::vector<uint32_t> dims;
  std::vector<uint8_t> bytes;
};

// Reads a uint8 IDX file with `expected_rank` dimensions (1 for labels, 3 for images).
IdxArray read_idx(const std::string& path, int expected_rank);

}  // namespace iqnas::data
