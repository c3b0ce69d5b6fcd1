#include "supernet/inverted_residual_type.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "supernet/elastic_block.h"
#include "supernet/static_block.h"
#include "util/number.h"

namespace iqnas {

namespace {

// Expansion, kernel and SE all at their extreme (SE on for the heaviest when the space has it).
int extreme_config(const SearchSpace& s, bool heavy) {
  BlockConfig c;
  auto pick = [heavy](const auto& v) { return heavy ? *std::max_element(v.begin(), v.end())
                                                    : *std::min_element(v.begin(), v.end()); };
  c.expansion = pick(s.expansions);
  c.kernel = pick(s.kernels);
  bool has_on = std::find(s.se.begin(), s.se.end(), true) != s.se.end();
  bool has_off = std::find(s.se.begin(), s.se.end(), false) != s.se.end();
  c.se = heavy ? has_on : !has_off;
  return s.config_index(c);
}

class InvertedResidualType : public BlockType {
 public:
  const char* name() const override { return "inverted_residual"; }

  // Expansion-major, SE fastest (SearchSpace::config decodes an index).
  int num_configs(const SearchSpace& s) const override {
    return static_cast<int>(s.expansions.size() * s.kernels.size() * s.se.size());
  }
  std::string config_name(const SearchSpace& s, int config) const override { return s.config(config).name(); }
  int config_index(const SearchSpace& s, const std::string& n) const override {
    // Strict form: e<digits>_k<digits>_se<0|1>, no signs, spaces or leading zeros.
    auto digits = [&](size_t& i, int* out) {
      size_t start = i;
      while (i < n.size() && n[i] >= '0' && n[i] <= '9' && i - start < 6) ++i;
      if (i == start || (n[start] == '0' && i - start > 1)) return false;
      if (i < n.size() && n[i] >= '0' && n[i] <= '9') return false;  // too long
      *out = std::atoi(n.substr(start, i - start).c_str());
      return true;
    };
    size_t i = 0;
    BlockConfig c;
    if (n.compare(0, 1, "e") != 0) return -1;
    i = 1;
    if (!digits(i, &c.expansion)) return -1;
    if (n.compare(i, 2, "_k") != 0) return -1;
    i += 2;
    if (!digits(i, &c.kernel)) return -1;
    if (n.compare(i, std::string::npos, "_se0") == 0) c.se = false;
    else if (n.compare(i, std::string::npos, "_se1") == 0) c.se = true;
    else return -1;
    return s.config_index(c);
  }
  int heaviest_config(const SearchSpace& s) const override { return extreme_config(s, true); }
  int lightest_config(const SearchSpace& s) const override { return extreme_config(s, false); }

  // e.g. "ir_r1_k5_s2_e6_c24_nre_se0.25"
  std::string timm_block(const SearchSpace& s, int config, const BlockShape& b,
                         const std::string& act_option) const override {
    const BlockConfig c = s.config(config);
    return "ir_r1_k" + std::to_string(c.kernel) + "_s" + std::to_string(b.stride) + "_e" + std::to_string(c.expansion) +
           "_c" + std::to_string(b.out) + act_option + (c.se ? "_se" + shortest_float(s.se_ratio) : std::string());
  }

  std::shared_ptr<ElasticModule> make_elastic(const SearchSpace& s, const BlockShape& b, Rng& rng) const override {
    return std::make_shared<ElasticBlock>(s, b.in, b.out, b.stride, b.act, rng);
  }
  std::shared_ptr<StaticModule> make_static(const SearchSpace& s, const BlockShape& b, int config,
                                            Rng& rng) const override {
    return std::make_shared<StaticBlock>(s, b.in, b.out, b.stride, b.act, s.config(config), rng);
  }

  void extract(ElasticModule& from_module, int config, StaticModule& to_module) const override {
    NoGradGuard no_grad;
    const InvertedResidualWeights from = dynamic_cast<ElasticBlock&>(from_module).weights(config);
    const InvertedResidualWeights to = dynamic_cast<StaticBlock&>(to_module).weights();
    for (auto [f, t] : {std::pair{from.expand_w, to.expand_w}, {from.dw_w, to.dw_w}, {from.project_w, to.project_w}})
      t.value().copy_(f.value());
    if (from.se)
      for (auto [f, t] : {std::pair{from.se_w1, to.se_w1}, {from.se_b1, to.se_b1}, {from.se_w2, to.se_w2}, {from.se_b2, to.se_b2}})
        t.value().copy_(f.value());
    copy_bn(from.expand_bn, to.expand_bn);
    copy_bn(from.dw_bn, to.dw_bn);
    copy_bn(from.project_bn, to.project_bn);
  }
};

}  // namespace

const BlockType& inverted_residual_type() {
  static const InvertedResidualType type;
  return type;
}

}  // namespace iqnas
