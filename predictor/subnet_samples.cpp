#include "predictor/subnet_samples.h"

#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "predictor/encoding.h"
#include "supernet/sampler.h"
#include "util/number.h"

namespace iqnas::predictor {

std::vector<Architecture> draw_architectures(const SearchSpace& s, int count, uint64_t seed) {
  Rng rng(seed * 7919ULL + 17);
  std::vector<Architecture> v;
  for (int i = 0; i < count; ++i) v.push_back(random_arch(s, rng));
  return v;
}

namespace {
std::string header(Metric m) {
  return m == Metric::Top1 ? "index,selection,depths,accuracy,accuracy_recalibrated"
                           : "index,selection,depths,logprob,logprob_recalibrated";
}
}  // namespace

std::string samples_to_csv(const SearchSpace& s, const std::vector<SubnetSample>& v, Metric metric) {
  std::ostringstream o;
  o << header(metric) << '\n';
  char buf[64];
  for (size_t i = 0; i < v.size(); ++i) {
    o << i << ',';
    const std::vector<int> sel = arch_to_selection(s, v[i].arch);
    for (size_t g = 0; g < sel.size(); ++g) o << (g ? "-" : "") << sel[g];
    o << ',';
    for (size_t st = 0; st < v[i].arch.depths.size(); ++st) o << (st ? "-" : "") << v[i].arch.depths[st];
    o << ',';
    if (v[i].has_inherited) {
      std::snprintf(buf, sizeof buf, "%.4f", v[i].accuracy);
      o << buf;
    }
    o << ',';
    if (v[i].has_recalibrated) {
      std::snprintf(buf, sizeof buf, "%.4f", v[i].accuracy_recalibrated);
      o << buf;
    }
    o << '\n';
  }
  return o.str();
}

std::vector<SubnetSample> samples_from_csv(const SearchSpace& s, const std::string& text, const std::string& source,
                                           Metric* metric) {
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  Metric m = Metric::Top1;
  if (line == header(Metric::LogProb))
    m = Metric::LogProb;
  else if (line != header(Metric::Top1))
    throw std::invalid_argument(source + ": line 1: expected the header " + header(Metric::Top1) + " (or " +
                                header(Metric::LogProb) + ")");
  if (metric) *metric = m;
  std::vector<SubnetSample> v;
  int row = 1;
  while (std::getline(in, line)) {
    ++row;
    if (line.empty()) continue;
    const std::string where = source + ": line " + std::to_string(row) + ": ";
    std::vector<std::string> f;
    std::stringstream ls(line);
    std::string cell;
    while (std::getline(ls, cell, ',')) f.push_back(cell);
    if (!line.empty() && line.back() == ',') f.push_back("");
    if (f.size() != 5) throw std::invalid_argument(where + "expected 5 fields, got " + std::to_string(f.size()));
    if (f[0] != std::to_string(v.size())) throw std::invalid_argument(where + "index " + f[0] + " out of sequence");
    std::vector<int> sel;
    std::stringstream ss(f[1]);
    try {
      while (std::getline(ss, cell, '-')) sel.push_back(static_cast<int>(parse_int(cell, "selection", 0, 1 << 20)));
      SubnetSample x;
      x.arch = selection_to_arch(s, sel);
      x.has_inherited = !f[3].empty(), x.has_recalibrated = !f[4].empty();
      if (!x.has_inherited && !x.has_recalibrated) throw std::invalid_argument("neither accuracy column holds a value");
      if (x.has_inherited) x.accuracy = parse_number(f[3], "accuracy");
      if (x.has_recalibrated) x.accuracy_recalibrated = parse_number(f[4], "accuracy_recalibrated");
      v.push_back(x);
    } catch (const std::exception& e) {
      throw std::invalid_argument(where + e.what());
    }
  }
  return v;
}

}  // namespace iqnas::predictor
