// T1 (accuracy against latency of the networks each search method finds) and T4 (each solver
// method's optimality and time): `iqnas search` over evenly spread latency budgets, and for T1
// `iqnas measure` of every network found (each distinct architecture once, all in one call).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "experiments/command.h"
#include "experiments/experiment_tables.h"
#include "experiments/result_files.h"
#include "experiments/run_folder.h"
#include "predictor/search.h"
#include "util/plot.h"

namespace iqnas::cli {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

struct Method {
  std::string name, method, predictor;  // predictor file; empty: the run's predictor.json
};

// The methods that search the run's contribution predictor (every solver method).
std::vector<Method> predictor_methods() {
  return {{"exact", "exact", ""}, {"relax", "relax", ""}, {"binas-bcfw", "binas-bcfw", ""}, {"evo", "evo", ""},
          {"random", "random", ""}};
}

// The MLP fitted on the most sub-networks by `iqnas predictor-eval` (predictors/mlp-<N>.json), or "".
std::string largest_mlp(const std::string& dir) {
  std::string best;
  long most = -1;
  const std::regex name("mlp-([0-9]+)\\.json");
  if (!fs::is_directory(dir + "/predictors")) return best;
  for (const auto& f : fs::directory_iterator(dir + "/predictors")) {
    std::smatch m;
    const std::string file = f.path().filename().string();
    if (std::regex_match(file, m, name) && std::stol(m[1]) > most) most = std::stol(m[1]), best = f.path().string();
  }
  return best;
}

std::vector<double> spread_budgets(const ExperimentSettings& e) {
  std::vector<double> f;
  for (int i = 0; i < e.budgets; ++i) f.push_back(0.1 + 0.8 * i / (e.budgets - 1));
  return budgets_at_fractions(e.dir, "latency_ms", f);
}

struct Search {
  json result;  // DIR/.../<tag>.json of `iqnas search` (null architecture when nothing fits)
  std::string arch_file, tag;
  bool found() const { return result.is_object() && result.contains("architecture") && !result["architecture"].is_null(); }
  std::string status() const {
    return result.is_object() && result.contains("solver") ? result["solver"].value("status", "?") : "?";
  }
};

Search search_once(const ExperimentSettings& e, double budget, const Method& m, const std::string& out_dir) {
  char b[64], limit[32];
  std::snprintf(b, sizeof b, "latency_ms=%.6g", budget);
  std::snprintf(limit, sizeof limit, "%g", e.time_limit_s);
  std::vector<std::string> args{"--run", e.dir,     "--budget", b,      "--method",   m.method, "--out-dir",
                                out_dir, "--seed", std::to_string(e.seed), "--time-limit", limit,    "--quiet"};
  if (!m.predictor.empty()) args.insert(args.end(), {"--predictor", m.predictor});
  const int rc = call_command("search", args);
  if (rc != 0 && rc != 3)  // 3: nothing fits the budget, a result in its own right
    throw std::runtime_error("iqnas search --method " + m.method + " failed (exit " + std::to_string(rc) + ")");
  Search s;
  s.tag = predictor::budget_tag(predictor::parse_budgets(b));
  s.arch_file = out_dir + "/" + s.tag + ".arch.json";
  s.result = read_json_if_exists(out_dir + "/" + s.tag + ".json");
  return s;
}

std::string method_names(const std::vector<Method>& methods) {
  std::string s;
  for (const auto& m : methods) s += (s.empty() ? "" : ", ") + ("`" + m.name + "`");
  return s;
}

}  // namespace

