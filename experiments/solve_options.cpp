#include "experiments/solve_options.h"

#include <stdexcept>

#include "solver/methods.h"

namespace iqnas::cli {

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
    // The registry's ranges are finite and integer options' ends are integers within 2^53.
    const double v = o->integer ? static_cast<double>(args.integer(o->flag, 0, static_cast<int64_t>(o->min),
                                                                   static_cast<int64_t>(o->max)))
                                : args.num(o->flag, 0.0, o->min, o->max);
    o->set(opt, v);
  }
  return opt;
}

}  // namespace iqnas::cli
