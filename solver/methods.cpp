#include "solver/methods.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "solver/exact.h"
#include "solver/heuristics.h"

namespace iqnas::solver {

namespace {

constexpr double kMaxSeed = 9007199254740992.0;  // 2^53: every integer up to it is exact in a double

MethodOption time_limit_option() {
  return {"time-limit", "seconds (0: none). exact: preprocessing included; on timeout the result is 'feasible' with a proven bound, or 'time_limit' when no selection was found yet. relax: ends every phase (the current point is rounded, the polish stops) and still returns a feasible selection", false, 0, 1e9,
          [](const SolveOptions& o) { return o.time_limit_s; }, [](SolveOptions& o, double v) { o.time_limit_s = v; }};
}

MethodOption seed_option() {
  return {"seed", "random seed (default 0)", true, 0, kMaxSeed,
          [](const SolveOptions& o) { return static_cast<double>(o.seed); },
          [](SolveOptions& o, double v) { o.seed = static_cast<uint64_t>(v); }};
}

std::vector<Method> build() {
  std::vector<Method> m;
  m.push_back({"exact", "branch-and-bound, proven optimum (default)", {time_limit_option()},
               [](const Problem& p, const SolveOptions& o) {
                 ExactOptions eo;
                 eo.time_limit_s = o.time_limit_s;
                 return solve_exact(p, eo);
               }});
  m.push_back({"relax", "block-coordinate Frank-Wolfe relaxation + guaranteed rounding (ours)", {time_limit_option()},
               [](const Problem& p, const SolveOptions& o) {
                 RelaxOptions ro;
                 ro.time_limit_s = o.time_limit_s;
                 return solve_relax(p, ro);
               }});
  m.push_back({"evo", "evolutionary search (Once-for-All style)",
               {seed_option(),
                {"population", "population size (default 100)", true, 2, 1e6,
                 [](const SolveOptions& o) { return static_cast<double>(o.population); },
                 [](SolveOptions& o, double v) { o.population = static_cast<int>(v); }},
                {"generations", "generations (default 500)", true, 1, 1e7,
                 [](const SolveOptions& o) { return static_cast<double>(o.generations); },
                 [](SolveOptions& o, double v) { o.generations = static_cast<int>(v); }}},
               [](const Problem& p, const SolveOptions& o) {
                 EvoOptions eo;
                 eo.seed = o.seed;
                 eo.population = o.population;
                 eo.generations = o.generations;
                 return solve_evo(p, eo);
               }});
  m.push_back({"random", "best of K uniform samples within the budgets",
               {seed_option(),
                {"samples", "K, the number of samples (default 10000)", true, 1, 1e9,
                 [](const SolveOptions& o) { return static_cast<double>(o.samples); },
                 [](SolveOptions& o, double v) { o.samples = static_cast<int>(v); }}},
               [](const Problem& p, const SolveOptions& o) {
                 RandomOptions ro;
                 ro.seed = o.seed;
                 ro.samples = o.samples;
                 return solve_random(p, ro);
               }});
  m.push_back({"binas-bcfw", "the reference code's block-coordinate Frank-Wolfe + sparsify + argmax (may break the budget)",
               {seed_option(),
                {"bcfw-steps", "Frank-Wolfe steps of binas-bcfw (default 1000)", true, 0, 1e7,
                 [](const SolveOptions& o) { return static_cast<double>(o.bcfw_steps); },
                 [](SolveOptions& o, double v) { o.bcfw_steps = static_cast<int>(v); }}},
               [](const Problem& p, const SolveOptions& o) {
                 BcfwOptions bo;
                 bo.seed = o.seed;
                 bo.steps = o.bcfw_steps;
                 return solve_binas_bcfw(p, bo);
               }});
  return m;
}

}  // namespace

const std::vector<Method>& methods() {
  static const std::vector<Method> m = build();
  return m;
}

std::string method_names(const std::string& sep) {
  std::string s;
  for (const auto& m : methods()) s += (s.empty() ? "" : sep) + m.name;
  return s;
}

const Method& find_method(const std::string& name) {
  for (const auto& m : methods())
    if (m.name == name) return m;
  throw std::invalid_argument("unknown method '" + name + "' (expected one of " + method_names(", ") + ")");
}

std::vector<const MethodOption*> all_options() {
  std::vector<const MethodOption*> out;
  for (const auto& m : methods())
    for (const auto& o : m.options) {
      bool seen = false;
      for (const auto* x : out) seen = seen || x->flag == o.flag;
      if (!seen) out.push_back(&o);
    }
  return out;
}

void validate_options(const SolveOptions& opt) {
  for (const auto& o : find_method(opt.method).options) {
    const double v = o.get(opt);
    char buf[160];
    if (!std::isfinite(v) || v < o.min || v > o.max) {
      std::snprintf(buf, sizeof buf, "%s: %s must be between %.17g and %.17g, got %.17g", opt.method.c_str(),
                    o.flag.c_str(), o.min, o.max, v);
      throw std::invalid_argument(buf);
    }
    if (o.integer && v != std::floor(v)) throw std::invalid_argument(opt.method + ": " + o.flag + " must be an integer");
  }
}

std::vector<std::pair<std::string, double>> method_option_values(const SolveOptions& opt) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& o : find_method(opt.method).options) out.emplace_back(o.flag, o.get(opt));
  return out;
}

std::string methods_usage() {
  std::string s = "  --method      " + method_names("|") + "\n";
  for (const auto& m : methods()) {
    s += "      " + m.name + ": " + m.summary;
    if (!m.options.empty()) {
      s += " [options:";
      for (const auto& o : m.options) s += " --" + o.flag;
      s += "]";
    }
    s += "\n";
  }
  for (const auto* o : all_options()) {
    char range[96];
    std::snprintf(range, sizeof range, " (%s %.6g..%.6g)", o->integer ? "integer" : "number", o->min, o->max);
    std::string line = "  --" + o->flag;
    if (line.size() < 16) line.resize(16, ' ');
    s += line + o->help + range + "\n";
  }
  return s;
}

}  // namespace iqnas::solver