ExperimentTable accuracy_vs_latency(const ExperimentSettings& e, const Output& o) {
  std::vector<Method> methods = predictor_methods();
  const std::string mlp = largest_mlp(e.dir);
  if (!mlp.empty()) methods.push_back({"evo-mlp", "evo", mlp});
  const std::vector<double> budgets = spread_budgets(e);
  ExperimentTable t;
  std::ostringstream csv, md;
  csv << "method,budget_ms,status,predicted_accuracy,table_latency_ms,measured_latency_ms,test_accuracy,within_budget,"
         "solve_ms\n";
  struct Cell {
    double acc = NAN, latency = NAN;
    std::string note;
  };
  std::vector<std::vector<Cell>> cells(methods.size(), std::vector<Cell>(budgets.size()));
  std::vector<std::vector<Search>> runs(methods.size());
  for (size_t mi = 0; mi < methods.size(); ++mi)
    for (size_t bi = 0; bi < budgets.size(); ++bi) {
      o.text("t1: %s, budget %zu/%zu\n", methods[mi].name.c_str(), bi + 1, budgets.size());
      runs[mi].push_back(search_once(e, budgets[bi], methods[mi], e.out + "/t1/" + methods[mi].name));
    }
  // Every distinct network found, measured in one call: timed in the same interleaved rounds, so
  // that the methods' latencies compare on the same moments of the machine.
  std::map<std::string, std::string> result_of;  // architecture JSON -> its measurement file
  std::string archs, outs;
  for (size_t mi = 0; mi < methods.size(); ++mi)
    for (const Search& s : runs[mi]) {
      if (!s.found() || result_of.count(s.result["architecture"].dump())) continue;
      const std::string out = e.out + "/t1/" + methods[mi].name + "/" + s.tag + ".measure.json";
      result_of[s.result["architecture"].dump()] = out;
      archs += (archs.empty() ? "" : ",") + s.arch_file, outs += (outs.empty() ? "" : ",") + out;
    }
  if (!archs.empty()) {
    o.text("t1: measuring %zu networks\n", result_of.size());
    std::vector<std::string> args{"--run", e.dir, "--arch", archs, "--out", outs, "--quiet"};
    args.insert(args.end(), e.data_args.begin(), e.data_args.end());
    if (call_command("measure", args) != 0) throw std::runtime_error("iqnas measure of the T1 networks failed");
  }
  std::vector<ScatterSeries> series;
  for (size_t mi = 0; mi < methods.size(); ++mi) {
    const Method& m = methods[mi];
    ScatterSeries pts{m.name, {}, {}};
    for (size_t bi = 0; bi < budgets.size(); ++bi) {
      const Search& s = runs[mi][bi];
      Cell& c = cells[mi][bi];
      if (s.found()) {
        const json meas = read_json_if_exists(result_of[s.result["architecture"].dump()]);
        c.acc = json_number(meas, {"test_accuracy"});
        c.latency = judged_latency_ms(meas);  // at the table's speed, as the report judges found networks
        pts.x.push_back(std::isfinite(c.latency) ? c.latency : json_number(s.result, {"predicted_resources", "latency_ms"}));
        pts.y.push_back(c.acc);
      }
      const std::string status = s.status();
      if (!s.found()) c.note = "nothing found";
      if (status == "budget_exceeded") c.note = "breaks the budget";
      const bool within = std::isfinite(c.latency) && c.latency <= budgets[bi];
      csv << m.name << "," << format_value("%.6g", budgets[bi]) << "," << status << ","
          << format_value("%.4f", json_number(s.result, {"predicted_accuracy"})) << ","
          << format_value("%.6g", json_number(s.result, {"predicted_resources", "latency_ms"})) << ","
          << format_value("%.6g", c.latency) << "," << format_value("%.3f", c.acc) << "," << (within ? 1 : 0) << ","
          << format_value("%.3f", 1e3 * json_number(s.result, {"solver", "solve_seconds"})) << "\n";
    }
    series.push_back(pts);
  }
  md << "# T1: accuracy against latency of the networks found, per search method\n\n"
     << budgets.size() << " latency budgets from 10% to 90% of the way from the smallest to the heaviest network's "
        "table latency. Methods " << method_names(methods)
     << " search the run's contribution predictor (`evo-mlp`: evolution with the MLP predictor "
     << (mlp.empty() ? "(none fitted)" : "`" + fs::path(mlp).filename().string() + "`")
     << ") with a " << format_value("%g", e.time_limit_s)
     << " s limit per solve. Each cell: test accuracy (%) with weights inherited from the supernet / latency (ms) measured "
        "end to end with the table's protocol, timed with the table's entries and given at the table's speed "
        "(`iqnas measure`'s same_run_ms).\n\n| budget (ms) |";
  for (const auto& m : methods) md << " " << m.name << " |";
  md << "\n|---:|";
  for (size_t i = 0; i < methods.size(); ++i) md << "---|";
  md << "\n";
  for (size_t bi = 0; bi < budgets.size(); ++bi) {
    md << "| " << format_value("%.4g", budgets[bi]) << " |";
    for (size_t mi = 0; mi < methods.size(); ++mi) {
      const Cell& c = cells[mi][bi];
      md << " " << (std::isfinite(c.acc) ? format_value("%.2f", c.acc) + " / " + format_value("%.4f", c.latency) : "")
         << (c.note.empty() ? "" : (std::isfinite(c.acc) ? " (" : "") + c.note + (std::isfinite(c.acc) ? ")" : "")) << " |";
    }
    md << "\n";
  }
  md << "| mean accuracy |";
  for (size_t mi = 0; mi < methods.size(); ++mi) {
    double sum = 0;
    int n = 0;
    for (const Cell& c : cells[mi])
      if (std::isfinite(c.acc)) sum += c.acc, ++n;
    md << " " << (n == static_cast<int>(budgets.size()) ? format_value("%.2f", sum / n) : "-") << " |";
  }
  md << "\n\n";
  const std::string svg = e.out + "/t1.svg";
  const std::string png = write_figure(svg, scatter_svg(series, "T1: networks found per method", "measured latency (ms)",
                                                        "test accuracy, inherited weights (%)", false));
  md << "![T1](" << (png.empty() ? "t1.svg" : "t1.png") << ")\n\n"
     << "Every search result and measurement: `t1/<method>/`. Reproduce: `iqnas experiment t1 --run " << e.dir << "`.\n";
  t.csv = csv.str(), t.markdown = md.str();
  t.figures.push_back(svg);
  if (!png.empty()) t.figures.push_back(png);
  return t;
}

