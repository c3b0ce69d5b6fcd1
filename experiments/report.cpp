#include "experiments/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dist/communicator.h"
#include "util/progress.h"
#include "experiments/random_comparison.h"
#include "experiments/result_files.h"
#include "experiments/run_folder.h"
#include "predictor/contribution_predictor.h"
#include "predictor/latency_table.h"
#include "predictor/rank_metrics.h"
#include "predictor/resources.h"
#include "predictor/subnet_samples.h"
#include "util/atomic_file.h"
#include "util/plot.h"

namespace iqnas::cli {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

void networks_section(std::ostringstream& md, const std::string& dir, const PipelineConfig& c,
                      const std::vector<std::string>& tags, double& solve_ms_sum, int& solves) {
  md << "## Networks found\n\n"
     << "One integer program per " << c.resource << " budget, method `" << c.method
     << "`; latency predicted by the table and measured end to end with its protocol, timed together with the table's "
        "entries of its blocks: the measured column is the network's ratio to them times the table's sum, i.e. its "
        "latency at the speed the table was timed at, and is the figure judged against the budget (the raw median of "
        "that call, at the machine's speed of the moment, beside it); accuracy on the test split "
        "with weights inherited from the supernet"
     << (c.recalibrate > 0 ? " (BN statistics recalibrated on " + std::to_string(c.recalibrate) + " training batches)" : std::string())
     << ", and after a short fine-tune"
     << (c.metric == "logprob" ? "; the predictor's value is the mean log-probability of the true class (nats), as its "
                                 "contributions were measured"
                               : std::string())
     << ".\n\n"
     << "| budget | solver | " << (c.metric == "logprob" ? "predicted log-prob." : "predicted acc.") << " | inherited acc. | fine-tuned acc. | predicted latency (ms) | measured latency at the table's speed (ms) "
        "| raw median (ms) | within budget | params (M) | MACs (M) | solve (ms) |\n|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|\n";
  std::string notes;
  for (const auto& tag : tags) {
    const json s = read_json_if_exists(dir + "/search/" + tag + ".json");
    const json m = read_json_if_exists(dir + "/measure/" + tag + ".arch.json");
    const json f = read_json_if_exists(dir + "/measure/" + tag + ".arch.finetuned.json");
    if (s.is_null()) {
      md << "| " << tag << " | not searched | | | | | | | | | | |\n";
      continue;
    }
    const double budget = json_number(s, {"budgets", c.resource.c_str()});
    const double solve_ms = 1e3 * json_number(s, {"solver", "solve_seconds"});
    if (std::isfinite(solve_ms)) solve_ms_sum += solve_ms, ++solves;
    if (s["architecture"].is_null()) {
      md << "| " << format_value("%.4g", budget) << " | infeasible | | | | | | | | | | " << format_value("%.2f", solve_ms) << " |\n";
      continue;
    }
    const double measured = judged_latency_ms(m), raw = json_number(m, {"latency", "median_ms"});
    // The search's own measurements (search --fit-measured): the table's optimum first, then the
    // re-solves with a smaller solver budget; the chosen round is the network in this row.
    const json* kept = kept_fit_round(s);
    const double fit_measured = kept ? json_number(*kept, {"measured_ms"}) : NAN;
    if (s.contains("measured_fit")) {
      const json& rounds = s["measured_fit"]["rounds"];
      if (rounds.size() > 1)
        notes += "- Budget " + format_value("%.4g", budget) + " ms: the table's optimum measured " +
                 format_value("%.4f", json_number(rounds.front(), {"measured_ms"})) + " ms during the search, so it was solved " +
                 std::to_string(rounds.size() - 1) + " more time(s) with the solver's budget scaled by budget / measured, down to " +
                 format_value("%.4f", json_number(rounds.back(), {"solver_budget_ms"})) +
                 " ms; the network kept is the optimum for the solver budget " +
                 format_value("%.4f", kept_solver_budget_ms(s)) +
                 " ms (the solver column's status is for that budget), measured " + format_value("%.4f", fit_measured) + " ms then (" +
                 (s["measured_fit"].value("fits", false) ? "within" : "still over") + " the budget) and costs " +
                 format_value("%.2f", json_number(rounds.front(), {"predicted_accuracy"}) - json_number(s, {"predicted_accuracy"})) +
                 " predicted points.\n";
    }
    const std::string within = c.resource == "latency_ms" ? within_budget_cell(m, budget) : "-";
    if (within == "no") {
      const std::string over = "- Budget " + format_value("%.4g", budget) + " ms: measured " + format_value("%.4f", measured) +
                               " ms at the table's speed (raw median " + format_value("%.4f", raw) + " ms, IQR " +
                               format_value("%.4f", json_number(m, {"latency", "iqr_ms"})) + ") exceeds it by " +
                               format_value("%.1f", 100 * (measured - budget) / budget) + "% (table prediction " +
                               format_value("%.4f", json_number(s, {"predicted_resources", "latency_ms"})) + " ms): ";
      if (fit_measured <= budget)
        notes += over + "the search measured it within the budget (" + format_value("%.4f", fit_measured) +
                 " ms, the same figure from its own timing); the two differ by the noise of a network's ratio to its "
                 "entries between two timings.\n";
      else
        notes += over + "the table's block sum underestimates this network on this machine; the optimum sits on the budget, "
                 "where the networks whose blocks the table underestimates most are found (docs/latency.md; the search's "
                 "--fit-measured re-solves until the measured network fits).\n";
    }
    md << "| " << format_value("%.4g", budget) << " | " << solver_cell(s) << " | "
       << format_value(c.metric == "logprob" ? "%.3f" : "%.2f", json_number(s, {"predicted_accuracy"})) << " | " << format_value("%.2f", json_number(m, {"test_accuracy"})) << " | "
       << format_value("%.2f", json_number(f, {"test_accuracy"})) << " | " << format_value("%.4f", json_number(s, {"predicted_resources", "latency_ms"}))
       << " | " << format_value("%.4f", measured) << " | " << format_value("%.4f", raw) << " | " << within << " | " << format_value("%.3f", json_number(s, {"predicted_resources", "params_m"}))
       << " | " << format_value("%.2f", json_number(s, {"predicted_resources", "macs_m"})) << " | " << format_value("%.2f", solve_ms) << " |\n";
  }
  md << "\n" << (notes.empty() ? std::string("Every measured latency is within its budget.\n") : notes) << "\n";
  md << "Architectures: `search/<budget>.arch.json` (timm arch_def: `iqnas arch --space " << c.space
     << " --arch FILE --timm`); the fine-tuned networks for PyTorch and ONNX Runtime: `export/<budget>/` "
        "(docs/export.md).\n\n";
}

// Each found network against the random sub-networks of sample-eval that fit the same budget, all
// measured the same way on the same held-out images: did the search beat drawing at random?
void random_comparison_section(std::ostringstream& md, const std::string& dir, const PipelineConfig& c,
                               const std::vector<std::string>& tags) {
  const std::string subnets = dir + "/subnets.csv", heldout = found_heldout_csv(dir);
  if (!fs::exists(subnets) || !fs::exists(heldout) || !fs::exists(dir + "/lut.json")) return;
  const SearchSpace s = load_run_space(dir);
  const predictor::LatencyTable t = predictor::load_latency_table(dir + "/lut.json", s);
  const bool recal = c.recalibrate > 0;
  auto value = [recal](const predictor::SubnetSample& x) { return recal ? x.accuracy_recalibrated : x.accuracy; };
  const auto random = predictor::samples_from_csv(s, util::read_text_file(subnets), subnets);
  const auto found = predictor::samples_from_csv(s, util::read_text_file(heldout), heldout);
  // Files measured under another recalibration setting than the configuration's lack the column.
  auto has_value = [recal](const predictor::SubnetSample& x) { return recal ? x.has_recalibrated : x.has_inherited; };
  if (!std::all_of(random.begin(), random.end(), has_value) || !std::all_of(found.begin(), found.end(), has_value)) {
    md << "## Against random sub-networks\n\n`subnets.csv` or `measure/found.heldout.csv` lacks the "
       << (recal ? "recalibrated" : "inherited") << " column that this configuration compares on (measured with another "
       << "`contrib.recalibrate`): move them away and run the sample-eval and measure stages again.\n\n";
    return;
  }
  std::vector<double> cost;
  for (const auto& x : random) cost.push_back(predictor::resource_value(s, x.arch, c.resource, &t));
  std::vector<RandomComparison> rows;
  for (const auto& tag : tags) {
    const json sr = read_json_if_exists(dir + "/search/" + tag + ".json");
    const std::string arch_file = dir + "/search/" + tag + ".arch.json";
    if (sr.is_null() || !fs::exists(arch_file)) continue;  // not searched, or nothing fits the budget
    const Architecture arch = load_arch(s, arch_file);
    const auto f = std::find_if(found.begin(), found.end(), [&](const predictor::SubnetSample& x) { return x.arch == arch; });
    if (f == found.end()) continue;
    const double budget = json_number(sr, {"budgets", c.resource.c_str()});
    std::vector<double> fit;
    for (size_t i = 0; i < random.size(); ++i)
      if (cost[i] <= budget) fit.push_back(value(random[i]));
    rows.push_back(compare_with_random(budget, value(*f), std::move(fit)));
  }
  if (rows.empty()) return;
  md << "## Against random sub-networks\n\nEach found network measured as the random sub-networks of `subnets.csv` were ("
     << (recal ? "BN recalibrated" : "inherited weights and running BN statistics") << ", the same held-out images, "
     << c.truth_metric << "), beside those of them whose predicted " << c.resource
     << " fits the same budget. The search spends no evaluation; drawing at random spends one per network.\n\n"
     << "| budget | found | random within budget | their median | their best | random ones below the found one |\n"
        "|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& r : rows) md << random_comparison_row(r);
  md << "\n" << random_comparison_summary(rows);
}

}  // namespace

