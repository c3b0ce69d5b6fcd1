#include "supernet/sampler.h"

#include <stdexcept>
#include <string>

namespace iqnas {

PathSample PathSample::fixed(const SearchSpace& s, const Architecture& a, int64_t n) {
  validate_arch(s, a);
  PathSample p;
  p.n = n;
  for (size_t st = 0; st < s.stages.size(); ++st) {
    const int max_d = s.stages[st].max_depth();
    p.configs.emplace_back(max_d, std::vector<int>(n, 0));
    for (int b = 0; b < a.depths[st]; ++b) p.configs[st][b].assign(n, a.blocks[st][b]);
    p.depths.emplace_back(n, a.depths[st]);
  }
  return p;
}

Architecture PathSample::arch_of(int64_t i) const {
  Architecture a;
  for (size_t st = 0; st < depths.size(); ++st) {
    a.depths.push_back(depths[st][i]);
    std::vector<int> blocks;
    for (int b = 0; b < depths[st][i]; ++b) blocks.push_back(configs[st][b][i]);
    a.blocks.push_back(blocks);
  }
  return a;
}

PathSample PathSample::rows(int64_t begin, int64_t count) const {
  if (begin < 0 || count < 0 || begin + count > n)
    throw std::out_of_range("PathSample::rows: [" + std::to_string(begin) + ", " + std::to_string(begin + count) +
                                ") of " + std::to_string(n) + " samples");
  PathSample p;
  p.n = count;
  for (size_t st = 0; st < depths.size(); ++st) {
    p.configs.emplace_back();
    for (const auto& block : configs[st]) p.configs.back().emplace_back(block.begin() + begin, block.begin() + begin + count);
    p.depths.emplace_back(depths[st].begin() + begin, depths[st].begin() + begin + count);
  }
  return p;
}

Architecture random_arch(const SearchSpace& s, Rng& rng) {
  Architecture a;
  for (const StageSpec& st : s.stages) {
    a.depths.push_back(st.depths[rng.below(st.depths.size())]);
    std::vector<int> blocks;
    for (int b = 0; b < a.depths.back(); ++b) blocks.push_back(static_cast<int>(rng.below(s.num_configs())));
    a.blocks.push_back(blocks);
  }
  return a;
}

PathSample sample_multipath(const SearchSpace& s, int64_t n, Rng& rng) {
  PathSample p;
  p.n = n;
  for (const StageSpec& st : s.stages) {
    p.configs.emplace_back(st.max_depth(), std::vector<int>(n));
    for (auto& block : p.configs.back())
      for (auto& c : block) c = static_cast<int>(rng.below(s.num_configs()));
    p.depths.emplace_back(n);
    for (auto& v : p.depths.back()) v = st.depths[rng.below(st.depths.size())];
  }
  return p;
}

PathSample sample_single_path(const SearchSpace& s, int64_t n, Rng& rng) {
  return PathSample::fixed(s, random_arch(s, rng), n);
}

}  // namespace iqnas
