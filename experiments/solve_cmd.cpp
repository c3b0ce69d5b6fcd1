// `iqnas solve`: solve one problem file (docs/solver.md) and write the result JSON.
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "experiments/args.h"
#include "experiments/command.h"
#include "experiments/solve_options.h"
#include "util/atomic_file.h"
#include "solver/problem_io.h"
#include "solver/solve.h"

namespace {

std::string usage() {
  return "usage: iqnas solve --problem P.json --out R.json [--method NAME] [method options]\n" +
         iqnas::cli::solve_options_usage() +
         "An infeasible problem is a result, not an error: status 'infeasible', the smallest achievable\n"
         "value of each budget, and exit code 0. The result echoes the method's options.\n";
}

int run_solve(const std::vector<std::string>& argv) {
  using namespace iqnas;
  std::set<std::string> names = cli::solve_option_names();
  names.insert({"problem", "out"});
  cli::Args args(argv, names);
  if (args.help()) {
    std::printf("%s", usage().c_str());
    return 0;
  }
  if (!args.positional().empty()) throw cli::UsageError("unexpected argument '" + args.positional()[0] + "'");
  const solver::SolveOptions opt = cli::solve_options(args);
  const std::string out = args.str("out");
  if (iqnas::same_file(out, args.str("problem")))
    throw cli::UsageError("--out names the problem file itself; choose another result path");
  const solver::Problem p = solver::read_problem(args.str("problem"));
  const solver::Result r = solver::solve(p, opt);
  solver::write_json_file(solver::result_to_json(r), out);
  if (r.selection.empty()) {
    std::printf("%s: %s\n", opt.method.c_str(), r.message.c_str());
  } else {
    std::printf("%s: %s, objective %.10g", opt.method.c_str(), solver::status_name(r.status), r.objective);
    if (r.has_bound) std::printf(", bound %.10g", r.bound);
    std::printf(", %.3f ms\n", r.solve_seconds * 1e3);
    if (!r.message.empty()) std::printf("  %s\n", r.message.c_str());
    for (size_t k = 0; k < r.constraint_names.size(); ++k)
      std::printf("  %s = %.6g (max %.6g)\n", r.constraint_names[k].c_str(), r.constraint_values[k], r.constraint_max[k]);
  }
  std::printf("wrote %s\n", out.c_str());
  return 0;
}

}  // namespace

IQNAS_COMMAND("solve", "solve an integer quadratic program (methods: iqnas solve --help)", run_solve);
