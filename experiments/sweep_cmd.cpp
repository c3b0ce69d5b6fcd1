// `iqnas sweep`: the objective-versus-budget front for one constraint, as CSV and SVG.
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
#include "solver/sweep.h"

namespace {

std::string usage() {
  return "usage: iqnas sweep --problem P.json --constraint NAME (--budgets a,b,c | --range start:stop:count)\n"
         "                   --out front.csv [--plot front.svg] [--method NAME] [method options] [--json] [--quiet]\n"
         "  Solves the problem for every budget of constraint NAME (other budgets as in the file) and\n"
         "  writes one CSV row per budget and an SVG plot (default: the CSV path with .svg).\n" +
         iqnas::cli::solve_options_usage() + iqnas::cli::Output::kHelp;
}

int run_sweep(const std::vector<std::string>& argv) {
  using namespace iqnas;
  std::set<std::string> names = cli::solve_option_names();
  names.insert({"problem", "constraint", "budgets", "range", "out", "plot"});
  cli::Args args(argv, names, cli::Output::flags());
  if (args.help()) {
    std::printf("%s", usage().c_str());
    return 0;
  }
  const cli::Output o(args);
  if (!args.positional().empty()) throw cli::UsageError("unexpected argument '" + args.positional()[0] + "'");
  if (args.has("budgets") == args.has("range")) throw cli::UsageError("give exactly one of --budgets and --range");
  std::vector<double> budgets;
  try {
    budgets = solver::parse_budgets(args.has("budgets") ? args.str("budgets") : args.str("range"));
  } catch (const std::invalid_argument& e) {
    throw cli::UsageError(std::string(args.has("budgets") ? "--budgets: " : "--range: ") + e.what());
  }
  const solver::SolveOptions opt = cli::solve_options(args);
  const std::string out = args.str("out");
  std::string plot = args.str("plot", "");
  if (plot.empty()) {
    const auto dot = out.rfind('.');
    const auto slash = out.rfind('/');
    plot = (dot != std::string::npos && (slash == std::string::npos || dot > slash) ? out.substr(0, dot) : out) + ".svg";
  }
  if (iqnas::same_file(out, args.str("problem"))) throw cli::UsageError("--out names the problem file itself");
  if (iqnas::same_file(plot, args.str("problem"))) throw cli::UsageError("--plot names the problem file itself");
  if (iqnas::same_file(plot, out)) throw cli::UsageError("--plot and --out name the same file");
  const std::string name = args.str("constraint");
  const solver::Problem p = solver::read_problem(args.str("problem"));
  if (p.constraint_index(name) < 0) {
    std::string names;
    for (const auto& c : p.constraints) names += (names.empty() ? "" : ", ") + c.name;
    throw cli::UsageError("--constraint: the problem has no constraint '" + name + "' (it has: " +
                          (names.empty() ? "none" : names) + ")");
  }
  const auto pts = solver::sweep(p, name, budgets, opt);
  solver::write_sweep_csv(p, name, pts, out);
  solver::write_text_file(solver::sweep_svg(name, pts), plot);
  double total = 0;
  int feasible = 0;
  nlohmann::ordered_json points = nlohmann::ordered_json::array();
  for (const auto& pt : pts) {
    const solver::Result& r = pt.result;
    total += r.solve_seconds;
    feasible += !r.selection.empty();
    o.text("  %s <= %-12.6g %-10s %s\n", name.c_str(), pt.budget, solver::status_name(r.status),
           r.selection.empty() ? "" : std::to_string(r.objective).c_str());
    nlohmann::ordered_json j = {{"budget", pt.budget}, {"status", solver::status_name(r.status)}};
    j["objective"] = r.selection.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(r.objective);
    j["bound"] = r.has_bound ? nlohmann::ordered_json(r.bound) : nlohmann::ordered_json();
    j["solve_s"] = r.solve_seconds;
    points.push_back(j);
  }
  o.text("%zu budgets (%d feasible) in %.3f ms; wrote %s and %s\n", pts.size(), feasible, total * 1e3, out.c_str(),
         plot.c_str());
  o.result({{"constraint", name}, {"method", opt.method}, {"points", points}, {"feasible", feasible},
            {"solve_s", total}, {"written", {out, plot}}});
  return 0;
}

}  // namespace

IQNAS_COMMAND("sweep", "solve for a list or range of budgets of one constraint: CSV + SVG front", run_sweep);
