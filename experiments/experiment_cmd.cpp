// `iqnas experiment`: regenerates one of the paper's tables or figures from a finished run folder
// (docs/experiments.md), as CSV + markdown (+ PNG): T1 accuracy against latency of the networks each
// search method finds, T2 predictor quality with its measurement cost, T3 the one-time cost against
// the cost of one more network, T4 each solver method's optimality and time, F1 the
// interpretability heatmap. The searches and measurements are the `search` and `measure` commands,
// called in-process.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "experiments/args.h"
#include "experiments/command.h"
#include "experiments/experiment_tables.h"
#include "experiments/output.h"
#include "experiments/run_folder.h"
#include "util/atomic_file.h"

namespace iqnas::cli {
namespace {
namespace fs = std::filesystem;

const char* kHelp = R"(usage: iqnas experiment NAME --run DIR [options] [--json] [--quiet]

Regenerates one table or figure of the paper from the finished run folder DIR (`iqnas run`), as
OUT/<name>.csv and OUT/<name>.md (+ .svg/.png); docs/experiments.md.

names:
  t1       accuracy vs latency of the networks found for N latency budgets by every search
           method (exact, relax, binas-bcfw, evo, random; evo also with the MLP predictor), each
           measured: latency end to end, test accuracy with inherited weights
  t2       predictor quality (Kendall tau, Spearman, Pearson, RMSE) with each predictor's
           measurement cost in sub-network evaluations and seconds
  t3       the one-time cost (heaviest network, supernet, latency table, contributions) against
           the cost of each further network, for 1 to 1,000 networks
  t4       solver optimality and time per method on N latency budgets (gap to the proven optimum,
           broken budgets, solve time)
  f1       the interpretability heatmap of the measured contributions
  all      all of the above
  ablations  the summary of experiments/ablations/run.sh: DIR is its output folder, each
           variant's run folder beside the base run

options:
  --run DIR          finished run folder
  --out D            output folder (default DIR/experiments)
  --budgets N        latency budgets, evenly from 10% to 90% of the way from the smallest to the
                     heaviest network (default 6 for t1, 12 for t4; 2..100)
  --time-limit S     time limit of every solve in seconds (default 10)
  --seed S           seed of the randomised methods (default 0)
  --dataset, --root, --threads   data of the accuracy measurements (as for `iqnas measure`)
)";

void write_outputs(const std::string& stem, const std::string& csv, const std::string& md, const Output& o) {
  write_file_atomic(stem + ".csv", csv);
  write_file_atomic(stem + ".md", md);
  o.text("%s-> %s.md, %s.csv\n", md.c_str(), stem.c_str(), stem.c_str());
}

int run_experiment(const std::vector<std::string>& argv) {
  Args a(argv, {"run", "out", "budgets", "time-limit", "seed", "dataset", "root", "threads"}, Output::flags());
  if (a.help() || a.positional().size() != 1) {
    std::printf("%s%s", kHelp, Output::kHelp);
    return a.help() ? 0 : 2;
  }
  const Output o(a);
  ExperimentSettings e;
  e.dir = a.str("run");
  const std::string name = a.positional()[0];
  if (name == "ablations") {
    e.out = a.str("out", e.dir);
    const ExperimentTable r = ablation_summary(e);
    write_outputs(e.out + "/ablations", r.csv, r.markdown, o);
    o.result({{"run", e.dir}, {"experiments", {name}}, {"written", {e.out + "/ablations.csv", e.out + "/ablations.md"}}});
    return 0;
  }
  const std::vector<std::string> known{"t1", "t2", "t3", "t4", "f1"};
  std::vector<std::string> todo;
  if (name == "all")
    todo = known;
  else if (std::find(known.begin(), known.end(), name) != known.end())
    todo = {name};
  else
    throw UsageError("unknown experiment '" + name + "' (t1, t2, t3, t4, f1, all or ablations)");
  require_file(e.dir + "/space.json", "run the pipeline first (`iqnas run CONFIG --run " + e.dir + "`)");
  e.out = a.str("out", e.dir + "/experiments");
  e.time_limit_s = a.num("time-limit", 10.0, 0.0, 1e5);
  e.seed = a.integer("seed", 0, 0, int64_t(1) << 53);
  for (const char* k : {"dataset", "root", "threads"})
    if (a.has(k)) e.data_args.insert(e.data_args.end(), {std::string("--") + k, a.str(k)});
  fs::create_directories(e.out);
  const RunFolderLock lock(e.dir);
  nlohmann::ordered_json written = nlohmann::ordered_json::array();
  for (const auto& t : todo) {
    e.budgets = static_cast<int>(a.integer("budgets", t == "t4" ? 12 : 6, 2, 100));
    const std::string stem = e.out + "/" + t;
    ExperimentTable r = t == "t1"   ? accuracy_vs_latency(e, o)
                        : t == "t2" ? predictor_costs(e)
                        : t == "t3" ? one_time_costs(e)
                        : t == "t4" ? solver_methods(e, o)
                                    : contribution_heatmap(e);
    write_outputs(stem, r.csv, r.markdown, o);
    for (const char* ext : {".csv", ".md"}) written.push_back(stem + ext);
    for (const auto& f : r.figures) written.push_back(f);
  }
  o.result({{"run", e.dir}, {"experiments", todo}, {"written", written}});
  return 0;
}

}  // namespace
IQNAS_COMMAND("experiment", "regenerate one of the paper's tables or figures (T1-T4, F1) from a run folder",
              run_experiment);
}  // namespace iqnas::cli
