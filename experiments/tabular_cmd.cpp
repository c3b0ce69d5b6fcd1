// `iqnas tabular`: the method on a measured benchmark table (docs/tabular.md), and
// `iqnas tabular-eval`: its evaluation over devices, budgets, objectives and seeds.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dist/communicator.h"
#include "experiments/args.h"
#include "experiments/command.h"
#include "experiments/output.h"
#include "predictor/tabular_search.h"
#include "solver/problem_io.h"
#include "util/atomic_file.h"
#include "util/number.h"
#include "util/progress.h"

namespace {

using namespace iqnas;
using predictor::TabularOptions;

const char* kUsage =
    "usage: iqnas tabular --csv FILE --accuracy-column C --cost-column L --budget T\n"
    "                     [--arch-column arch] [--samples 200] [--seed 0] [--mode active|fit]\n"
    "                     [--margin calibrated|none] [--encoding nb201|tokens] [--out R.json] [--json] [--quiet]\n"
    "  --csv          benchmark table, CSV with a header (gzip accepted)\n"
    "  --budget       largest allowed cost, in the cost column's unit\n"
    "  --samples      rows the method may measure (read accuracy and cost of), 10..rows\n"
    "  --mode         active (default): half at random, half the solver's own picks, refitting\n"
    "                 between them; fit: all at random, one fit, the solver's pick\n"
    "  --margin       calibrated (default): solve with the budget shrunk by the 90% quantile of\n"
    "                 the cost fit's out-of-fold residuals; none\n"
    "  --encoding     nb201 (default): NAS-Bench-201 cell strings; tokens: '-'-separated fields\n"
    "  --initial-fraction  active: share of the samples drawn at random first (default 0.5)\n"
    "  --picks-per-fit     active: rows measured between two refits (default 4)\n"
    "  --floor-quantile    accuracies below this quantile of the measured ones are raised to it\n"
    "                      before the accuracy fit (default 0.5; 0: off)\n"
    "Prints a JSON object (also written to --out): the chosen architecture, its predicted and true\n"
    "accuracy and cost, whether the true cost meets the budget, the true best under the budget and\n"
    "the regret. A budget nothing fits gives \"status\": \"infeasible\" and exit code 0. With --json the\n"
    "document is that object with \"written\" (the --out path, if any) added.\n";

const char* kEvalUsage =
    "usage: iqnas tabular-eval --csv FILE --out PREFIX [--costs L1,L2,..] [--accuracies C1,..]\n"
    "                          [--quantiles 0.3,0.6] [--seeds 5] [--samples 200] [--mode active|fit]\n"
    "                          [--margin calibrated|none] [--arch-column arch] [--encoding nb201]\n"
    "                          [--initial-fraction F] [--picks-per-fit K] [--floor-quantile Q] [--json] [--quiet]\n"
    "Runs `iqnas tabular` for every cost column x budget (the given quantiles of that column over the\n"
    "table) x accuracy column x seed 0..seeds-1, and writes PREFIX.csv (one row per run) and\n"
    "PREFIX.md (medians per cost and accuracy column). Defaults: the NAS-Bench-201 file's columns.\n";

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  if (out.empty()) throw cli::UsageError("empty list '" + s + "'");
  return out;
}

void read_common(const cli::Args& args, TabularOptions& o) {
  const std::string mode = args.str("mode", "active");
  if (mode != "active" && mode != "fit") throw cli::UsageError("--mode must be active or fit, got '" + mode + "'");
  o.mode = mode == "active" ? TabularOptions::Mode::Active : TabularOptions::Mode::Fit;
  const std::string margin = args.str("margin", "calibrated");
  if (margin != "calibrated" && margin != "none")
    throw cli::UsageError("--margin must be calibrated or none, got '" + margin + "'");
  o.margin = margin == "calibrated" ? TabularOptions::Margin::Calibrated : TabularOptions::Margin::None;
  o.initial_fraction = args.num("initial-fraction", o.initial_fraction);
  if (!(o.initial_fraction > 0 && o.initial_fraction <= 1)) throw cli::UsageError("--initial-fraction must be in (0, 1]");
  o.floor_quantile = args.num("floor-quantile", o.floor_quantile);
  if (!(o.floor_quantile >= 0 && o.floor_quantile < 1)) throw cli::UsageError("--floor-quantile must be in [0, 1)");
  o.picks_per_fit = static_cast<int>(args.integer("picks-per-fit", o.picks_per_fit, 1, 1000000));
  o.samples = static_cast<int>(args.integer("samples", 200, 10, 100000000));
}

