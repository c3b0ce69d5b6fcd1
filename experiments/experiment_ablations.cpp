// The summary of experiments/ablations/run.sh: every variant's run folder beside the base run's,
// compared by what the method delivers (the rank quality of the contribution predictor, the
// accuracy of the networks found) and by the supernet's training time.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "experiments/experiment_tables.h"
#include "experiments/result_files.h"
#include "experiments/run_folder.h"
#include "util/progress.h"

namespace iqnas::cli {
namespace {
namespace fs = std::filesystem;

// Mean test accuracy of the networks measured in DIR/measure, after the fine-tune or with inherited
// weights; NaN when there are none.
double mean_accuracy(const std::string& dir, bool finetuned, int* count) {
  double sum = 0;
  *count = 0;
  if (!fs::is_directory(dir + "/measure")) return NAN;
  for (const auto& f : fs::directory_iterator(dir + "/measure")) {
    const std::string name = f.path().filename().string();
    const bool tuned = name.find(".finetuned.") != std::string::npos;
    if (tuned != finetuned || name.find(".arch.") == std::string::npos) continue;
    const double a = json_number(read_json_if_exists(f.path().string()), {"test_accuracy"});
    if (std::isfinite(a)) sum += a, ++*count;
  }
  return *count ? sum / *count : NAN;
}

// Kendall tau of the paper's contribution predictor in DIR/predictor-eval.csv (NaN when absent).
double contribution_tau(const std::string& dir) {
  if (!fs::exists(dir + "/predictor-eval.csv")) return NAN;
  for (const auto& r : csv_rows(dir + "/predictor-eval.csv"))  // predictor,evaluations,kendall_tau,...
    if (!r.empty() && r[0] == "contributions (paper)") return r.size() < 3 ? NAN : std::stod(r[2]);
  return NAN;
}

}  // namespace

ExperimentTable ablation_summary(const ExperimentSettings& e) {
  std::vector<std::string> runs;
  for (const auto& f : fs::directory_iterator(e.dir))
    if (fs::exists(f.path() / "space.json")) runs.push_back(f.path().filename().string());
  if (runs.empty()) throw std::runtime_error(e.dir + " holds no run folders: run experiments/ablations/run.sh first");
  std::sort(runs.begin(), runs.end(), [](const std::string& a, const std::string& b) {
    return (a != "base") != (b != "base") ? a == "base" : a < b;  // the base run first
  });
  std::ostringstream csv, md;
  csv << "variant,change,supernet_seconds,contribution_kendall_tau,networks,inherited_accuracy,finetuned_accuracy\n";
  md << "# Ablations\n\nEach variant changes one setting of the base run (experiments/ablations/run.sh) and reruns "
        "the stages it affects. Accuracies: mean test accuracy of the networks found for the pipeline's budgets, with "
        "inherited weights and after the short fine-tune; tau: the contribution predictor's Kendall tau on the held-out "
        "random sub-networks.\n\n| variant | change | supernet training | tau | networks | inherited acc. | fine-tuned acc. |\n"
        "|---|---|---:|---:|---:|---:|---:|\n";
  for (const auto& r : runs) {
    const std::string dir = e.dir + "/" + r;
    std::string change = r == "base" ? "-" : "?";
    if (fs::exists(dir + "/ablation.txt")) {
      change = util::read_text_file(dir + "/ablation.txt");
      while (!change.empty() && change.back() == '\n') change.pop_back();
    }
    const double sup = json_number(read_json_if_exists(dir + "/timings.json"), {"supernet"});
    const double tau = contribution_tau(dir);
    int n = 0, nt = 0;
    const double inh = mean_accuracy(dir, false, &n), tuned = mean_accuracy(dir, true, &nt);
    csv << csv_cell(r) << "," << csv_cell(change) << "," << format_value("%.1f", sup) << "," << format_value("%.4f", tau) << "," << n << ","
        << format_value("%.3f", inh) << "," << format_value("%.3f", tuned) << "\n";
    md << "| " << markdown_cell(r) << " | " << markdown_cell(change) << " | " << (std::isfinite(sup) ? format_seconds(sup) : "(base's)") << " | "
       << format_value("%.3f", tau) << " | " << n << " | " << format_value("%.2f", inh) << " | "
       << format_value("%.2f", tuned) << " |\n";
  }
  md << "\nReproduce: `experiments/ablations/run.sh BASE_RUN " << e.dir << "`.\n";
  return {csv.str(), md.str(), {}};
}

}  // namespace iqnas::cli
