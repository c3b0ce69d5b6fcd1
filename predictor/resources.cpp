#include "predictor/resources.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "nn/autograd.h"
#include "predictor/encoding.h"
#include "supernet/inference.h"

namespace iqnas::predictor {

const std::vector<std::string>& resource_names() {
  static const std::vector<std::string> names{"latency_ms", "params_m", "macs_m", "memory_mb"};
  return names;
}

namespace {

constexpr double kBytesPerFloat = 4.0;

void check_name(const std::string& name, const LatencyTable* table) {
  const auto& n = resource_names();
  if (std::find(n.begin(), n.end(), name) == n.end()) {
    std::string known;
    for (const auto& k : n) known += (known.empty() ? "" : ", ") + k;
    throw std::invalid_argument("unknown resource '" + name + "' (known: " + known + ")");
  }
  if (name == "latency_ms" && !table) throw std::invalid_argument("resource latency_ms needs a latency table");
}

// Counts of one block or of the fixed parts, read off the built module and its inference program.
struct Counts {
  double params = 0, macs = 0, peak_bytes = 0;
};
template <class M>
Counts counts_of(M& module, const InferenceProgram& p) {
  return {double(module.num_parameters()), double(p.macs()), double(p.peak_activation_floats()) * kBytesPerFloat};
}

// Per-key block counts and the fixed parts' counts of a space (each distinct block built once).
struct SpaceCounts {
  std::map<std::string, Counts> blocks;
  Counts fixed;
};
SpaceCounts space_counts(const SearchSpace& s) {
  NoGradGuard no_grad;
  Rng rng(0);
  SpaceCounts c;
  for (const BlockKey& k : distinct_block_keys(s)) {
    const auto b = key_block(s, k, rng);
    b->eval();
    c.blocks[k.str()] = counts_of(*b, inference_block(*b, k.input_size, 1));
  }
  FixedParts f(s, rng);
  f.eval();
  c.fixed = counts_of(f, inference_fixed(s, f, 1));
  return c;
}

double scaled(const std::string& name, const Counts& c) {
  if (name == "params_m") return c.params / 1e6;
  if (name == "macs_m") return c.macs / 1e6;
  return c.peak_bytes / 1e6;  // memory_mb
}

}  // namespace

solver::Expression resource_row(const SearchSpace& s, const std::string& name, const LatencyTable* table) {
  check_name(name, table);
  if (name == "memory_mb")
    throw std::invalid_argument(
        "resource memory_mb is a peak (a maximum over blocks), not a sum: use resource_constraints, which gives one "
        "exact row per block position");
  if (name == "latency_ms")
    return additive_row(s, fixed_latency(*table),
                        [&](int st, int b, int c) { return block_latency(*table, s, st, b, c); });
  const SpaceCounts sc = space_counts(s);
  return additive_row(s, scaled(name, sc.fixed),
                      [&](int st, int b, int c) { return scaled(name, sc.blocks.at(block_key(s, st, b, c).str())); });
}

std::vector<solver::Constraint> resource_constraints(const SearchSpace& s, const std::string& name, double max,
                                                     const LatencyTable* table) {
  check_name(name, table);
  if (name != "memory_mb") return {solver::Constraint{name, resource_row(s, name, table), max}};
  const SpaceCounts sc = space_counts(s);
  const double fixed = scaled(name, sc.fixed);
  std::vector<solver::Constraint> out;
  for (size_t i = 0; i < s.stages.size(); ++i)
    for (int pos = 0; pos < s.stages[i].max_depth(); ++pos) {
      const int si = int(i);
      const bool always = block_always_active(s, si, pos);
      auto cost = [&](int st, int b, int c) {
        if (st != si || b != pos) return 0.0;
        const double m = scaled(name, sc.blocks.at(block_key(s, st, b, c).str()));
        return always ? std::max(m, fixed) : m;
      };
      out.push_back({name + ".s" + std::to_string(i + 1) + ".b" + std::to_string(pos + 1), additive_row(s, 0.0, cost), max});
    }
  return out;
}

NetworkCounts count_network(const SearchSpace& s, const Architecture& a) {
  NoGradGuard no_grad;
  Rng rng(0);
  SubNetwork net(s, a, rng);
  net.eval();
  const InferenceProgram p = inference_network(s, net, 1);
  return {p.macs(), net.num_parameters(), int64_t(p.peak_activation_floats() * int64_t(kBytesPerFloat))};
}

double resource_value(const SearchSpace& s, const Architecture& a, const std::string& name, const LatencyTable* table) {
  check_name(name, table);
  if (name == "latency_ms") return predicted_latency(*table, s, a);
  const NetworkCounts n = count_network(s, a);
  if (name == "params_m") return double(n.params) / 1e6;
  if (name == "macs_m") return double(n.macs) / 1e6;
  return double(n.peak_activation_bytes) / 1e6;
}

}  // namespace iqnas::predictor
