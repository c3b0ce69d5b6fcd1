// Architectures of a search space: validation, heaviest/smallest, JSON, one-hot (alpha, beta)
// encoding and timm arch_def export (docs/architecture.md).
#include "supernet/arch.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "supernet/block_type.h"
#include "util/json_reader.h"
#include "util/text_file.h"

namespace iqnas {

namespace {

using json = nlohmann::json;

[[noreturn]] void fail(const std::string& prefix, const std::string& msg) {
  throw std::invalid_argument(prefix + msg);
}

std::string stage_field(size_t s) { return "stages[" + std::to_string(s) + "]"; }

std::string depths_str(const std::vector<int>& v) {
  std::string o = "[";
  for (size_t i = 0; i < v.size(); ++i) o += (i ? ", " : "") + std::to_string(v[i]);
  return o + "]";
}

std::string config_names(const SearchSpace& s) {
  std::string o;
  for (int c = 0; c < s.num_configs(); ++c) o += (c ? ", " : "") + s.config_name(c);
  return o;
}

void check_arch(const SearchSpace& s, const Architecture& a, const std::string& p) {
  if (a.depths.size() != s.stages.size())
    fail(p, "the architecture has " + std::to_string(a.depths.size()) + " stage depths, space '" + s.name +
                "' has " + std::to_string(s.stages.size()) + " searched stages");
  if (a.blocks.size() != s.stages.size())
    fail(p, "the architecture has block lists for " + std::to_string(a.blocks.size()) + " stages, space '" +
                s.name + "' has " + std::to_string(s.stages.size()) + " searched stages");
  for (size_t i = 0; i < s.stages.size(); ++i) {
    const auto& allowed = s.stages[i].depths;
    if (std::find(allowed.begin(), allowed.end(), a.depths[i]) == allowed.end())
      fail(p, stage_field(i) + ".depth " + std::to_string(a.depths[i]) + " is not one of the allowed depths " +
                  depths_str(allowed));
    if (static_cast<int>(a.blocks[i].size()) != a.depths[i])
      fail(p, stage_field(i) + " has " + std::to_string(a.blocks[i].size()) + " blocks but depth " +
                  std::to_string(a.depths[i]));
    for (size_t b = 0; b < a.blocks[i].size(); ++b) {
      int c = a.blocks[i][b];
      if (c < 0 || c >= s.num_configs())
        fail(p, stage_field(i) + ".blocks[" + std::to_string(b) + "]: configuration index " + std::to_string(c) +
                    " is outside [0, " + std::to_string(s.num_configs()) + ")");
    }
  }
}

Architecture uniform_arch(const SearchSpace& s, bool heavy) {
  Architecture a;
  const BlockType& type = s.block_type();
  int c = heavy ? type.heaviest_config(s) : type.lightest_config(s);
  if (c < 0) throw std::invalid_argument("space '" + s.name + "' has empty choice lists");
  for (const auto& st : s.stages) {
    if (st.depths.empty())
      throw std::invalid_argument("space '" + s.name + "' has a stage without depths");
    int d = heavy ? *std::max_element(st.depths.begin(), st.depths.end())
                  : *std::min_element(st.depths.begin(), st.depths.end());
    a.depths.push_back(d);
    a.blocks.emplace_back(d, c);
  }
  return a;
}

// Offsets of the one-hot layout (docs/architecture.md): alpha stage-major, then block (each stage's
// max_depth blocks), then configuration; beta stage-major, then depth option.
size_t alpha_size(const SearchSpace& s) {
  size_t n = 0;
  for (const auto& st : s.stages) n += static_cast<size_t>(st.max_depth()) * s.num_configs();
  return n;
}
size_t beta_size(const SearchSpace& s) {
  size_t n = 0;
  for (const auto& st : s.stages) n += st.depths.size();
  return n;
}

// Index of the single 1 in v[off, off + n); throws naming the group otherwise.
int one_hot_index(const std::vector<float>& v, size_t off, size_t n, const std::string& group) {
  int hot = -1;
  for (size_t i = 0; i < n; ++i) {
    float x = v[off + i];
    if (std::fabs(x - 1.f) <= 1e-6f) {
      if (hot >= 0)
        throw std::invalid_argument("decode_onehot: " + group + " has more than one entry set (options " +
                                    std::to_string(hot) + " and " + std::to_string(i) + ")");
      hot = static_cast<int>(i);
    } else if (!(std::fabs(x) <= 1e-6f)) {
      throw std::invalid_argument("decode_onehot: " + group + " option " + std::to_string(i) +
                                  " is neither 0 nor 1 (" + std::to_string(x) + ")");
    }
  }
  if (hot < 0) throw std::invalid_argument("decode_onehot: " + group + " has no entry set");
  return hot;
}

// timm's block-string activation option: none for h-swish (MobileNetV3's default), _nre for ReLU.
std::string timm_act(Act a, const std::string& where) {
  switch (a) {
    case Act::ReLU: return "_nre";
    case Act::HSwish: return "";
    default:
      throw std::invalid_argument("timm_arch_def: " + where + " uses activation '" + act_name(a) +
                                  "', which timm block strings cannot express (relu or hswish only)");
  }
}

}  // namespace

void validate_arch(const SearchSpace& s, const Architecture& a) { check_arch(s, a, "architecture: "); }

Architecture heaviest_arch(const SearchSpace& s) { return uniform_arch(s, true); }
Architecture smallest_arch(const SearchSpace& s) { return uniform_arch(s, false); }

// ---- JSON --------------------------------------------------------------------------------------

std::string arch_to_json(const SearchSpace& s, const Architecture& a) {
  validate_arch(s, a);
  std::ostringstream o;
  o << "{\n  \"space\": " << json(s.name).dump() << ",\n  \"stages\": [\n";
  for (size_t i = 0; i < a.depths.size(); ++i) {
    o << "    {\"depth\": " << a.depths[i] << ", \"blocks\": [";
    for (size_t b = 0; b < a.blocks[i].size(); ++b)
      o << (b ? ", " : "") << json(s.config_name(a.blocks[i][b])).dump();
    o << "]}" << (i + 1 < a.depths.size() ? ",\n" : "\n");
  }
  o << "  ]\n}\n";
  return o.str();
}

Architecture arch_from_json(const SearchSpace& s, const std::string& json_text, const std::string& source) {
  const std::string p = source + ": ";
  const json j = util::parse_json(json_text, source);
  util::JsonObject top(j, "", source);
  const std::string space = top.get_string("space");
  if (space != s.name) top.fail("the architecture belongs to space '" + space + "', not to space '" + s.name + "'");
  const json& st = top.at("stages");
  top.finish();
  if (!st.is_array()) top.fail(std::string("stages must be an array, got ") + util::json_type_name(st));
  if (st.size() != s.stages.size())
    top.fail("stages has " + std::to_string(st.size()) + " entries, space '" + s.name + "' has " +
             std::to_string(s.stages.size()) + " searched stages");
  Architecture a;
  for (size_t i = 0; i < st.size(); ++i) {
    const std::string f = stage_field(i);
    util::JsonObject e(st[i], f, source);
    const int depth = e.get_int("depth");
    const json& bl = e.at("blocks");
    e.finish();
    const auto& allowed = s.stages[i].depths;
    if (std::find(allowed.begin(), allowed.end(), depth) == allowed.end())
      e.fail(f + ".depth " + std::to_string(depth) + " is not one of the allowed depths " + depths_str(allowed));
    if (!bl.is_array()) e.fail(f + ".blocks must be an array, got " + util::json_type_name(bl));
    if (static_cast<long long>(bl.size()) != depth)
      e.fail(f + ".blocks has " + std::to_string(bl.size()) + " entries but depth is " + std::to_string(depth) +
             " (one configuration per active block)");
    std::vector<int> blocks;
    for (size_t b = 0; b < bl.size(); ++b) {
      const std::string fb = f + ".blocks[" + std::to_string(b) + "]";
      if (!bl[b].is_string())
        e.fail(fb + " must be a string such as \"e6_k5_se1\", got " + util::json_type_name(bl[b]));
      const std::string name = bl[b].get<std::string>();
      const int c = s.config_index(name);
      if (c < 0)
        e.fail(fb + ": unknown block configuration '" + name + "' (space '" + s.name + "' has " + config_names(s) + ")");
      blocks.push_back(c);
    }
    a.depths.push_back(depth);
    a.blocks.push_back(blocks);
  }
  check_arch(s, a, p);
  return a;
}

Architecture load_arch(const SearchSpace& s, const std::string& path) {
  return arch_from_json(s, util::read_text_file(path, "the architecture file"), path);
}

// ---- one-hot -----------------------------------------------------------------------------------

OneHot encode_onehot(const SearchSpace& s, const Architecture& a) {
  validate_arch(s, a);
  OneHot v;
  v.alpha.assign(alpha_size(s), 0.f);
  v.beta.assign(beta_size(s), 0.f);
  const size_t C = static_cast<size_t>(s.num_configs());
  size_t ao = 0, bo = 0;
  for (size_t i = 0; i < s.stages.size(); ++i) {
    const StageSpec& st = s.stages[i];
    for (int b = 0; b < st.max_depth(); ++b) {
      int c = b < a.depths[i] ? a.blocks[i][b] : 0;  // inactive blocks take configuration 0
      v.alpha[ao + static_cast<size_t>(b) * C + static_cast<size_t>(c)] = 1.f;
    }
    ao += static_cast<size_t>(st.max_depth()) * C;
    size_t d = std::find(st.depths.begin(), st.depths.end(), a.depths[i]) - st.depths.begin();
    v.beta[bo + d] = 1.f;
    bo += st.depths.size();
  }
  return v;
}

Architecture decode_onehot(const SearchSpace& s, const OneHot& v) {
  if (v.alpha.size() != alpha_size(s))
    throw std::invalid_argument("decode_onehot: alpha has " + std::to_string(v.alpha.size()) +
                                " entries, space '" + s.name + "' needs " + std::to_string(alpha_size(s)));
  if (v.beta.size() != beta_size(s))
    throw std::invalid_argument("decode_onehot: beta has " + std::to_string(v.beta.size()) + " entries, space '" +
                                s.name + "' needs " + std::to_string(beta_size(s)));
  const size_t C = static_cast<size_t>(s.num_configs());
  Architecture a;
  size_t ao = 0, bo = 0;
  for (size_t i = 0; i < s.stages.size(); ++i) {
    const StageSpec& st = s.stages[i];
    int d = one_hot_index(v.beta, bo, st.depths.size(), "beta of " + stage_field(i));
    int depth = st.depths[static_cast<size_t>(d)];
    std::vector<int> blocks;
    for (int b = 0; b < depth; ++b)
      blocks.push_back(one_hot_index(v.alpha, ao + static_cast<size_t>(b) * C, C,
                                     "alpha of " + stage_field(i) + ".blocks[" + std::to_string(b) + "]"));
    a.depths.push_back(depth);
    a.blocks.push_back(blocks);
    ao += static_cast<size_t>(st.max_depth()) * C;
    bo += st.depths.size();
  }
  return a;
}

// ---- timm --------------------------------------------------------------------------------------

std::vector<std::vector<std::string>> timm_arch_def(const SearchSpace& s, const Architecture& a) {
  validate_arch(s, a);
  std::vector<std::vector<std::string>> def;
  def.push_back({"ds_r1_k" + std::to_string(s.stage0_kernel) + "_s" + std::to_string(s.stage0_stride) + "_e1_c" +
                 std::to_string(s.stage0_out) + timm_act(s.stage0_act, "stage0")});
  const BlockType& type = s.block_type();
  for (size_t i = 0; i < s.stages.size(); ++i) {
    const StageSpec& st = s.stages[i];
    const std::string act = timm_act(st.act, stage_field(i));
    std::vector<std::string> blocks;
    for (int b = 0; b < a.depths[i]; ++b) {
      const BlockShape shape{b == 0 ? s.stage_in(int(i)) : st.out, st.out, b == 0 ? st.stride : 1, st.act};
      blocks.push_back(type.timm_block(s, a.blocks[i][static_cast<size_t>(b)], shape, act));
    }
    def.push_back(blocks);
  }
  def.push_back({"cn_r1_k1_s1_c" + std::to_string(s.last_conv_out) + timm_act(s.last_act, "last_conv")});
  return def;
}

std::string timm_arch_def_python(const SearchSpace& s, const Architecture& a) {
  auto def = timm_arch_def(s, a);
  std::string o = "[\n";
  for (const auto& stage : def) {
    o += "    [";
    for (size_t b = 0; b < stage.size(); ++b) o += (b ? ", '" : "'") + stage[b] + "'";
    o += "],\n";
  }
  return o + "]";
}

}  // namespace iqnas