predictor::TabularData load(const cli::Args& args, const std::string& acc, const std::string& cost) {
  const predictor::CsvTable table = predictor::read_csv_table(args.str("csv"));
  const std::string arch_col = args.str("arch-column", "arch");
  const int a = table.column(arch_col);
  std::vector<std::string> archs;
  for (const auto& r : table.rows) archs.push_back(r[static_cast<size_t>(a)]);
  const auto enc = predictor::make_encoding(args.str("encoding", "nb201"), archs);
  return predictor::load_tabular(table, *enc, arch_col, acc, cost);
}

nlohmann::json to_json(const predictor::TabularResult& r, const TabularOptions& o) {
  using nlohmann::json;
  const auto num = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  const auto fit = [&](const predictor::FitSummary& s) {
    return json{{"lambda", s.lambda}, {"cv_rmse", s.cv_rmse}, {"kendall_tau", num(s.kendall_tau)},
                {"spearman", num(s.spearman)}};
  };
  json j;
  j["status"] = r.feasible ? "ok" : "infeasible";
  if (!r.message.empty()) j["message"] = r.message;
  j["mode"] = o.mode == TabularOptions::Mode::Active ? "active" : "fit";
  j["margin_mode"] = o.margin == TabularOptions::Margin::Calibrated ? "calibrated" : "none";
  j["samples"] = o.samples;
  j["measured"] = r.measured;
  j["seed"] = o.seed;
  j["budget"] = o.budget;
  j["margin"] = r.margin;
  j["solve_budget"] = r.solve_budget;
  if (r.feasible) {
    j["arch"] = r.arch;
    j["row"] = r.row + 1;
    j["selection"] = r.selection;
    j["predicted_accuracy"] = r.predicted_accuracy;
    j["predicted_cost"] = r.predicted_cost;
    j["true_accuracy"] = r.true_accuracy;
    j["true_cost"] = r.true_cost;
    j["meets_budget"] = r.meets_budget;
  }
  j["best_accuracy_under_budget"] = r.best_row >= 0 ? json(r.best_accuracy) : json(nullptr);
  j["regret"] = r.feasible && r.best_row >= 0 ? json(r.regret) : json(nullptr);
  j["accuracy_fit"] = fit(r.accuracy_fit);
  j["cost_fit"] = fit(r.cost_fit);
  j["solver"] = {{"method", "exact"}, {"solves", r.solves}, {"seconds", r.solve_seconds}};
  return j;
}

int run_tabular(const std::vector<std::string>& argv) {
  cli::Args args(argv, {"csv", "arch-column", "accuracy-column", "cost-column", "budget", "samples", "seed", "mode",
                        "margin", "encoding", "out", "initial-fraction", "floor-quantile", "picks-per-fit"},
                 cli::Output::flags());
  if (args.help()) {
    std::printf("%s%s", kUsage, cli::Output::kHelp);
    return 0;
  }
  const cli::Output msg(args);
  if (!args.positional().empty()) throw cli::UsageError("unexpected argument '" + args.positional()[0] + "'");
  TabularOptions o;
  read_common(args, o);
  o.budget = args.num("budget");
  o.seed = static_cast<uint64_t>(args.integer("seed", 0, 0, int64_t(1) << 53));
  const auto data = load(args, args.str("accuracy-column"), args.str("cost-column"));
  if (o.samples > static_cast<int>(data.selection.size()))
    throw cli::UsageError("--samples " + std::to_string(o.samples) + " exceeds the table's " +
                          std::to_string(data.selection.size()) + " rows");
  nlohmann::json j = to_json(predictor::tabular_search(data, o), o);
  if (args.has("out"))
    dist::write_by_rank0(dist::world(), "tabular search result", [&] { solver::write_json_file(j, args.str("out")); });
  msg.text("%s\n", j.dump(2).c_str());
  j["written"] = args.has("out") ? nlohmann::json::array({args.str("out")}) : nlohmann::json::array();
  msg.result(j);
  return 0;
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos)), hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

double median(std::vector<double> v) { return v.empty() ? std::nan("") : quantile(std::move(v), 0.5); }

