// `iqnas search`: the best network of the space under resource budgets, by the integer program
// over a predictor and the resource models; one network per budget of a sweep (docs/search.md).
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "dist/communicator.h"
#include "experiments/args.h"
#include "experiments/command.h"
#include "experiments/output.h"
#include "experiments/run_folder.h"
#include "predictor/latency_measure.h"
#include "predictor/search.h"
#include "util/atomic_file.h"

namespace iqnas::cli {
namespace {

const char* kHelp = R"(usage: iqnas search --run DIR --budget NAME=VALUE[,NAME=VALUE...] [options] [--json] [--quiet]

Builds the integer program (objective: the predictor's accuracy; one row per budget: latency from
the table, parameters, MACs, peak activation memory counted exactly) and solves it. Writes, per
budget, the architecture, its predicted accuracy and resources, and the solver's proof (status,
proven bound) to DIR/search/<budget>.json and the architecture alone to DIR/search/<budget>.arch.json.

options:
  --run DIR            run folder (space.json; predictor.json from `iqnas contrib`)
  --budget LIST        budgets, e.g. latency_ms=40 or latency_ms=40,params_m=5; resources:
                       latency_ms (ms per image, needs --lut), params_m (millions), macs_m
                       (millions, batch 1), memory_mb (peak activation memory, MB)
  --budgets NAME=A:B:N sweep: N budgets of NAME from A to B (other budgets from --budget)
  --lut FILE           latency table (default DIR/lut.json when latency_ms is budgeted)
  --predictor FILE     accuracy predictor (default DIR/predictor.json)
  --method M           exact (default: proven optimal), relax, evo, random, binas-bcfw
  --time-limit S       solver time limit in seconds (default 0: none)
  --seed S             seed of the randomised methods (default 0)
  --fit-measured R     measure each found network end to end on this machine with the table's
                       protocol, in the same interleaved rounds as the table's entries: its
                       latency is its ratio to that same-run table times the stored table's sum
                       (so a change of the machine's speed since the table cannot enter); while
                       it exceeds the latency budget, solve again with the solver's latency
                       budget scaled by budget / measured, at most R more times (0..20; default 0:
                       trust the table). Needs a latency_ms budget and a table measured here
                       (device cpu). The rounds are in the result's "measured_fit".
  --out-dir D          output folder (default DIR/search)
)";

struct Sweep {
  std::string resource;
  double lo = 0, hi = 0;
  int n = 0;
};

Sweep parse_sweep(const std::string& text) {
  Sweep s;
  const size_t eq = text.find('=');
  const std::string bad = "--budgets expects NAME=A:B:N (N >= 1 budgets from A to B), got '" + text + "'";
  if (eq == std::string::npos) throw UsageError(bad);
  s.resource = text.substr(0, eq);
  double n = 0;
  char tail = 0;
  if (std::sscanf(text.c_str() + eq + 1, "%lf:%lf:%lf%c", &s.lo, &s.hi, &n, &tail) != 3 || !(s.lo > 0) || !(s.hi >= s.lo) ||
      n < 1 || n > 10000 || n != static_cast<int>(n))
    throw UsageError(bad);
  s.n = static_cast<int>(n);
  return s;
}

int run_search_cmd(const std::vector<std::string>& argv) {
  Args a(argv, {"run", "budget", "budgets", "lut", "predictor", "method", "time-limit", "seed", "out-dir",
                        "fit-measured"}, Output::flags());
  if (a.help()) {
    std::printf("%s%s", kHelp, Output::kHelp);
    return 0;
  }
  const Output msg(a);
  const std::string dir = a.str("run");
  const SearchSpace s = load_run_space(dir);
  std::vector<predictor::Budget> fixed;
  try {
    if (a.has("budget")) fixed = predictor::parse_budgets(a.str("budget"));
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--budget: ") + e.what());
  }
  std::vector<std::vector<predictor::Budget>> runs;
  if (a.has("budgets")) {
    const Sweep sw = parse_sweep(a.str("budgets"));
    try {
      predictor::parse_budgets(sw.resource + "=1");
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--budgets: ") + e.what());
    }
    for (const auto& b : fixed)
      if (b.resource == sw.resource) throw UsageError("--budget and --budgets both set " + sw.resource);
    for (int i = 0; i < sw.n; ++i) {
      auto b = fixed;
      b.push_back({sw.resource, sw.n == 1 ? sw.lo : sw.lo + (sw.hi - sw.lo) * i / (sw.n - 1)});
      runs.push_back(b);
    }
  } else {
    if (fixed.empty()) throw UsageError("give --budget or --budgets");
    runs.push_back(fixed);
  }
  bool needs_lut = false;
  for (const auto& b : runs.front()) needs_lut = needs_lut || b.resource == "latency_ms";
  std::unique_ptr<predictor::LatencyTable> table;
  const std::string lut_path = a.str("lut", dir + "/lut.json");
  if (needs_lut || a.has("lut")) {
    table = std::make_unique<predictor::LatencyTable>(
        predictor::load_latency_table(require_file(lut_path, "measure one with `iqnas lut` or pass --lut"), s));
  }
  const std::string pred_path = a.str("predictor", dir + "/predictor.json");
  const auto pred = predictor::load_predictor(s, require_file(pred_path, "run `iqnas contrib --run " + dir + "` first"));
  solver::SolveOptions opt;
  opt.method = a.str("method", "exact");
  opt.time_limit_s = a.num("time-limit", 0.0);
  if (opt.time_limit_s < 0 || opt.time_limit_s > 1e6) throw UsageError("--time-limit must be in [0, 1e6] seconds");
  opt.seed = static_cast<uint64_t>(a.integer("seed", 0, 0, int64_t(1) << 53));
  const int fit_rounds = static_cast<int>(a.integer("fit-measured", 0, 0, 20));
  const bool fit_measured = a.has("fit-measured");
  if (fit_measured && !needs_lut) throw UsageError("--fit-measured needs a latency_ms budget");
  const predictor::MeasureOptions timing = fit_measured ? timing_of_table(*table, "--fit-measured: " + lut_path, true)
                                                       : predictor::MeasureOptions{};
  const predictor::MeasureLatency measure = [&](const Architecture& arch) {
    return predictor::measure_same_run(s, {arch}, timing).front();
  };
  const std::string out = a.str("out-dir", dir + "/search");
  std::filesystem::create_directories(out);

  msg.text("%-28s %-10s %10s %10s %10s %9s %9s %9s\n", "budget", "status", "predicted", "bound", "latency", "params_m",
           "macs_m", "solve_ms");
  int infeasible = 0;
  nlohmann::ordered_json results = nlohmann::ordered_json::array(), written = nlohmann::ordered_json::array();
  for (const auto& budgets : runs) {
    predictor::SearchOutcome o;
    try {
      o = fit_measured ? predictor::search_within_measured(s, *pred, budgets, *table, opt, measure, fit_rounds)
                       : predictor::run_search(s, *pred, budgets, table.get(), opt);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    const std::string tag = predictor::budget_tag(budgets);
    const std::string outcome = predictor::search_outcome_json(s, budgets, o);
    dist::write_by_rank0(dist::world(), "search result", [&] {
      write_file_atomic(out + "/" + tag + ".json", outcome);
      if (o.found) write_file_atomic(out + "/" + tag + ".arch.json", arch_to_json(s, o.arch) + "\n");
    });
    written.push_back(out + "/" + tag + ".json");
    if (o.found) written.push_back(out + "/" + tag + ".arch.json");
    results.push_back({{"tag", tag}, {"outcome", nlohmann::ordered_json::parse(outcome)}});
    auto res = [&](const char* k) { return o.resources.count(k) ? o.resources.at(k) : NAN; };
    for (const auto& r : o.measured_rounds)
      msg.text("  solver budget %.4f ms: predicted %.4f, measured %.4f ms (network %.4f / same-run table %.4f ms)%s\n",
               r.solver_budget_ms, r.predicted_ms, r.measured_ms, r.network_ms, r.same_run_table_ms,
               r.chosen ? (o.measured_fits ? " (within budget: chosen)" : " (lowest measured: chosen)") : "");
    if (o.found)
      msg.text("%-28s %-10s %10.3f %10.3f %10.3f %9.3f %9.3f %9.3f\n", tag.c_str(), solver::status_name(o.result.status),
               o.predicted_accuracy, o.result.has_bound ? o.result.bound : NAN, res("latency_ms"), res("params_m"),
               res("macs_m"), 1e3 * o.result.solve_seconds);
    else {
      ++infeasible;
      msg.text("%-28s %-10s %s\n", tag.c_str(), "infeasible", o.result.message.c_str());
    }
  }
  msg.text("-> %s/\n", out.c_str());
  msg.result({{"run", dir}, {"method", opt.method}, {"results", results}, {"infeasible", infeasible}, {"written", written}});
  return infeasible == static_cast<int>(runs.size()) ? 3 : 0;
}

}  // namespace
IQNAS_COMMAND("search", "find the most accurate network within resource budgets (integer program)", run_search_cmd);
}  // namespace iqnas::cli
