// libFuzzer target: the solver's problem reader (JSON text -> Problem) and, for small problems, the
// exact solver under a time limit. Refusals are std::exceptions with a message; anything else (a
// crash, a sanitizer report, a hang) is a finding.
#include <cmath>
#include <nlohmann/json.hpp>

#include "solver/problem_io.h"
#include "solver/solve.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  iqnas::fuzz::refusal_ok([&] {
    const auto p = iqnas::solver::problem_from_json(nlohmann::json::parse(data, data + size));
    if (p.num_vars() > 64) return;
    iqnas::solver::SolveOptions o;
    o.time_limit_s = 0.2;
    const auto r = iqnas::solver::solve(p, o);
    using iqnas::solver::Status;
    if (r.status == Status::Optimal || r.status == Status::Feasible) {
      iqnas::fuzz::check(r.selection.size() == p.groups.size(), "a selection that misses groups");
      for (size_t g = 0; g < p.groups.size(); ++g)
        iqnas::fuzz::check(r.selection[g] >= 0 && r.selection[g] < static_cast<int>(p.groups[g].options.size()),
                           "a selected option out of range");
      iqnas::fuzz::check(std::isfinite(r.objective), "a solved problem with a non-finite objective");
    }
  });
  return 0;
}
