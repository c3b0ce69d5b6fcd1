// T2 (predictor quality with measurement costs), T3 (one-time cost against the cost of one more
// network) and F1 (the interpretability heatmap), from the run's own results and stage timings.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "experiments/command.h"
#include "experiments/experiment_tables.h"
#include "experiments/report.h"
#include "experiments/result_files.h"
#include "experiments/run_folder.h"
#include "predictor/contribution_predictor.h"
#include "util/atomic_file.h"
#include "util/plot.h"
#include "util/progress.h"

namespace iqnas::cli {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

// The time of a pipeline stage in seconds (NaN when the run did not record it).
double stage_seconds(const json& timings, const char* stage) { return json_number(timings, {stage}); }

// The files in `dir` whose names end with `suffix`.
int count_files(const std::string& dir, const std::string& suffix) {
  if (!fs::is_directory(dir)) return 0;
  int n = 0;
  for (const auto& f : fs::directory_iterator(dir)) {
    const std::string name = f.path().filename().string();
    const bool ends = name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    n += ends ? 1 : 0;
  }
  return n;
}

}  // namespace

ExperimentTable predictor_costs(const ExperimentSettings& e) {
  const auto rows = csv_rows(require_file(e.dir + "/predictor-eval.csv", "run `iqnas predictor-eval --run " + e.dir + "` first"));
  const json timings = read_json_if_exists(e.dir + "/timings.json");
  const int subnets = static_cast<int>(csv_rows(require_file(e.dir + "/subnets.csv", "run `iqnas sample-eval` first")).size()) - 1;
  // One sub-network evaluation costs what sample-eval spent per network; the contributions cost
  // what the contrib stage took.
  const double per_eval = stage_seconds(timings, "sample-eval") / std::max(subnets, 1);
  const double contrib_s = stage_seconds(timings, "contrib");
  std::ostringstream csv, md;
  csv << "predictor,evaluations,measurement_seconds,kendall_tau,spearman,pearson,rmse\n";
  md << "# T2: predictor quality and what it cost to build\n\nRank quality on held-out random sub-networks "
        "(accuracy with inherited weights, `iqnas predictor-eval`); cost: sub-network evaluations spent to build each "
        "predictor, and their time on this machine (contributions: the contrib stage; fitted predictors: evaluations x "
     << format_value("%.2f", per_eval) << " s, the sample-eval stage's time per sub-network).\n\n"
     << "| predictor | evaluations | measurement time | Kendall tau | Spearman | Pearson | RMSE |\n"
        "|---|---:|---:|---:|---:|---:|---:|\n";
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (r.size() < 6) throw std::runtime_error(e.dir + "/predictor-eval.csv: line " + std::to_string(i + 1) + " has " +
                                               std::to_string(r.size()) + " fields, expected 6");
    const bool contributions = r[0].rfind("contributions", 0) == 0;
    const double secs = contributions ? contrib_s : std::stod(r[1]) * per_eval;
    csv << r[0] << "," << r[1] << "," << format_value("%.1f", secs) << "," << r[2] << "," << r[3] << "," << r[4] << ","
        << r[5] << "\n";
    md << "| " << r[0] << " | " << r[1] << " | " << (std::isfinite(secs) ? format_seconds(secs) : "-") << " | "
       << format_value("%.3f", std::stod(r[2])) << " | " << format_value("%.3f", std::stod(r[3])) << " | "
       << format_value("%.3f", std::stod(r[4])) << " | " << format_value("%.3f", std::stod(r[5])) << " |\n";
  }
  md << "\nThe paper's contribution predictor on its ImageNet supernet: Kendall tau 0.84, Spearman 0.97, Pearson 0.96 "
        "on 500 random sub-networks. Figure: `"
     << e.dir << "/predictor-eval.png`. Reproduce: `iqnas experiment t2 --run " << e.dir << "`.\n";
  return {csv.str(), md.str(), {}};
}

