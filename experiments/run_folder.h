// What the commands after training read from a run folder (docs/pipeline.md): its search space,
// the trained supernet, text files; with messages that say which stage makes a missing file.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "experiments/datasets.h"
#include "predictor/eval_set.h"
#include "predictor/latency_measure.h"
#include "supernet/subnet.h"
#include "supernet/supernet.h"
#include "util/text_file.h"  // util::read_text_file for the run folder's text files

namespace iqnas::cli {

std::string require_file(const std::string& path, const std::string& how);  // UsageError when absent
SearchSpace load_run_space(const std::string& dir);                          // DIR/space.json
// The supernet of DIR/supernet.safetensors with the chosen weights ("ema" or "raw").
std::unique_ptr<Supernet> load_run_supernet(const std::string& dir, const SearchSpace& s, const std::string& weights);

// --arch: heaviest, smallest, or an architecture JSON file of the space.
Architecture arch_arg(const SearchSpace& s, const std::string& arg);
// --arch A,B,... (or another list flag, named in errors): the comma-separated names (a UsageError
// for an empty one).
std::vector<std::string> comma_list(const std::string& arg, const std::string& flag = "--arch");
// The name of a network's result files in the run folder: the --arch file name without ".json"
// (or heaviest / smallest), plus ".finetuned" for the weights of a fine-tuned checkpoint.
std::string arch_result_name(const std::string& arch_arg, bool finetuned);
// The standalone networks of `archs`: with the weights of `checkpoint` (a fine-tuned network,
// loaded as saved; one architecture) when not empty, else all extracted from one load of the
// supernet of DIR (`weights`: ema or raw). `source` describes where the weights came from, for
// result files.
std::vector<std::unique_ptr<SubNetwork>> load_run_networks(const std::string& dir, const SearchSpace& s,
                                                           const std::vector<Architecture>& archs,
                                                           const std::string& checkpoint, const std::string& weights,
                                                           std::string* source);
// The same of one architecture.
std::unique_ptr<SubNetwork> load_run_network(const std::string& dir, const SearchSpace& s, const Architecture& arch,
                                             const std::string& checkpoint, const std::string& weights,
                                             std::string* source);

// Budgets of `resource` at `fractions` of the way from the smallest to the heaviest network's value
// (latency from DIR/lut.json), so that one setting works on any machine's latency table.
std::vector<double> budgets_at_fractions(const std::string& dir, const std::string& resource,
                                         const std::vector<double>& fractions);

// The protocol to time whole networks with, read from the table at `path` (for_networks: 100-200
// rounds, MeasureOptions::of_table_for_networks); a UsageError naming the file when the table
// was measured elsewhere (imported), since networks are timed here with the CPU inference path.
predictor::MeasureOptions timing_of_table(const predictor::LatencyTable& t, const std::string& path, bool for_networks);

// The accuracy measurements' images: the first `images` (0: all) of the held-out split in one
// fixed shuffled order, the same for `contrib` and `sample-eval` so their numbers are comparable.
predictor::EvalSet heldout_eval_set(const DataSets& d, int64_t images, int64_t batch, int threads);

// An exclusive lock on a run folder (flock on DIR/.lock, which holds the owner's pid), held for the
// object's lifetime, so that two processes cannot train into one folder and mix their checkpoints.
// The folder must exist. Taken twice in one process (`iqnas run` calling a stage), the second is a
// no-op. A folder locked by another process gives std::runtime_error naming that process's pid.
// In a job started by mpirun only rank 0 takes it (the ranks train into one folder together).
class RunFolderLock {
 public:
  explicit RunFolderLock(const std::string& dir);
  ~RunFolderLock();
  RunFolderLock(const RunFolderLock&) = delete;
  RunFolderLock& operator=(const RunFolderLock&) = delete;

 private:
  std::string key_;
};

}  // namespace iqnas::cli