std::string contributions_markdown(const std::string& dir) {
  std::ostringstream md;
  const std::string path = dir + "/contrib.json";
  if (!fs::exists(path)) return "";
  const SearchSpace s = load_run_space(dir);
  const auto st = predictor::contrib_state_from_json(util::read_text_file(path), path);
  if (st.ids.size() != predictor::contribution_plan(s).size()) return "";
  const auto p = predictor::ContributionPredictor::from_measurements(s, st, predictor::ContributionPredictor::Variant::Paper);
  // Deltas of log-probability (contrib --metric logprob) are in nats and two orders smaller.
  const bool top1 = st.options.metric == predictor::Metric::Top1;
  const std::string unit = top1 ? "points" : "nats", delta_fmt = top1 ? "%+.2f" : "%+.4f";
  std::vector<std::vector<double>> cells;
  std::vector<std::string> rows, cols;
  for (int c = 0; c < s.num_configs(); ++c) cols.push_back(s.config(c).name());
  for (size_t i = 0; i < s.stages.size(); ++i)
    for (size_t b = 0; b < p.block[i].size(); ++b) {
      rows.push_back("s" + std::to_string(i + 1) + ".b" + std::to_string(b + 1));
      cells.emplace_back();
      for (const auto& e : p.block[i][b]) cells.back().push_back(e.mean);
    }
  const std::string svg = heatmap_svg(cells, rows, cols, "contribution Delta (" + unit + ") of each block configuration",
                                      delta_fmt.c_str());
  std::string png;
  dist::write_by_rank0(dist::world(), "contributions figure", [&] { png = write_figure(dir + "/contributions.svg", svg); });
  md << "## What the supernet teaches\n\n"
     << "A_base = " << (top1 ? format_value("%.2f", p.base.mean) + "%" : format_value("%.4f", p.base.mean) + " nats (mean log-probability)")
     << " (" << plus_minus(top1 ? "%.2f" : "%.4f", p.base.se, st.options.passes) << ", " << st.options.passes
     << (st.options.passes == 1 ? " pass of " : " passes of ") << st.images << " held-out images, context " << predictor::context_name(st.options.context)
     << "). Each cell: the " << (top1 ? "accuracy" : "mean log-probability") << " with that block fixed to that configuration minus A_base (later blocks at the depth that "
        "runs them).\n\n![contributions](" << (png.empty() ? "contributions.svg" : "contributions.png") << ")\n\n";
  md << "| stage | stride | depth Deltas | depth effect (max - min depth) | expansion effect | kernel effect | SE effect |\n"
        "|---|---:|---|---:|---:|---:|---:|\n";
  std::vector<double> depth_eff, width_eff;
  for (size_t i = 0; i < s.stages.size(); ++i) {
    std::string ds;
    for (size_t d = 0; d < p.depth[i].size(); ++d)
      ds += (d ? ", " : "") + std::to_string(s.stages[i].depths[d]) + ": " + format_value(delta_fmt.c_str(), p.depth[i][d].mean) +
            plus_minus(top1 ? "%.2f" : "%.4f", p.depth[i][d].se, st.options.passes);
    // Marginal effects on the first block: mean Delta over configurations with the largest value of
    // a choice minus the mean over those with the smallest.
    auto effect = [&](auto key, auto lo, auto hi) {
      double a = 0, b = 0;
      int na = 0, nb = 0;
      for (int c = 0; c < s.num_configs(); ++c) {
        const auto v = key(s.config(c));
        if (v == hi) a += p.block[i][0][static_cast<size_t>(c)].mean, ++na;
        if (v == lo) b += p.block[i][0][static_cast<size_t>(c)].mean, ++nb;
      }
      return na && nb ? a / na - b / nb : NAN;
    };
    const double e = effect([](const BlockConfig& c) { return c.expansion; }, s.expansions.front(), s.expansions.back());
    const double k = effect([](const BlockConfig& c) { return c.kernel; }, s.kernels.front(), s.kernels.back());
    const double se = effect([](const BlockConfig& c) { return c.se; }, s.se.front(), s.se.back());
    const double dep = p.depth[i].back().mean - p.depth[i].front().mean;
    depth_eff.push_back(dep), width_eff.push_back(e);
    md << "| " << i + 1 << " | " << s.stages[i].stride << " | " << ds << " | " << format_value(delta_fmt.c_str(), dep) << " | "
       << format_value(delta_fmt.c_str(), e) << " | " << format_value(delta_fmt.c_str(), k) << " | " << format_value(delta_fmt.c_str(), se) << " |\n";
  }
  std::vector<double> stage_index;
  for (size_t i = 0; i < s.stages.size(); ++i) stage_index.push_back(static_cast<double>(i));
  const double rd = predictor::spearman(stage_index, depth_eff), rw = predictor::spearman(stage_index, width_eff);
  md << "\nThe paper finds that depth and width pay more in deeper stages. Here the rank correlation of the stage index with "
        "the depth effect is "
     << format_value("%+.2f", rd) << " and with the expansion effect " << format_value("%+.2f", rw) << ": the finding "
     << (rd > 0.5 && rw > 0.5 ? "holds" : rd > 0.5 || rw > 0.5 ? "holds in part" : "does not hold")
     << " on this supernet (a correlation above 0.5 counts as holding). Effects are differences of measured "
     << (top1 ? "accuracies in points" : "mean log-probabilities in nats") << "; their standard errors are in predictor.json.\n\n";
  return md.str();
}