ExperimentTable one_time_costs(const ExperimentSettings& e) {
  const json timings = read_json_if_exists(require_file(e.dir + "/timings.json", "run the pipeline (`iqnas run`) first"));
  std::vector<double> solves;
  if (fs::is_directory(e.dir + "/search"))
    for (const auto& f : fs::directory_iterator(e.dir + "/search")) {
      const std::string name = f.path().filename().string();
      if (name.size() < 5 || name.substr(name.size() - 5) != ".json" || name.find(".arch.") != std::string::npos) continue;
      const double s = json_number(read_json_if_exists(f.path().string()), {"solver", "solve_seconds"});
      if (std::isfinite(s)) solves.push_back(s);
    }
  const double solve = median(solves);
  const int tuned = count_files(e.dir + "/measure", ".finetuned.json");
  const double finetune = tuned ? stage_seconds(timings, "finetune") / tuned : NAN;
  const double heaviest = stage_seconds(timings, "heaviest");
  double one_time = 0;
  std::ostringstream csv, md;
  md << "# T3: the one-time investment against the cost of one more network\n\n| one-time stage | time |\n|---|---:|\n";
  for (const char* stage : {"heaviest", "reorder", "supernet", "lut", "contrib"}) {
    const double v = stage_seconds(timings, stage);
    if (!std::isfinite(v)) continue;
    one_time += v;
    md << "| " << stage << " | " << format_seconds(v) << " |\n";
  }
  md << "| **total** | **" << format_seconds(one_time) << "** |\n\n"
     << "Per further network: one exact solve, " << format_value("%.3f", 1e3 * solve) << " ms (median of " << solves.size()
     << " in `search/`); with the optional short fine-tune " << (std::isfinite(finetune) ? format_seconds(finetune) : "-")
     << " more. For comparison, a method that trains every network it returns pays at least the training of one "
        "network per budget; the heaviest network's training here took "
     << format_seconds(heaviest) << " (a lower bound for a search-then-train method).\n\n"
     << "| networks | iqnas (search only) | iqnas + fine-tune each | one training per network |\n|---:|---:|---:|---:|\n";
  csv << "networks,iqnas_search_s,iqnas_finetune_s,train_each_s\n";
  std::vector<ScatterSeries> series{{"iqnas (search only)", {}, {}}, {"iqnas + fine-tune", {}, {}}, {"one training per network", {}, {}}};
  for (double n : {1.0, 4.0, 10.0, 100.0, 1000.0}) {
    const double a = one_time + n * solve, b = one_time + n * (solve + finetune), c = n * heaviest;
    md << "| " << format_value("%.0f", n) << " | " << format_seconds(a) << " | "
       << (std::isfinite(b) ? format_seconds(b) : "-") << " | " << format_seconds(c) << " |\n";
    csv << format_value("%.0f", n) << "," << format_value("%.3f", a) << "," << format_value("%.3f", b) << ","
        << format_value("%.3f", c) << "\n";
    const double x = std::log10(n);
    for (auto [s, v] : {std::pair{0, a}, std::pair{1, b}, std::pair{2, c}})
      if (std::isfinite(v)) series[static_cast<size_t>(s)].x.push_back(x), series[static_cast<size_t>(s)].y.push_back(std::log10(v / 3600));
  }
  const std::string svg = e.out + "/t3.svg";
  const std::string png =
      write_figure(svg, scatter_svg(series, "T3: total cost against networks delivered", "log10 networks", "log10 hours", false));
  md << "\n![T3](" << (png.empty() ? "t3.svg" : "t3.png") << ")\n\nReproduce: `iqnas experiment t3 --run " << e.dir << "`.\n";
  ExperimentTable t{csv.str(), md.str(), {svg}};
  if (!png.empty()) t.figures.push_back(png);
  return t;
}

ExperimentTable contribution_heatmap(const ExperimentSettings& e) {
  const std::string path = require_file(e.dir + "/contrib.json", "run `iqnas contrib --run " + e.dir + "` first");
  const SearchSpace s = load_run_space(e.dir);
  const auto st = predictor::contrib_state_from_json(util::read_text_file(path), path);
  if (st.ids.size() != predictor::contribution_plan(s).size())
    throw std::runtime_error(path + " is incomplete; run `iqnas contrib --run " + e.dir + "` to finish it");
  const auto p = predictor::ContributionPredictor::from_measurements(s, st, predictor::ContributionPredictor::Variant::Paper);
  std::ostringstream csv;
  csv << "kind,stage,block_or_depth,config,delta,standard_error\n";
  for (size_t i = 0; i < s.stages.size(); ++i) {
    for (size_t b = 0; b < p.block[i].size(); ++b)
      for (size_t c = 0; c < p.block[i][b].size(); ++c)
        csv << "block," << i + 1 << "," << b + 1 << "," << s.config(static_cast<int>(c)).name() << ","
            << format_value("%.6f", p.block[i][b][c].mean) << "," << format_value("%.6f", standard_error(p.block[i][b][c].se, st.options.passes)) << "\n";
    for (size_t d = 0; d < p.depth[i].size(); ++d)
      csv << "depth," << i + 1 << "," << s.stages[i].depths[d] << ",," << format_value("%.6f", p.depth[i][d].mean) << ","
          << format_value("%.6f", standard_error(p.depth[i][d].se, st.options.passes)) << "\n";
  }
  // contributions_markdown draws the heatmap as DIR/contributions.svg (+ .png); F1 keeps copies.
  std::string md = contributions_markdown(e.dir);
  ExperimentTable t{csv.str(), "", {}};
  for (const char* ext : {".svg", ".png"}) {
    if (!fs::exists(e.dir + "/contributions" + ext)) continue;
    write_file_atomic(e.out + "/f1" + ext, util::read_text_file(e.dir + "/contributions" + ext));
    t.figures.push_back(e.out + "/f1" + ext);
  }
  for (const char* ext : {".svg", ".png"}) {
    const std::string from = std::string("(contributions") + ext + ")";
    if (const size_t at = md.find(from); at != std::string::npos) md.replace(at, from.size(), std::string("(f1") + ext + ")");
  }
  t.markdown = "# F1: what the supernet teaches\n\n" + md + "Reproduce: `iqnas experiment f1 --run " + e.dir + "`.\n";
  return t;
}

}  // namespace iqnas::cli
