// Search-space specification: configuration enumeration, shapes, validation and the JSON format
// (docs/architecture.md describes every field).
#include "supernet/space.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "supernet/block_type.h"
#include "util/json_reader.h"
#include "util/number.h"
#include "util/text_file.h"

namespace iqnas {

namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

[[noreturn]] void fail(const std::string& prefix, const std::string& msg) {
  throw std::invalid_argument(prefix + msg);
}

// Output size of a convolution with an odd kernel K, padding K/2 and stride s: (H + 2*(K/2) - K)/s + 1.
int conv_out(int h, int k, int s) { return (h + 2 * (k / 2) - k) / s + 1; }

template <class T>
std::string list_str(const std::vector<T>& v) {
  std::ostringstream o;
  o << "[";
  for (size_t i = 0; i < v.size(); ++i) o << (i ? ", " : "") << v[i];
  o << "]";
  return o.str();
}

std::string bool_list_str(const std::vector<bool>& v) {
  std::string o = "[";
  for (size_t i = 0; i < v.size(); ++i) o += std::string(i ? ", " : "") + (v[i] ? "true" : "false");
  return o + "]";
}

double float_for_json(float f) { return std::strtod(shortest_float(f).c_str(), nullptr); }

// One-line JSON with a space after ':' and ',' (the layout of the preset files).
std::string inline_json(const nlohmann::ordered_json& j) {
  std::string o;
  if (j.is_object()) {
    o = "{";
    bool first = true;
    for (auto it = j.begin(); it != j.end(); ++it) {
      o += (first ? "" : ", ") + nlohmann::ordered_json(it.key()).dump() + ": " + inline_json(it.value());
      first = false;
    }
    return o + "}";
  }
  if (j.is_array()) {
    o = "[";
    for (size_t i = 0; i < j.size(); ++i) o += (i ? ", " : "") + inline_json(j[i]);
    return o + "]";
  }
  return j.dump();
}

bool parse_act(const std::string& s, Act* out) {
  if (s == "relu") *out = Act::ReLU;
  else if (s == "hswish" || s == "h-swish") *out = Act::HSwish;
  else if (s == "hsigmoid" || s == "h-sigmoid") *out = Act::HSigmoid;
  else if (s == "sigmoid") *out = Act::Sigmoid;
  else return false;
  return true;
}

// An activation field: "relu", "hswish" (or "h-swish"), "hsigmoid" (or "h-sigmoid"), "sigmoid".
Act get_act(util::JsonObject& r, const std::string& key) {
  const std::string name = r.get_string(key);
  Act a;
  if (!parse_act(name, &a))
    r.fail(r.field(key) + ": unknown activation '" + name +
           "' (known: relu, hswish or h-swish, hsigmoid or h-sigmoid, sigmoid)");
  return a;
}

// Checks a list of choices: non-empty, strictly increasing, every element passing `ok`.
template <class T, class Ok>
void check_choice_list(const std::vector<T>& v, const std::string& name, const std::string& prefix,
                       Ok ok, const char* what) {
  if (v.empty()) fail(prefix, name + " must not be empty");
  for (size_t i = 0; i < v.size(); ++i) {
    if (!ok(v[i]))
      fail(prefix, name + "[" + std::to_string(i) + "] must be " + what + " (got " +
                       std::to_string(static_cast<int>(v[i])) + ")");
    if (i > 0 && !(v[i - 1] < v[i]))
      fail(prefix, name + " must be strictly increasing (got " + list_str(v) + ")");
  }
}

void check_space(const SearchSpace& s, const std::string& p) {
  // Upper bounds far beyond any real network, so that a typo cannot ask for terabytes (or overflow
  // the feature map arithmetic) instead of being refused.
  auto positive = [&](int v, const std::string& name, int most = 16384) {
    if (v < 1) fail(p, name + " must be at least 1 (got " + std::to_string(v) + ")");
    if (v > most) fail(p, name + " must be at most " + std::to_string(most) + " (got " + std::to_string(v) + ")");
  };
  auto stride = [&](int v, const std::string& name) {
    if (v != 1 && v != 2) fail(p, name + " must be 1 or 2 (got " + std::to_string(v) + ")");
  };
  auto odd_kernel = [&](int v, const std::string& name) {
    if (v < 1 || v % 2 == 0) fail(p, name + " must be an odd kernel size >= 1 (got " + std::to_string(v) + ")");
  };
  if (s.name.empty()) fail(p, "name must not be empty");
  try {
    find_block_type(s.block);
  } catch (const std::invalid_argument& e) {
    fail(p, std::string("block: ") + e.what());
  }
  for (char c : s.name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
      fail(p, "name '" + s.name + "' may only hold letters, digits, '_', '-' and '.'");
  positive(s.image_size, "image_size", 4096);
  positive(s.in_channels, "in_channels", 64);
  positive(s.num_classes, "num_classes", 100000);
  positive(s.stem_out, "stem.out");
  odd_kernel(s.stem_kernel, "stem.kernel");
  stride(s.stem_stride, "stem.stride");
  positive(s.stage0_out, "stage0.out");
  odd_kernel(s.stage0_kernel, "stage0.kernel");
  stride(s.stage0_stride, "stage0.stride");
  if (s.stages.empty()) fail(p, "stages must not be empty");
  for (size_t i = 0; i < s.stages.size(); ++i) {
    const StageSpec& st = s.stages[i];
    std::string f = "stages[" + std::to_string(i) + "].";
    positive(st.out, f + "out");
    stride(st.stride, f + "stride");
    check_choice_list(st.depths, f + "depths", p, [](int d) { return d >= 1; }, "at least 1");
    for (int d : st.depths) positive(d, f + "depths[]", 64);
  }
  check_choice_list(s.expansions, "choices.expansions", p, [](int e) { return e >= 1; }, "at least 1");
  for (int e : s.expansions) positive(e, "choices.expansions[]", 64);
  check_choice_list(s.kernels, "choices.kernels", p, [](int k) { return k >= 1 && k % 2 == 1; },
                    "an odd kernel size >= 1");
  for (int k : s.kernels) positive(k, "choices.kernels[]", 31);
  if (s.se.empty()) fail(p, "choices.se must not be empty");
  if (s.se.size() > 2 || (s.se.size() == 2 && !(s.se[0] == false && s.se[1] == true)))
    fail(p, "choices.se must be [false], [true] or [false, true] (got " + bool_list_str(s.se) + ")");
  if (!(s.se_ratio > 0.f && s.se_ratio <= 1.f))
    fail(p, "choices.se_ratio must be in (0, 1] (got " + shortest_float(s.se_ratio) + ")");
  positive(s.se_divisor, "choices.se_divisor");
  positive(s.last_conv_out, "last_conv.out");
  positive(s.head_out, "head.out");
  if (!(s.dropout >= 0.f && s.dropout < 1.f))
    fail(p, "head.dropout must be in [0, 1) (got " + shortest_float(s.dropout) + ")");

  // Feature map sizes.
  int h = conv_out(s.image_size, s.stem_kernel, s.stem_stride);
  if (h < 1) fail(p, "the stem's output is empty (image_size " + std::to_string(s.image_size) + ")");
  h = conv_out(h, s.stage0_kernel, s.stage0_stride);
  for (size_t i = 0; i < s.stages.size(); ++i) h = conv_out(h, 3, s.stages[i].stride);
  if (h < 1) fail(p, "final feature map size must be at least 1 (got " + std::to_string(h) + ")");

}

std::string act_json_name(Act a) { return act_name(a); }

}  // namespace

// ---- BlockConfig / SearchSpace -----------------------------------------------------------------

std::string BlockConfig::name() const {
  return "e" + std::to_string(expansion) + "_k" + std::to_string(kernel) + "_se" + (se ? "1" : "0");
}

const BlockType& SearchSpace::block_type() const { return find_block_type(block); }
int SearchSpace::num_configs() const { return block_type().num_configs(*this); }
int SearchSpace::config_index(const std::string& n) const { return block_type().config_index(*this, n); }

std::string SearchSpace::config_name(int index) const {
  if (index < 0 || index >= num_configs())
    throw std::out_of_range("configuration index " + std::to_string(index) + " is outside [0, " +
                            std::to_string(num_configs()) + ") in space '" + name + "'");
  return block_type().config_name(*this, index);
}

BlockConfig SearchSpace::config(int index) const {
  if (index < 0 || index >= num_configs())
    throw std::out_of_range("configuration index " + std::to_string(index) + " is outside [0, " +
                            std::to_string(num_configs()) + ") in space '" + name + "'");
  int ns = static_cast<int>(se.size()), nk = static_cast<int>(kernels.size());
  BlockConfig c;
  c.se = se[index % ns];
  c.kernel = kernels[(index / ns) % nk];
  c.expansion = expansions[index / (ns * nk)];
  return c;
}

int SearchSpace::config_index(const BlockConfig& c) const {
  auto ie = std::find(expansions.begin(), expansions.end(), c.expansion);
  auto ik = std::find(kernels.begin(), kernels.end(), c.kernel);
  auto is = std::find(se.begin(), se.end(), c.se);
  if (ie == expansions.end() || ik == kernels.end() || is == se.end()) return -1;
  int ns = static_cast<int>(se.size()), nk = static_cast<int>(kernels.size());
  return (static_cast<int>(ie - expansions.begin()) * nk + static_cast<int>(ik - kernels.begin())) * ns +
         static_cast<int>(is - se.begin());
}

int SearchSpace::max_expansion() const {
  return expansions.empty() ? 0 : *std::max_element(expansions.begin(), expansions.end());
}

// s may equal stages.size(): the input of stage 6 (the last searched stage's output).
int make_divisible(double v, int divisor) {
  if (divisor < 1) throw std::invalid_argument("make_divisible: divisor must be >= 1 (got " + std::to_string(divisor) + ")");
  int r = std::max(divisor, static_cast<int>(v + divisor / 2.0) / divisor * divisor);
  if (r < 0.9 * v) r += divisor;
  return r;
}

int SearchSpace::expanded(int in, int e) const { return make_divisible(static_cast<double>(e) * in, 8); }
int SearchSpace::se_hidden(int mid) const { return make_divisible(static_cast<double>(se_ratio) * mid, se_divisor); }

int SearchSpace::stage_in(int s) const {
  if (s < 0 || s > static_cast<int>(stages.size()))
    throw std::out_of_range("stage index " + std::to_string(s) + " is outside [0, " +
                            std::to_string(stages.size()) + "] in space '" + name + "'");
  return s == 0 ? stage0_out : stages[s - 1].out;
}

// s may equal stages.size(): the size after the last searched stage (final_size()).
int SearchSpace::stage_input_size(int s) const {
  if (s < 0 || s > static_cast<int>(stages.size()))
    throw std::out_of_range("stage index " + std::to_string(s) + " is outside [0, " +
                            std::to_string(stages.size()) + "] in space '" + name + "'");
  int h = conv_out(image_size, stem_kernel, stem_stride);
  h = conv_out(h, stage0_kernel, stage0_stride);
  // Every block kernel is odd with padding K/2, so the size depends only on the stride.
  for (int i = 0; i < s; ++i) h = conv_out(h, 3, stages[i].stride);
  return h;
}

int SearchSpace::final_size() const { return stage_input_size(static_cast<int>(stages.size())); }

void SearchSpace::validate() const { check_space(*this, "space '" + name + "': "); }

// ---- JSON --------------------------------------------------------------------------------------

SearchSpace parse_space(const std::string& json_text, const std::string& source) {
  const std::string prefix = source + ": ";
  const json j = util::parse_json(json_text, source);
  SearchSpace s;
  util::JsonObject top(j, "", source);
  s.name = top.get_string("name");
  if (top.has("block")) s.block = top.get_string("block");
  s.image_size = top.get_int("image_size");
  s.in_channels = top.get_int("in_channels");
  s.num_classes = top.get_int("num_classes");
  {
    util::JsonObject r(top.at("stem"), "stem", source);
    s.stem_out = r.get_int("out");
    s.stem_kernel = r.get_int("kernel");
    s.stem_stride = r.get_int("stride");
    s.stem_act = get_act(r, "act");
    r.finish();
  }
  {
    util::JsonObject r(top.at("stage0"), "stage0", source);
    s.stage0_out = r.get_int("out");
    s.stage0_kernel = r.get_int("kernel");
    s.stage0_stride = r.get_int("stride");
    s.stage0_act = get_act(r, "act");
    r.finish();
  }
  {
    const json& st = top.at("stages");
    if (!st.is_array()) top.fail(std::string("stages must be an array, got ") + util::json_type_name(st));
    for (size_t i = 0; i < st.size(); ++i) {
      util::JsonObject r(st[i], "stages[" + std::to_string(i) + "]", source);
      StageSpec sp;
      sp.out = r.get_int("out");
      sp.stride = r.get_int("stride");
      sp.act = get_act(r, "act");
      sp.depths = r.get_int_list("depths");
      r.finish();
      s.stages.push_back(sp);
    }
  }
  {
    util::JsonObject r(top.at("choices"), "choices", source);
    s.expansions = r.get_int_list("expansions");
    s.kernels = r.get_int_list("kernels");
    s.se = r.get_bool_list("se");
    s.se_ratio = r.get_float("se_ratio");
    if (r.has("se_divisor")) s.se_divisor = r.get_int("se_divisor");
    r.finish();
  }
  {
    util::JsonObject r(top.at("last_conv"), "last_conv", source);
    s.last_conv_out = r.get_int("out");
    s.last_act = get_act(r, "act");
    r.finish();
  }
  {
    util::JsonObject r(top.at("head"), "head", source);
    s.head_out = r.get_int("out");
    s.dropout = r.get_float("dropout");
    r.finish();
  }
  top.finish();
  check_space(s, prefix);
  return s;
}

SearchSpace load_space(const std::string& path) {
  return parse_space(util::read_text_file(path, "the space file"), path);
}

std::string space_to_json(const SearchSpace& s) {
  // Hand-formatted so that a space file stays one line per section and per stage.
  auto d = [](const ojson& j) { return inline_json(j); };
  std::ostringstream o;
  o << "{\n";
  o << "  \"name\": " << d(s.name) << ",\n";
  // The default type is left out, so that the presets and the files written before the field read
  // and write back unchanged.
  if (s.block != SearchSpace().block) o << "  \"block\": " << d(s.block) << ",\n";
  o << "  \"image_size\": " << s.image_size << ",\n";
  o << "  \"in_channels\": " << s.in_channels << ",\n";
  o << "  \"num_classes\": " << s.num_classes << ",\n";
  o << "  \"stem\": "
    << d(ojson{{"out", s.stem_out}, {"kernel", s.stem_kernel}, {"stride", s.stem_stride},
               {"act", act_json_name(s.stem_act)}})
    << ",\n";
  o << "  \"stage0\": "
    << d(ojson{{"out", s.stage0_out}, {"kernel", s.stage0_kernel}, {"stride", s.stage0_stride},
               {"act", act_json_name(s.stage0_act)}})
    << ",\n";
  o << "  \"stages\": [\n";
  for (size_t i = 0; i < s.stages.size(); ++i) {
    const StageSpec& st = s.stages[i];
    o << "    "
      << d(ojson{{"out", st.out}, {"stride", st.stride}, {"act", act_json_name(st.act)}, {"depths", st.depths}})
      << (i + 1 < s.stages.size() ? ",\n" : "\n");
  }
  o << "  ],\n";
  ojson se = ojson::array();
  for (bool b : s.se) se.push_back(b);
  o << "  \"choices\": "
    << d(ojson{{"expansions", s.expansions}, {"kernels", s.kernels}, {"se", se},
               {"se_ratio", float_for_json(s.se_ratio)}, {"se_divisor", s.se_divisor}})
    << ",\n";
  o << "  \"last_conv\": " << d(ojson{{"out", s.last_conv_out}, {"act", act_json_name(s.last_act)}}) << ",\n";
  o << "  \"head\": " << d(ojson{{"out", s.head_out}, {"dropout", float_for_json(s.dropout)}}) << "\n";
  o << "}\n";
  return o.str();
}

std::vector<std::string> preset_names() { return {"paper", "cifar", "tiny"}; }

// share/iqnas/spaces beside the running program's bin/ (the `cmake --install` layout); "" when the
// program's path is unknown. No source-tree path is compiled in, so a build can move.
static std::string installed_spaces_dir() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string exe(buf, static_cast<size_t>(n));
  const size_t slash = exe.rfind('/');
  return slash == std::string::npos ? "" : exe.substr(0, slash) + "/../share/iqnas/spaces";
}