int run_tabular_eval(const std::vector<std::string>& argv) {
  cli::Args args(argv, {"csv", "arch-column", "costs", "accuracies", "quantiles", "seeds", "samples", "mode", "margin",
                        "encoding", "out", "initial-fraction", "floor-quantile", "picks-per-fit"},
                 cli::Output::flags());
  if (args.help()) {
    std::printf("%s%s", kEvalUsage, cli::Output::kHelp);
    return 0;
  }
  const cli::Output msg(args);
  if (!args.positional().empty()) throw cli::UsageError("unexpected argument '" + args.positional()[0] + "'");
  TabularOptions o;
  read_common(args, o);
  o.rank_quality = false;
  const auto costs = split_list(args.str(
      "costs", "lat_pixel3,lat_raspi4,lat_fpga,lat_gold_6226,lat_titan_rtx_1,lat_1080ti_256"));
  const auto accs = split_list(args.str("accuracies", "acc_cifar10,acc_cifar100,acc_imagenet16_120"));
  std::vector<double> qs;
  for (const auto& s : split_list(args.str("quantiles", "0.3,0.6"))) {
    double q = -1;
    try {
      q = iqnas::parse_number(s, "--quantiles");
    } catch (const std::invalid_argument&) {
    }
    if (!(q > 0 && q < 1)) throw cli::UsageError("--quantiles: '" + s + "' is not in (0, 1)");
    qs.push_back(q);
  }
  const int64_t seeds = args.integer("seeds", 5, 1, 1000);
  const std::string out = args.str("out");

  std::string csv = "accuracy,cost,quantile,budget,seed,status,arch,true_accuracy,true_cost,meets_budget,best_accuracy,regret,solves\n";
  std::string md =
      "| accuracy | cost | runs | meets budget | median regret | mean regret | worst regret |\n"
      "|---|---|---|---|---|---|---|\n";
  // One summary row per (accuracy, cost) pair, per accuracy column over every device, and overall.
  struct Tally {
    int runs = 0, meet = 0;
    std::vector<double> regret;
    void add(const Tally& t) {
      runs += t.runs;
      meet += t.meet;
      regret.insert(regret.end(), t.regret.begin(), t.regret.end());
    }
  };
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  const auto summary = [&rows](const std::string& acc, const std::string& cost, const Tally& t) {
    double mean = 0, worst = 0;
    for (double v : t.regret) {
      mean += v / static_cast<double>(t.regret.size());
      worst = std::max(worst, v);
    }
    char line[512];
    std::snprintf(line, sizeof line, "| %s | %s | %d | %d/%d | %.2f | %.2f | %.2f |\n", acc.c_str(), cost.c_str(), t.runs,
                  t.meet, t.runs, median(t.regret), mean, worst);
    rows.push_back({{"accuracy", acc},
                    {"cost", cost},
                    {"runs", t.runs},
                    {"meets_budget", t.meet},
                    {"median_regret", median(t.regret)},
                    {"mean_regret", mean},
                    {"worst_regret", worst}});
    return std::string(line);
  };
  Tally total;
  Progress progress("tabular-eval", accs.size() * costs.size() * qs.size() * static_cast<size_t>(seeds));
  size_t done = 0;
  for (const auto& acc : accs) {
    Tally per_acc;
    for (const auto& cost : costs) {
      const auto data = load(args, acc, cost);
      Tally t;
      for (double q : qs) {
        o.budget = quantile(data.cost, q);
        for (int64_t s = 0; s < seeds; ++s) {
          o.seed = static_cast<uint64_t>(s);
          const auto r = predictor::tabular_search(data, o);
          ++t.runs;
          t.meet += r.feasible && r.meets_budget;
          if (r.feasible && r.best_row >= 0) t.regret.push_back(r.regret);
          char line[512];
          std::snprintf(line, sizeof line, "%s,%s,%.2f,%.6g,%d,%s,%s,%.6g,%.6g,%d,%.6g,%.6g,%d\n", acc.c_str(),
                        cost.c_str(), q, o.budget, static_cast<int>(s), r.feasible ? "ok" : "infeasible",
                        r.arch.c_str(), r.true_accuracy, r.true_cost, r.meets_budget ? 1 : 0, r.best_accuracy,
                        r.regret, r.solves);
          csv += line;
          std::snprintf(line, sizeof line, "%s %s q=%.2f seed=%d: regret %.3f, cost %.4g / %.4g%s", acc.c_str(),
                        cost.c_str(), q, static_cast<int>(s), r.regret, r.true_cost, o.budget,
                        r.meets_budget ? "" : " (over budget)");
          progress.update(++done, line);
        }
      }
      md += summary(acc, cost, t);
      per_acc.add(t);
    }
    md += summary(acc, "**all devices**", per_acc);
    total.add(per_acc);
  }
  progress.finish();
  md += summary("**all**", "", total);
  dist::write_by_rank0(dist::world(), "tabular summary", [&] {
    write_file_atomic(out + ".csv", csv);
    write_file_atomic(out + ".md", md);
  });
  msg.text("%s", md.c_str());
  msg.text("wrote %s.csv and %s.md\n", out.c_str(), out.c_str());
  msg.result({{"runs", total.runs}, {"summary", rows}, {"written", {out + ".csv", out + ".md"}}});
  return 0;
}

}  // namespace

IQNAS_COMMAND("tabular", "the method on a benchmark table (NAS-Bench-201 strings, measured costs)", run_tabular);
IQNAS_COMMAND("tabular-eval", "evaluate `tabular` over devices, budgets, objectives and seeds", run_tabular_eval);