namespace {

void time_section(std::ostringstream& md, const std::string& dir, double solve_ms_sum, int solves) {
  const json t = read_json_if_exists(dir + "/timings.json");
  if (!t.is_object()) return;
  md << "## Time of each stage\n\n| stage | time |\n|---|---:|\n";
  double one_time = 0, total = 0;
  for (const std::string& stage : pipeline_stages()) {
    if (!t.contains(stage)) continue;
    const double v = t[stage].get<double>();
    total += v;
    if (stage == "heaviest" || stage == "supernet" || stage == "lut" || stage == "contrib") one_time += v;
    md << "| " << stage << " | " << format_seconds(v) << " |\n";
  }
  md << "| total | " << format_seconds(total) << " |\n\n";
  if (solves > 0) {
    const double per = solve_ms_sum / solves;
    md << "One more network costs one solver call, " << format_value("%.2f", per) << " ms on average here (plus an optional fine-tune), "
       << "against a one-time investment of " << format_seconds(one_time)
       << " (heaviest network, supernet, latency table, contributions): " << format_value("%.2g", one_time * 1e3 / per)
       << " times more.\n\n";
  }
}
}  // namespace

std::string found_heldout_csv(const std::string& dir) { return dir + "/measure/found.heldout.csv"; }

void write_report(const std::string& dir, const PipelineConfig& c, const std::vector<std::string>& tags) {
  std::ostringstream md;
  const std::time_t now = std::time(nullptr);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  md << "# iqnas run: " << dir << "\n\nSpace `" << c.space << "`, configuration `" << c.source << "`, report written "
     << date << ".\n\n";
  const json lut = read_json_if_exists(dir + "/lut.json");
  if (lut.is_object())
    md << "Latency table: " << lut.value("device", std::string("?")) << " (" << lut.value("cpu_model", std::string("?"))
       << "), " << lut.value("threads", 0) << " thread(s), batch " << lut.value("batch", 0) << ", "
       << lut.value("units", std::string("?"))
       << (lut.contains("correction") ? ", corrected to whole networks measured here (slope " +
                                            format_value("%.3f", json_number(lut, {"correction", "slope"})) + ", intercept " +
                                            format_value("%.4f", json_number(lut, {"correction", "intercept_ms"})) + " ms, " +
                                            format_value("%.0f", json_number(lut, {"correction", "networks"})) +
                                            " random networks: `lut-check.csv`)"
                                      : std::string())
       << ".\n\n";
  const json heavy = read_json_if_exists(dir + "/measure/heaviest.json");
  double solve_ms_sum = 0;
  int solves = 0;
  networks_section(md, dir, c, tags, solve_ms_sum, solves);
  random_comparison_section(md, dir, c, tags);
  if (fs::exists(dir + "/predictor-eval.md")) {
    md << "## Predictor quality\n\nOn held-out random sub-networks (accuracy with inherited weights"
       << (c.recalibrate > 0 ? ", BN statistics recalibrated" : "") << "); cost = sub-network "
          "evaluations spent to build the predictor.\n\n"
       << util::read_text_file(dir + "/predictor-eval.md") << "\n";
    if (fs::exists(dir + "/predictor-eval.png")) md << "![predicted vs measured](predictor-eval.png)\n\n";
  }
  md << contributions_markdown(dir);
  time_section(md, dir, solve_ms_sum, solves);
  dist::write_by_rank0(dist::world(), "report.md", [&] { write_file_atomic(dir + "/report.md", md.str()); });
}

}  // namespace iqnas::cli