ExperimentTable solver_methods(const ExperimentSettings& e, const Output& o) {
  const std::vector<Method> methods = predictor_methods();
  const std::vector<double> budgets = spread_budgets(e);
  std::vector<std::vector<Search>> runs(methods.size());
  for (size_t mi = 0; mi < methods.size(); ++mi) {
    o.text("t4: %s, %zu budgets\n", methods[mi].name.c_str(), budgets.size());
    for (double b : budgets) runs[mi].push_back(search_once(e, b, methods[mi], e.out + "/t4/" + methods[mi].name));
  }
  ExperimentTable t;
  std::ostringstream csv, md;
  csv << "method,budget_ms,status,predicted_accuracy,optimum,gap,solve_ms\n";
  md << "# T4: optimality and time of every solver method\n\n"
     << budgets.size() << " latency budgets (10% to 90% of the range), the run's contribution predictor, a "
     << format_value("%g", e.time_limit_s)
     << " s limit per solve. Gap: the proven optimum (`exact`) minus the predicted accuracy of the network found, in "
        "points, over the networks that keep the budget.\n\n"
        "| method | networks within budget | optimal (gap < 1e-6) | mean gap | max gap | budget broken | median solve (ms) | "
        "max solve (ms) |\n|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (size_t mi = 0; mi < methods.size(); ++mi) {
    int within = 0, optimal = 0, broken = 0;
    double gap_sum = 0, gap_max = 0;
    std::vector<double> ms;
    for (size_t bi = 0; bi < budgets.size(); ++bi) {
      const Search& s = runs[mi][bi];
      const Search& ex = runs[0][bi];
      const double opt = ex.status() == "optimal" ? json_number(ex.result, {"predicted_accuracy"}) : NAN;
      const double acc = json_number(s.result, {"predicted_accuracy"});
      const bool keeps = s.found() && s.status() != "budget_exceeded";
      const double gap = keeps ? opt - acc : NAN;
      ms.push_back(1e3 * json_number(s.result, {"solver", "solve_seconds"}));
      if (s.status() == "budget_exceeded") ++broken;
      if (keeps) {
        ++within;
        if (std::isfinite(gap)) gap_sum += gap, gap_max = std::max(gap_max, gap), optimal += gap < 1e-6 ? 1 : 0;
      }
      csv << methods[mi].name << "," << format_value("%.6g", budgets[bi]) << "," << s.status() << ","
          << format_value("%.6f", acc) << "," << format_value("%.6f", opt) << "," << format_value("%.6f", gap) << ","
          << format_value("%.4f", ms.back()) << "\n";
    }
    md << "| " << methods[mi].name << " | " << within << " / " << budgets.size() << " | " << optimal << " | "
       << (within ? format_value("%.3f", gap_sum / within) : "-") << " | " << (within ? format_value("%.3f", gap_max) : "-")
       << " | " << broken << " | " << format_value("%.2f", median(ms)) << " | " << format_value("%.2f", *std::max_element(ms.begin(), ms.end()))
       << " |\n";
  }
  md << "\nSolver benchmarks on larger and denser problems, against a MILP solver: docs/benchmarks-solver.md. "
        "Reproduce: `iqnas experiment t4 --run "
     << e.dir << "`.\n";
  t.csv = csv.str(), t.markdown = md.str();
  return t;
}

}  // namespace iqnas::cli
