// `iqnas predictor-eval`: every accuracy predictor against measured sub-networks — Kendall tau,
// Spearman, Pearson and RMSE on held-out random sub-networks — with what each one cost to build
// (sub-network evaluations), as a markdown table, a CSV and a scatter plot (docs/predictor.md).
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "dist/communicator.h"
#include "experiments/args.h"
#include "experiments/command.h"
#include "experiments/output.h"
#include "util/plot.h"
#include "experiments/run_folder.h"
#include "predictor/contribution_predictor.h"
#include "predictor/fitted_predictors.h"
#include "predictor/rank_metrics.h"
#include "util/atomic_file.h"
#include "util/number.h"
#include "util/progress.h"

namespace iqnas::cli {
namespace {

const char* kHelp = R"(usage: iqnas predictor-eval --run DIR [options] [--json] [--quiet]

Compares the accuracy predictors on held-out random sub-networks (DIR/subnets.csv from
`iqnas sample-eval`, accuracy with inherited weights): the contribution predictor of
DIR/contrib.json (both variants) and the fitted rivals (ridge bilinear, ridge quadratic, MLP),
each fitted on the first N rows for every N of --fit and charged N evaluations. The last --test
rows are the test set. Fitted predictors are saved as DIR/predictors/<name>.json.
  -> DIR/predictor-eval.md, .csv, predictor-eval.svg (+ .png)

options:
  --run DIR        run folder (contrib.json and subnets.csv)
  --samples FILE   measured sub-networks (default DIR/subnets.csv)
  --test M         test rows, taken from the end (default 200)
  --fit N,N,...    training sizes of the fitted rivals (default: the contribution count and all
                   remaining rows); sizes larger than the rows before the test set are skipped
  --mlp-epochs E   MLP training epochs (default 200)
  --no-mlp         leave the MLP out
  --recalibrated   judge against the recalibrated column (sample-eval --recalibrate R) instead
                   of the inherited running BN statistics
The ground truth is the CSV's metric (top-1, or the log-probability of sample-eval --metric
logprob); a predictor measured in another metric is judged on ranks only (RMSE "-").
)";

struct Row {
  std::string name;
  int64_t cost;  // sub-network evaluations spent to build it
  std::vector<double> pred;
  bool same_metric = true;  // predicts the ground truth's metric (else RMSE means nothing)
};