namespace detail {
// The presets compiled in (generated from supernet/spaces/*.json at configure time), used when no
// installed copy is beside the program (the build tree, tests, programs linking the library).
std::string preset_json(const std::string& name) {
  static const std::map<std::string, const char*> presets = {
#include "preset_spaces.inc"
  };
  auto it = presets.find(name);
  return it == presets.end() ? "" : it->second;
}
}  // namespace detail

SearchSpace find_space(const std::string& name_or_path) {
  const auto names = preset_names();
  if (std::find(names.begin(), names.end(), name_or_path) != names.end()) {
    const std::string dir = installed_spaces_dir();
    const std::string file = dir.empty() ? "" : dir + "/" + name_or_path + ".json";
    std::ifstream probe(file);
    SearchSpace s = probe ? load_space(file)
                          : parse_space(detail::preset_json(name_or_path), "<built-in " + name_or_path + ">");
    if (s.name != name_or_path)
      throw std::invalid_argument(file + ": name is '" + s.name + "', expected '" + name_or_path + "'");
    return s;
  }
  std::ifstream probe(name_or_path);
  if (!probe) {
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    throw std::invalid_argument("unknown search space '" + name_or_path + "': neither a preset (" + known +
                                ") nor a readable JSON file");
  }
  return load_space(name_or_path);
}

}  // namespace iqnas
