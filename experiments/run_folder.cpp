#include "experiments/run_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>

#include "dist/communicator.h"
#include "experiments/args.h"
#include "nn/checkpoint.h"
#include "predictor/latency_table.h"
#include "predictor/resources.h"
#include "supernet/weights.h"

namespace iqnas::cli {

std::string require_file(const std::string& path, const std::string& how) {
  if (!std::filesystem::exists(path)) throw UsageError(path + " does not exist; " + how);
  return path;
}

SearchSpace load_run_space(const std::string& dir) {
  return load_space(require_file(dir + "/space.json", "is " + dir + " a run folder? (`iqnas supernet heaviest --run " + dir +
                                                          "` creates one)"));
}

std::unique_ptr<Supernet> load_run_supernet(const std::string& dir, const SearchSpace& s, const std::string& weights) {
  WeightSource w;
  try {
    w = parse_weight_source(weights);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--weights: ") + e.what());
  }
  Rng rng(0);
  auto net = std::make_unique<Supernet>(s, rng);
  load_weights(require_file(dir + "/supernet.safetensors", "run `iqnas supernet train --run " + dir + "` first"), *net, w);
  return net;
}

Architecture arch_arg(const SearchSpace& s, const std::string& arg) {
  if (arg == "heaviest") return heaviest_arch(s);
  if (arg == "smallest") return smallest_arch(s);
  return load_arch(s, arg);
}

std::vector<std::string> comma_list(const std::string& arg, const std::string& flag) {
  std::vector<std::string> out;
  size_t b = 0;
  for (size_t e; (e = arg.find(',', b)) != std::string::npos; b = e + 1) out.push_back(arg.substr(b, e - b));
  out.push_back(arg.substr(b));
  for (const auto& a : out)
    if (a.empty()) throw UsageError(flag + ": an empty name in the list '" + arg + "'");
  return out;
}

std::string arch_result_name(const std::string& arch_arg, bool finetuned) {
  std::string name = std::filesystem::path(arch_arg).filename().string();
  if (name.size() > 5 && name.substr(name.size() - 5) == ".json") name.resize(name.size() - 5);
  return finetuned ? name + ".finetuned" : name;
}

std::vector<double> budgets_at_fractions(const std::string& dir, const std::string& resource,
                                         const std::vector<double>& fractions) {
  const SearchSpace s = load_run_space(dir);
  std::unique_ptr<predictor::LatencyTable> t;
  if (resource == "latency_ms")
    t = std::make_unique<predictor::LatencyTable>(predictor::load_latency_table(
        require_file(dir + "/lut.json", "measure the table with `iqnas lut`"), s));
  const double lo = predictor::resource_value(s, smallest_arch(s), resource, t.get());
  const double hi = predictor::resource_value(s, heaviest_arch(s), resource, t.get());
  std::vector<double> v;
  for (double f : fractions) v.push_back(lo + f * (hi - lo));
  return v;
}

std::vector<std::unique_ptr<SubNetwork>> load_run_networks(const std::string& dir, const SearchSpace& s,
                                                           const std::vector<Architecture>& archs,
                                                           const std::string& checkpoint, const std::string& weights,
                                                           std::string* source) {
  std::vector<std::unique_ptr<SubNetwork>> nets;
  if (!checkpoint.empty()) {
    if (archs.size() != 1)
      throw UsageError("--checkpoint holds one network's weights: it takes one --arch (got " + std::to_string(archs.size()) + ")");
    Rng rng(0);
    nets.push_back(std::make_unique<SubNetwork>(s, archs[0], rng));
    load_checkpoint(require_file(checkpoint, "fine-tune it with `iqnas supernet finetune` first"), *nets[0]);
    *source = checkpoint;
    return nets;
  }
  auto super = load_run_supernet(dir, s, weights);
  *source = "supernet (" + weights + "), inherited";
  for (const auto& a : archs) nets.push_back(extract_subnetwork(*super, a));
  return nets;
}

std::unique_ptr<SubNetwork> load_run_network(const std::string& dir, const SearchSpace& s, const Architecture& arch,
                                             const std::string& checkpoint, const std::string& weights,
                                             std::string* source) {
  return std::move(load_run_networks(dir, s, {arch}, checkpoint, weights, source).front());
}

predictor::EvalSet heldout_eval_set(const DataSets& d, int64_t images, int64_t batch, int threads) {
  return predictor::load_eval_set(d.heldout, d.eval_aug, images, batch, 0, threads);
}

namespace {

struct HeldLock {
  int fd = -1;
  int count = 0;
};
std::mutex held_mu;
std::map<std::string, HeldLock> held;  // canonical folder -> this process's lock on it

}  // namespace

RunFolderLock::RunFolderLock(const std::string& dir) {
  if (dist::world().rank() != 0) return;  // the ranks of one mpirun job share the folder; rank 0 holds it
  std::error_code ec;
  key_ = std::filesystem::canonical(dir, ec).string();
  if (ec) throw std::runtime_error(dir + ": cannot lock the run folder: " + ec.message());
  std::lock_guard<std::mutex> g(held_mu);
  HeldLock& h = held[key_];
  if (h.count++ > 0) return;
  const std::string path = key_ + "/.lock";
  h.fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (h.fd < 0) {
    held.erase(key_);
    throw std::runtime_error(path + ": cannot create the run folder's lock file: " + std::strerror(errno));
  }
  if (::flock(h.fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char buf[32] = {};
    const ssize_t n = ::pread(h.fd, buf, sizeof buf - 1, 0);
    ::close(h.fd);
    held.erase(key_);
    if (err != EWOULDBLOCK) throw std::runtime_error(path + ": cannot lock the run folder: " + std::strerror(err));
    const std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "unknown";
    throw std::runtime_error(dir + " is in use by another iqnas process (pid " + pid.substr(0, pid.find('\n')) +
                             "); wait for it to finish, or use another run folder");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  // The pid only serves another process's message; the lock holds without it.
  if (::ftruncate(h.fd, 0) == 0) (void)!::pwrite(h.fd, pid.data(), pid.size(), 0);
}

RunFolderLock::~RunFolderLock() {
  std::lock_guard<std::mutex> g(held_mu);
  auto it = held.find(key_);
  if (it == held.end() || --it->second.count > 0) return;
  ::close(it->second.fd);  // releases the flock; the file stays (removing it would race with a waiter)
  held.erase(it);
}

predictor::MeasureOptions timing_of_table(const predictor::LatencyTable& t, const std::string& path, bool for_networks) {
  try {
    return for_networks ? predictor::MeasureOptions::of_table_for_networks(t) : predictor::MeasureOptions::of_table(t);
  } catch (const std::invalid_argument& e) {
    throw UsageError(path + ": " + e.what());
  }
}

}  // namespace iqnas::cli
