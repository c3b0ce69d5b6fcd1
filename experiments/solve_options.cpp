#include "experiments/solve_options.h"

#include <cstdio>
#include <stdexcept>

#include "solver/methods.h"

namespace iqnas::cli {

namespace {
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}
}  // namespace

std::set<std::string> solve_option_names() {
  std::set<std::string> names{"method"};
  for (const auto* o : solver::all_options()) names.insert(o->flag);
  return names;
}

std::string solve_options_usage() { return solver::methods_usage(); }

solver::SolveOptions solve_options(const Args& args) {
  solver::SolveOptions opt;
  opt.method = args.str("method", "exact");
  const solver::Method* m = nullptr;
  try {
    m = &solver::find_method(opt.method);
  } catch (const std::invalid_argument&) {
    throw UsageError("--method must be one of " + solver::method_names(", ") + ", got '" + opt.method + "'");
  }
  for (const auto* o : solver::all_options()) {
    if (!args.has(o->flag)) continue;
    bool own = false;
    for (const auto& x : m->options) own = own || x.flag == o->flag;
    if (!own) {
      std::string list;
      for (const auto& x : m->options) list += (list.empty() ? "--" : ", --") + x.flag;
      throw UsageError("--" + o->flag + " is not an option of method " + m->name + " (its options: " +
                       (list.empty() ? "none" : list) + ")");
    }
    const double v = o->integer ? static_cast<double>(args.integer(o->flag, 0)) : args.num(o->flag, 0.0);
    if (!(v >= o->min && v <= o->max))
      throw UsageError("--" + o->flag + " must be between " + num(o->min) + " and " + num(o->max) + ", got " +
                       args.str(o->flag));
    o->set(opt, v);
  }
  return opt;
}

}  // namespace iqnas::cli
