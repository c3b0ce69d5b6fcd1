// Which sub-network each sample of a batch runs: per-sample multipath (every image draws its own
// configuration per block and depth per stage) or one path for the whole batch. Uniform draws.
#pragma once
#include <cstdint>
#include <vector>

#include "nn/module.h"
#include "supernet/arch.h"

namespace iqnas {

struct PathSample {
  int64_t n = 0;
  std::vector<std::vector<std::vector<int>>> configs;  // [stage][block][sample], every block of the stage
  std::vector<std::vector<int>> depths;                // [stage][sample]

  static PathSample fixed(const SearchSpace& s, const Architecture& a, int64_t n);
  Architecture arch_of(int64_t sample) const;  // the architecture sample `sample` runs
  PathSample rows(int64_t begin, int64_t count) const;  // samples [begin, begin + count): a rank's shard
};

Architecture random_arch(const SearchSpace& s, Rng& rng);
PathSample sample_multipath(const SearchSpace& s, int64_t n, Rng& rng);
PathSample sample_single_path(const SearchSpace& s, int64_t n, Rng& rng);

}  // namespace iqnas
