// `iqnas lut-check`: does the table predict real latency? Times N random architectures end to end
// with the table's protocol and compares them with the table's sums.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <fstream>

#include "dist/communicator.h"
#include "experiments/args.h"
#include "experiments/command.h"
#include "experiments/output.h"
#include "experiments/run_folder.h"
#include "util/atomic_file.h"
#include "util/plot.h"
#include "util/progress.h"
#include "predictor/latency_check.h"
#include "predictor/latency_measure.h"
#include "supernet/sampler.h"

namespace iqnas::cli {
namespace {

const char* kHelp = R"(usage: iqnas lut-check --lut T.json --samples N [--space NAME|FILE] [--repeats R] [--warmup W]
                       [--seed S] [--csv P.csv] [--plot P.svg] [--same-run] [--apply-correction]
                       [--json] [--quiet]

Builds N uniformly random architectures of the table's space, times each end to end on this machine
with the table's protocol (its threads and batch; interleaved repeats, medians), and prints MAPE,
Pearson and Kendall tau of the table's prediction (fixed part + active blocks) against the
measurement, raw and after the least-squares correction measured ~ slope * predicted + intercept
(fitted on all points, and on one half to predict the other, 2-fold).

  --space NAME|FILE   default: the space named in the table
  --repeats R         timed rounds per network (default 20), --warmup W untimed runs (default 3)
  --same-run          also re-time the table's entries in the same interleaved rounds as the networks
                      and report the prediction of that same-run table: load changes between the
                      table's measurement and the check cannot enter, so this isolates additivity
  --apply-correction  store the fitted correction (all points) in the table file, so that search
                      and predictions use slope * entries + intercept (the additive form is kept);
                      with --same-run, the fit against the same-run table (immune to drift between
                      groups of networks); the check itself always compares the table's uncorrected sums
  --csv P.csv         the points: index, predicted, measured median and IQR, corrected, architecture
  --plot P.svg        scatter plot of measured against predicted
)";

std::string arch_string(const SearchSpace& s, const Architecture& a) {  // "e6_k5_se1-e3_k3_se0|..."
  std::string r;
  for (size_t i = 0; i < a.depths.size(); ++i) {
    if (i) r += '|';
    for (size_t b = 0; b < a.blocks[i].size(); ++b) r += (b ? "-" : "") + s.config(a.blocks[i][b]).name();
  }
  return r;
}

int run_lut_check(const std::vector<std::string>& argv) {
  Args a(argv, {"lut", "samples", "space", "repeats", "warmup", "seed", "csv", "plot"}, Output::flags({"same-run", "apply-correction"}));
  if (a.help()) {
    std::printf("%s%s", kHelp, Output::kHelp);
    return 0;
  }
  const Output msg(a);
  const std::string lut = a.str("lut");
  const SearchSpace s = find_space(a.has("space") ? a.str("space") : predictor::latency_table_space(lut));
  predictor::LatencyTable t = predictor::load_latency_table(lut, s);
  if (t.correction_networks > 0 || t.slope != 1.0 || t.intercept_ms != 0.0)
    progress_note("lut-check: %s carries a correction (slope %.4f, intercept %.4f ms); checking its raw sums\n",
                  lut.c_str(), t.slope, t.intercept_ms);
  const double stored_slope = t.slope, stored_intercept = t.intercept_ms;
  const int stored_networks = t.correction_networks;
  t.slope = 1.0, t.intercept_ms = 0.0;  // the check is about the measured entries
  const double ns = a.num("samples");
  if (ns != std::floor(ns) || ns < 4 || ns > 100000) throw UsageError("--samples must be an integer in [4, 100000]");
  const int64_t n = int64_t(ns);
  predictor::MeasureOptions o = timing_of_table(t, lut, false);
  o.repeats = int(a.integer("repeats", 20, 1, 1000000));
  o.warmup = int(a.integer("warmup", 3, 0, 100000));
  o.seed = uint64_t(a.integer("seed", 0, 0, int64_t(1) << 53));
  try {
    o.validate();
  } catch (const std::invalid_argument& e) {
    throw UsageError(lut + ": " + e.what());
  }
  Rng rng(o.seed);
  std::vector<Architecture> archs;
  for (int64_t i = 0; i < n; ++i) archs.push_back(random_arch(s, rng));
  progress_note("lut-check: %lld networks of space '%s', %d warm-up + %d timed runs each, %d thread(s), batch %d\n",
                (long long)n, s.name.c_str(), o.warmup, o.repeats, o.threads, o.batch);
  Progress bar("lut-check", 0);
  const predictor::Progress progress = [&](int64_t done, int64_t total) {
    bar.update(static_cast<size_t>(done), static_cast<size_t>(total), "timings");
  };
  const bool same_run = a.has("same-run");
  std::vector<predictor::LatencyStats> st;
  std::vector<double> same;  // predictions of the same-run table
  if (same_run) {
    for (const auto& p : predictor::measure_same_run(s, archs, o, progress)) {
      st.push_back(p.measured);
      same.push_back(p.predicted_ms);
    }
  } else {
    st = predictor::measure_networks_latency(s, archs, o, progress);
  }
  bar.finish();
  nlohmann::ordered_json doc = {{"table", lut}, {"space", s.name}, {"networks", n}, {"threads", o.threads},
                                {"batch", o.batch}, {"cpu_model", t.cpu_model}};
  std::vector<double> pred, meas;
  for (size_t i = 0; i < archs.size(); ++i) {
    pred.push_back(predicted_latency(t, s, archs[i]));
    meas.push_back(st[i].median_ms);
  }
  const predictor::LinearFit fit = predictor::fit_linear(pred, meas);
  std::vector<double> corrected, held_out(pred.size());
  for (double p : pred) corrected.push_back(fit(p));
  for (int half = 0; half < 2; ++half) {  // 2-fold: fit on one parity, predict the other
    std::vector<double> px, my;
    for (size_t i = 0; i < pred.size(); ++i)
      if (int(i % 2) != half) px.push_back(pred[i]), my.push_back(meas[i]);
    const predictor::LinearFit f = predictor::fit_linear(px, my);
    for (size_t i = 0; i < pred.size(); ++i)
      if (int(i % 2) == half) held_out[i] = f(pred[i]);
  }
  // With --same-run the stored correction is the same-run fit: each network against entries timed
  // in its own rounds, so a change of the machine's speed between the table, the groups of networks
  // and the check cannot enter it (docs/latency.md, "Drift between groups").
  const predictor::LinearFit stored = same_run ? predictor::fit_linear(same, meas) : fit;
  if (a.has("apply-correction")) {
    if (!(stored.slope > 0)) throw std::runtime_error("the fitted slope is not positive; no correction stored");
    t.slope = stored.slope, t.intercept_ms = stored.intercept, t.correction_networks = int(n);
    dist::write_by_rank0(dist::world(), "latency table", [&] { predictor::save_latency_table(t, lut); });
    msg.text("  stored the %s correction (slope %.4f, intercept %.4f ms) in %s (it replaces slope %.4f, intercept %.4f ms "
             "from %d networks)\n", same_run ? "same-run" : "fitted", stored.slope, stored.intercept, lut.c_str(),
             stored_slope, stored_intercept, stored_networks);
    doc["correction_stored"] = same_run ? "same-run" : "fitted";
  }
  auto quality = [&](const std::vector<double>& p) {
    return nlohmann::ordered_json{{"mape_pct", predictor::mape(p, meas)},
                                  {"pearson", predictor::pearson(p, meas)},
                                  {"kendall_tau", predictor::kendall_tau(p, meas)}};
  };
  double mean_ratio = 0;
  for (size_t i = 0; i < pred.size(); ++i) mean_ratio += meas[i] / pred[i] / double(pred.size());
  const double lo = *std::min_element(meas.begin(), meas.end()), hi = *std::max_element(meas.begin(), meas.end());
  msg.text("lut-check: %s, space '%s', %lld networks, %d thread(s), batch %d, %s\n", lut.c_str(), s.name.c_str(),
           (long long)n, o.threads, o.batch, t.cpu_model.c_str());
  msg.text("  measured %.3f .. %.3f ms/image, measured/predicted mean %.4f\n", lo, hi, mean_ratio);
  doc["measured_ms"] = {{"min", lo}, {"max", hi}};
  doc["measured_over_predicted"] = mean_ratio;
  doc["raw"] = quality(pred);
  msg.text("  raw:        MAPE %.2f%%  Pearson %.4f  Kendall tau %.4f\n", doc["raw"]["mape_pct"].get<double>(),
           doc["raw"]["pearson"].get<double>(), doc["raw"]["kendall_tau"].get<double>());
  if (stored_networks > 0 || stored_slope != 1.0 || stored_intercept != 0.0) {
    std::vector<double> sc;
    for (double p : pred) sc.push_back(stored_slope * p + stored_intercept);
    msg.text("  the table's stored correction (slope %.4f, intercept %.4f ms, fitted on %d other networks): "
             "MAPE %.2f%%\n",
             stored_slope, stored_intercept, stored_networks, predictor::mape(sc, meas));
    doc["stored_correction"] = {{"slope", stored_slope}, {"intercept_ms", stored_intercept},
                                {"networks", stored_networks}, {"mape_pct", predictor::mape(sc, meas)}};
  }
  if (same_run) {
    const predictor::LinearFit& fs = stored;  // the same-run fit
    std::vector<double> cs;
    for (double p : same) cs.push_back(fs(p));
    doc["same_run"] = quality(same);
    doc["same_run"]["corrected_mape_pct"] = predictor::mape(cs, meas);
    doc["same_run"]["slope"] = fs.slope;
    doc["same_run"]["intercept_ms"] = fs.intercept;
    msg.text("  same-run table: MAPE %.2f%%  Pearson %.4f  Kendall tau %.4f; corrected MAPE %.2f%% (slope %.4f, "
             "intercept %.4f ms)\n",
             doc["same_run"]["mape_pct"].get<double>(), doc["same_run"]["pearson"].get<double>(),
             doc["same_run"]["kendall_tau"].get<double>(), predictor::mape(cs, meas), fs.slope, fs.intercept);
  }
  doc["corrected"] = {{"mape_pct", predictor::mape(corrected, meas)},
                      {"heldout_mape_pct", predictor::mape(held_out, meas)},
                      {"slope", fit.slope},
                      {"intercept_ms", fit.intercept}};
  msg.text("  corrected:  MAPE %.2f%% (in-sample), %.2f%% (2-fold held out)  slope %.4f  intercept %.4f ms\n",
           predictor::mape(corrected, meas), predictor::mape(held_out, meas), fit.slope, fit.intercept);
  doc["written"] = nlohmann::ordered_json::array();
  if (a.has("apply-correction")) doc["written"].push_back(lut);
  if (a.has("csv")) {
    std::ostringstream f;
    f << "index,predicted_ms,measured_ms,measured_iqr_ms,corrected_ms,arch\n";
    for (size_t i = 0; i < pred.size(); ++i)
      f << i << ',' << pred[i] << ',' << meas[i] << ',' << st[i].iqr_ms << ',' << corrected[i] << ','
        << arch_string(s, archs[i]) << '\n';
    dist::write_by_rank0(dist::world(), "lut-check csv", [&] { write_file_atomic(a.str("csv"), f.str()); });
    doc["written"].push_back(a.str("csv"));
  }
  if (a.has("plot")) {
    std::string png;
    dist::write_by_rank0(dist::world(), "lut-check plot", [&] {
      png = write_figure(a.str("plot"),
                         scatter_svg({{"networks", pred, meas}}, "lut-check: " + s.name + ", " + std::to_string(n) + " networks",
                                     "predicted (ms/image)", "measured (ms/image)", true));
    });
    doc["written"].push_back(a.str("plot"));
    if (!png.empty()) doc["written"].push_back(png);
  }
  msg.result(doc);
  return 0;
}

}  // namespace
IQNAS_COMMAND("lut-check", "time random networks end to end and compare them with the latency table", run_lut_check);
}  // namespace iqnas::cli
