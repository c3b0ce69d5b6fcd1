// `iqnas solve`: solve one problem file (docs/solver.md) and write the result JSON.
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "experiments/args.h"
#include "experiments/command.h"
#include "experiments/output.h"
#include "experiments/solve_options.h"
#include "util/atomic_file.h"
#include "solver/problem_io.h"
#include "solver/solve.h"

namespace {

std::string usage() {
  return "usage: iqnas solve --problem P.json --out R.json [--method NAME] [method options] [--json] [--quiet]\n" +
         iqnas::cli::solve_options_usage() + iqnas::cli::Output::kHelp +
         "An infeasible problem is a result, not an error: status 'infeasible', the smallest achievable\n"
         "value of each budget, and exit code 0. The result echoes the method's options.\n";
}

int run_solve(const std::vector<std::string>& argv) {
  using namespace iqnas;
  std::set<std::string> names = cli::solve_option_names();
  names.insert({"problem", "out"});
  cli::Args args(argv, names, cli::Output::flags());
  if (args.help()) {
    std::printf("%s", usage().c_str());
    return 0;
  }
  if (!args.positional().empty()) throw cli::UsageError("unexpected argument '" + args.positional()[0] + "'");
  const cli::Output o(args);
  const solver::SolveOptions opt = cli::solve_options(args);
  const std::string out = args.str("out");
  if (iqnas::same_file(out, args.str("problem")))
    throw cli::UsageError("--out names the problem file itself; choose another result path");
  const solver::Problem p = solver::read_problem(args.str("problem"));
  const solver::Result r = solver::solve(p, opt);
  const nlohmann::json result = solver::result_to_json(r);
  solver::write_json_file(result, out);
  if (r.selection.empty()) {
    o.text("%s: %s\n", opt.method.c_str(), r.message.c_str());
  } else {
    o.text("%s: %s, objective %.10g", opt.method.c_str(), solver::status_name(r.status), r.objective);
    if (r.has_bound) o.text(", bound %.10g", r.bound);
    o.text(", %.3f ms\n", r.solve_seconds * 1e3);
    if (!r.message.empty()) o.text("  %s\n", r.message.c_str());
    for (size_t k = 0; k < r.constraint_names.size(); ++k)
      o.text("  %s = %.6g (max %.6g)\n", r.constraint_names[k].c_str(), r.constraint_values[k], r.constraint_max[k]);
  }
  o.text("wrote %s\n", out.c_str());
  o.result({{"method", opt.method}, {"result", result}, {"written", {out}}});
  return 0;
}

}  // namespace

IQNAS_COMMAND("solve", "solve an integer quadratic program (methods: iqnas solve --help)", run_solve);
