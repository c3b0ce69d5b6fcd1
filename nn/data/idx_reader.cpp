#include "nn/data/idx_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "nn/data/dataset.h"

namespace iqnas::data {
namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

// Reads up to n bytes; throws on a corrupt stream. Returns the count read (short at end of file).
size_t read_some(gzFile f, uint8_t* dst, size_t n, const std::string& path) {
  size_t done = 0;
  while (done < n) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - done, 1u << 30));
    const int got = gzread(f, dst + done, chunk);
    if (got < 0) {
      int err = 0;
      const char* msg = gzerror(f, &err);
      throw DataError(path + ": corrupt or truncated gzip stream (" + (msg ? msg : "unknown zlib error") + ")");
    }
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  return done;
}

}  // namespace

IdxArray read_idx(const std::string& path, int expected_rank) {
  std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));
  if (!f) throw DataError(path + ": cannot open IDX file (missing or unreadable)");
  gzbuffer(f.get(), 1 << 18);
  uint8_t head[4];
  if (read_some(f.get(), head, 4, path) != 4)
    throw DataError(path + ": truncated IDX file (no 4-byte header)");
  if (head[0] != 0 || head[1] != 0 || head[2] != 0x08 || head[3] != expected_rank) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "0x%02X%02X%02X%02X", head[0], head[1], head[2], head[3]);
    char want[64];
    std::snprintf(want, sizeof want, "0x000008%02X", expected_rank);
    throw DataError(path + ": bad IDX magic " + buf + " (expected " + want + ", uint8 data with " +
                    std::to_string(expected_rank) + " dimension(s)); is this the right file?");
  }
  IdxArray a;
  uint64_t total = 1;
  for (int d = 0; d < expected_rank; ++d) {
    uint8_t b[4];
    if (read_some(f.get(), b, 4, path) != 4)
      throw DataError(path + ": truncated IDX file (header ends inside the dimensions)");
    const uint32_t v = (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | b[3];
    if (v == 0 || v > (1u << 28)) throw DataError(path + ": implausible IDX dimension " + std::to_string(v));
    a.dims.push_back(v);
    total *= v;
  }
  if (total > (uint64_t(1) << 34)) throw DataError(path + ": IDX array too large");
  a.bytes.resize(static_cast<size_t>(total));
  const size_t got = read_some(f.get(), a.bytes.data(), a.bytes.size(), path);
  if (got != a.bytes.size())
    throw DataError(path + ": truncated IDX file: header promises " + std::to_string(total) +
                    " data bytes, found " + std::to_string(got));
  uint8_t extra;
  if (read_some(f.get(), &extra, 1, path) != 0)
    throw DataError(path + ": IDX file has bytes after the data the header describes");
  return a;
}

}  // namespace iqnas::data
