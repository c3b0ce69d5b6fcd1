// `iqnas explain`: what the measured accuracy contributions say about the search space.
#include <cstdio>

#include "dist/communicator.h"
#include "experiments/args.h"
#include "experiments/command.h"
#include "experiments/output.h"
#include "experiments/report.h"
#include "experiments/run_folder.h"
#include "util/atomic_file.h"

namespace iqnas::cli {
namespace {

const char* kHelp = R"(usage: iqnas explain --run DIR [--json] [--quiet]

The interpretability report of the contributions measured by `iqnas contrib`: a heatmap of the
accuracy contribution of every configuration at every stage and block, the contribution of every
depth per stage, the marginal effects of expansion, kernel and SE per stage, and whether the
paper's finding (depth and width pay more in deeper stages) holds on this supernet.
  -> DIR/explain.md, DIR/contributions.svg (+ .png)
)";

int run_explain(const std::vector<std::string>& argv) {
  Args a(argv, {"run"}, Output::flags());
  if (a.help()) {
    std::printf("%s%s", kHelp, Output::kHelp);
    return 0;
  }
  const Output out(a);
  const std::string dir = a.str("run");
  require_file(dir + "/contrib.json", "run `iqnas contrib --run " + dir + "` first");
  const std::string md = contributions_markdown(dir);
  if (md.empty()) throw UsageError(dir + "/contrib.json is incomplete; run `iqnas contrib --run " + dir + "` to finish it");
  dist::write_by_rank0(dist::world(), "explain.md", [&] { write_file_atomic(dir + "/explain.md", "# What the supernet teaches: " + dir + "\n\n" + md); });
  out.text("%s-> %s/explain.md\n", md.c_str(), dir.c_str());
  out.result({{"run", dir}, {"markdown", md}, {"written", {dir + "/explain.md", dir + "/contributions.svg"}}});
  return 0;
}

}  // namespace
IQNAS_COMMAND("explain", "interpretability report of the accuracy contributions (markdown + heatmap)", run_explain);
}  // namespace iqnas::cli
