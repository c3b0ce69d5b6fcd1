// `iqnas lut-check`: does the table predict real latency? Times N random architectures end to end
// with the table's protocol and compares them with the table's sums.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <fstream>

#include "experiments/args.h"
#include "experiments/command.h"
#include "util/atomic_file.h"
#include "util/plot.h"
#include "predictor/latency_check.h"
#include "predictor/latency_measure.h"
#include "supernet/sampler.h"

namespace iqnas::cli {
namespace {

const char* kHelp = R"(usage: iqnas lut-check --lut T.json --samples N [--space NAME|FILE] [--repeats R] [--warmup W]
                       [--seed S] [--csv P.csv] [--plot P.svg]

Builds N uniformly random architectures of the table's space, times each end to end on this machine
with the table's protocol (its threads and batch; interleaved repeats, medians), and prints MAPE,
Pearson and Kendall tau of the table's prediction (fixed part + active blocks) against the
measurement, raw and after the least-squares correction measured ~ slope * predicted + intercept
(fitted on all points, and on one half to predict the other, 2-fold).

  --space NAME|FILE   default: the space named in the table
  --repeats R         timed rounds per network (default 20), --warmup W untimed runs (default 3)
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
  Args a(argv, {"lut", "samples", "space", "repeats", "warmup", "seed", "csv", "plot"});
  if (a.help()) {
    std::printf("%s", kHelp);
    return 0;
  }
  const std::string lut = a.str("lut");
  const SearchSpace s = find_space(a.has("space") ? a.str("space") : predictor::latency_table_space(lut));
  const predictor::LatencyTable t = predictor::load_latency_table(lut, s);
  const double ns = a.num("samples");
  if (ns != std::floor(ns) || ns < 4 || ns > 100000) throw UsageError("--samples must be an integer in [4, 100000]");
  const int64_t n = int64_t(ns);
  if (t.device != "cpu")
    throw UsageError(lut + ": the table was measured on device '" + t.device +
                     "'; lut-check times networks with the iqnas CPU inference path, so it checks tables made by "
                     "`iqnas lut` on this machine");
  predictor::MeasureOptions o;
  o.device = t.device;
  o.threads = std::max(1, t.threads), o.batch = t.batch;
  o.clock = t.clock;
  o.repeats = int(a.integer("repeats", 20));
  o.warmup = int(a.integer("warmup", 3));
  o.seed = uint64_t(a.integer("seed", 0));
  try {
    o.validate();
  } catch (const std::invalid_argument& e) {
    throw UsageError(lut + ": " + e.what());
  }
  Rng rng(o.seed);
  std::vector<Architecture> archs;
  for (int64_t i = 0; i < n; ++i) archs.push_back(random_arch(s, rng));
  std::fprintf(stderr, "lut-check: %lld networks of space '%s', %d warm-up + %d timed runs each, %d thread(s), batch %d\n",
               (long long)n, s.name.c_str(), o.warmup, o.repeats, o.threads, o.batch);
  int last_tenth = -1;
  const auto st = predictor::measure_networks_latency(s, archs, o, [&](int64_t done, int64_t total) {
    const int tenth = int(10 * done / total);
    if (tenth != last_tenth) std::fprintf(stderr, "lut-check: %3d%%\n", 10 * tenth), last_tenth = tenth;
  });
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
  double mean_ratio = 0;
  for (size_t i = 0; i < pred.size(); ++i) mean_ratio += meas[i] / pred[i] / double(pred.size());
  std::printf("lut-check: %s, space '%s', %lld networks, %d thread(s), batch %d, %s\n", lut.c_str(), s.name.c_str(),
              (long long)n, o.threads, o.batch, t.cpu_model.c_str());
  std::printf("  measured %.3f .. %.3f ms/image, measured/predicted mean %.4f\n",
              *std::min_element(meas.begin(), meas.end()), *std::max_element(meas.begin(), meas.end()), mean_ratio);
  std::printf("  raw:        MAPE %.2f%%  Pearson %.4f  Kendall tau %.4f\n", predictor::mape(pred, meas),
              predictor::pearson(pred, meas), predictor::kendall_tau(pred, meas));
  std::printf("  corrected:  MAPE %.2f%% (in-sample), %.2f%% (2-fold held out)  slope %.4f  intercept %.4f ms\n",
              predictor::mape(corrected, meas), predictor::mape(held_out, meas), fit.slope, fit.intercept);
  if (a.has("csv")) {
    std::ostringstream f;
    f << "index,predicted_ms,measured_ms,measured_iqr_ms,corrected_ms,arch\n";
    for (size_t i = 0; i < pred.size(); ++i)
      f << i << ',' << pred[i] << ',' << meas[i] << ',' << st[i].iqr_ms << ',' << corrected[i] << ','
        << arch_string(s, archs[i]) << '\n';
    write_file_atomic(a.str("csv"), f.str());
  }
  if (a.has("plot"))
    write_figure(a.str("plot"), scatter_svg({{"networks", pred, meas}}, "lut-check: " + s.name + ", " + std::to_string(n) + " networks",
                                            "predicted (ms/image)", "measured (ms/image)", true));
  return 0;
}

}  // namespace
IQNAS_COMMAND("lut-check", "time random networks end to end and compare them with the latency table", run_lut_check);
}  // namespace iqnas::cli