std::vector<int64_t> parse_sizes(const std::string& text) {
  std::vector<int64_t> v;
  std::stringstream ss(text);
  std::string cell;
  while (std::getline(ss, cell, ',')) {
    try {
      v.push_back(parse_int(cell, "option --fit: each size", 2, 100000000));
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
  return v;
}

int run_predictor_eval(const std::vector<std::string>& argv) {
  Args a(argv, {"run", "samples", "test", "fit", "mlp-epochs"}, Output::flags({"no-mlp", "recalibrated"}));
  if (a.help()) {
    std::printf("%s%s", kHelp, Output::kHelp);
    return 0;
  }
  const Output out(a);
  const std::string dir = a.str("run");
  const SearchSpace s = load_run_space(dir);
  const std::string samples_path = a.str("samples", dir + "/subnets.csv");
  predictor::Metric truth_metric = predictor::Metric::Top1;
  auto all = predictor::samples_from_csv(
      s, util::read_text_file(require_file(samples_path, "run `iqnas sample-eval --run " + dir + "` first")), samples_path,
      &truth_metric);
  const bool recalibrated = a.has("recalibrated");
  for (auto& x : all) {
    if (recalibrated) {  // every predictor, fitted ones included, is then judged and fitted on that column
      if (!x.has_recalibrated)
        throw UsageError(samples_path + " has no recalibrated column; run `iqnas sample-eval --recalibrate R` into it");
      x.accuracy = x.accuracy_recalibrated;
    } else if (!x.has_inherited) {
      throw UsageError(samples_path + " holds the recalibrated column only (sample-eval --columns recalibrated); pass --recalibrated");
    }
  }
  const int64_t test_n = a.integer("test", 200, 2, 1000000);
  if (static_cast<int64_t>(all.size()) < test_n)
    throw UsageError(samples_path + " has " + std::to_string(all.size()) + " rows, fewer than --test " + std::to_string(test_n));
  const std::vector<predictor::SubnetSample> test(all.end() - test_n, all.end());
  const std::vector<predictor::SubnetSample> pool(all.begin(), all.end() - test_n);
  std::vector<double> truth;
  for (const auto& t : test) truth.push_back(t.accuracy);

  std::vector<Row> rows;
  auto add = [&](const std::string& name, int64_t cost, const predictor::AccuracyPredictor& p) {
    Row r{name, cost, {}};
    for (const auto& t : test) r.pred.push_back(p.predict(t.arch));
    rows.push_back(r);
  };
  const std::string contrib_path = dir + "/contrib.json";
  int64_t contrib_cost = 0;
  if (std::filesystem::exists(contrib_path)) {
    const auto st = predictor::contrib_state_from_json(util::read_text_file(contrib_path), contrib_path);
    contrib_cost = static_cast<int64_t>(st.ids.size()) * st.options.passes;
    for (auto v : {predictor::ContributionPredictor::Variant::Paper, predictor::ContributionPredictor::Variant::Conditional}) {
      add(v == predictor::ContributionPredictor::Variant::Paper ? "contributions (paper)" : "contributions (conditional)",
          contrib_cost, predictor::ContributionPredictor::from_measurements(s, st, v));
      rows.back().same_metric = st.options.metric == truth_metric;
    }
  } else {
    progress_note("predictor-eval: %s absent, the contribution predictor is left out\n", contrib_path.c_str());
  }
  std::vector<int64_t> sizes = a.has("fit") ? parse_sizes(a.str("fit"))
                                            : std::vector<int64_t>{contrib_cost, static_cast<int64_t>(pool.size())};
  std::filesystem::create_directories(dir + "/predictors");
  const int mlp_epochs = static_cast<int>(a.integer("mlp-epochs", 200, 1, 100000));
  int64_t last = -1;
  for (int64_t n : sizes) {
    if (n < 2 || n > static_cast<int64_t>(pool.size()) || n == last) continue;
    last = n;
    const std::vector<predictor::SubnetSample> train(pool.begin(), pool.begin() + n);
    for (auto form : {predictor::RidgePredictor::Form::Bilinear, predictor::RidgePredictor::Form::Quadratic}) {
      const auto p = predictor::RidgePredictor::fit(s, form, train);
      const std::string name = std::string("ridge-") + predictor::RidgePredictor::form_name(form) + "-" + std::to_string(n);
      dist::write_by_rank0(dist::world(), "predictor", [&] { save_predictor(p, dir + "/predictors/" + name + ".json"); });
      add(name, n, p);
    }
    if (!a.has("no-mlp")) {
      predictor::MlpOptions o;
      o.epochs = mlp_epochs;
      const auto p = predictor::MlpPredictor::fit(s, train, o);
      dist::write_by_rank0(dist::world(), "predictor", [&] { save_predictor(p, dir + "/predictors/mlp-" + std::to_string(n) + ".json"); });
      add("mlp-" + std::to_string(n), n, p);
    }
  }

  std::ostringstream md, csv;
  md << "| predictor | cost (sub-network evaluations) | Kendall tau | Spearman | Pearson | RMSE ("
     << (truth_metric == predictor::Metric::Top1 ? "points" : "nats") << ") |\n"
     << "|---|---:|---:|---:|---:|---:|\n";
  csv << "predictor,cost,kendall_tau,spearman,pearson,rmse\n";
  char buf[256];
  nlohmann::ordered_json table = nlohmann::ordered_json::array();
  for (const Row& r : rows) {
    const double k = predictor::kendall_tau(r.pred, truth), sp = predictor::spearman(r.pred, truth),
                 pe = predictor::pearson(r.pred, truth);
    const double e = r.same_metric ? predictor::rmse(r.pred, truth) : 0;
    std::snprintf(buf, sizeof buf, "| %s | %lld | %.3f | %.3f | %.3f | ", r.name.c_str(), (long long)r.cost, k, sp, pe);
    md << buf;
    std::snprintf(buf, sizeof buf, r.same_metric ? "%.3f" : "-", e);
    md << buf << " |\n";
    std::snprintf(buf, sizeof buf, "%s,%lld,%.6f,%.6f,%.6f,", r.name.c_str(), (long long)r.cost, k, sp, pe);
    csv << buf;
    std::snprintf(buf, sizeof buf, r.same_metric ? "%.6f" : "", e);
    csv << buf << '\n';
    table.push_back({{"predictor", r.name}, {"cost", r.cost}, {"kendall_tau", k}, {"spearman", sp}, {"pearson", pe},
                     {"rmse", r.same_metric ? nlohmann::ordered_json(e) : nlohmann::ordered_json(nullptr)}});
  }
  const std::string measured = std::string(truth_metric == predictor::Metric::Top1 ? "top-1 accuracy" : "mean log-probability of the true class") +
                               " with inherited weights and " + (recalibrated ? "recalibrated" : "inherited running") + " BN statistics";
  md << "\nTest set: " << test.size() << " uniformly drawn sub-networks (the last rows of " << samples_path << "), "
     << measured << " on the held-out images.\n";
  dist::write_by_rank0(dist::world(), "predictor evaluation", [&] {
    write_file_atomic(dir + "/predictor-eval.md", md.str());
    write_file_atomic(dir + "/predictor-eval.csv", csv.str());
  });
  std::vector<ScatterSeries> series;
  for (const Row& r : rows)  // a predictor in another metric has no place on these axes
    if (r.same_metric && (r.name == "contributions (paper)" || r.name.rfind("ridge-bilinear", 0) == 0))
      series.push_back({r.name, r.pred, truth});
  if (series.size() > 2) series.resize(2);
  const std::string unit = truth_metric == predictor::Metric::Top1 ? "top-1 (%)" : "log-probability";
  const std::string png = write_figure(
      dir + "/predictor-eval.svg",
      scatter_svg(series, "predicted vs measured (" + std::to_string(test.size()) + " random sub-networks)", "predicted " + unit,
                  "measured " + unit + (recalibrated ? ", recalibrated BN" : ", inherited weights"), true));
  out.text("%s", md.str().c_str());
  out.text("-> %s/predictor-eval.md, .csv, .svg%s\n", dir.c_str(), png.empty() ? "" : ", .png");
  nlohmann::ordered_json written = {dir + "/predictor-eval.md", dir + "/predictor-eval.csv", dir + "/predictor-eval.svg"};
  if (!png.empty()) written.push_back(png);
  out.result({{"run", dir}, {"test_rows", test.size()}, {"predictors", table}, {"written", written}});
  return 0;
}

}  // namespace
IQNAS_COMMAND("predictor-eval", "rank quality of every accuracy predictor on measured random sub-networks", run_predictor_eval);
}  // namespace iqnas::cli
