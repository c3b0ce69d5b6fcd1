// Checks of the data-parallel paths, run by CTest under `mpirun -np 2` (tests/dist/CMakeLists.txt):
//   dist_check train    data-parallel training (with a checkpoint and a resume) reaches the weights
//                       of one process training on the same global batches
//   dist_check bnsync   the same with batch norm synchronised over the ranks (bn_sync), weights and
//                       running statistics; per-replica batch norm does not reach them
//   dist_check nccl     GPU: an NCCL all-reduce of device buffers, and `train` with the model on the
//                       GPU (gradients over NCCL) against one process on the CPU; exit 77 without
//                       a GPU per rank or without NCCL
//   dist_check contrib  the accuracy contributions measured by two ranks equal the serial ones
//   dist_check latency  a latency table timed by two ranks has the serial table's entries, in order
//   dist_check stall    rank 1 stops answering: rank 0 ends the job within its timeout, naming it
//   dist_check kill     rank 1 dies: the job ends (mpirun names the rank)
//   dist_check skip     exit 77: this build or machine has no MPI
//   dist_check bandwidth  not a check: times float all-reduces of growing size (docs/distributed.md)
// Exit status 0 when the check holds.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "dist/communicator.h"
#include "kernels/device.h"
#include "kernels/nccl.h"
#include "nn/layers.h"
#include "nn/ops.h"
#include "nn/train/loop.h"
#include "nn/train/nccl_reducer.h"
#include "predictor/contributions.h"
#include "predictor/latency_measure.h"
#include "tests/dist/networks.h"

using namespace iqnas;

namespace {

struct TrainOptions {
  bool batch_norm = false;  // WithBatchNorm instead of TwoHeads
  bool bn_sync = false;
  Device device = Device::CPU;
};

// Trains a fresh network (same initial weights on every call) with `comm`; `stop` > 0 stops early.
// Returns its parameters and buffers, on the host.
std::vector<float> train(dist::Communicator& comm, const std::string& checkpoint, int64_t stop, const TrainOptions& o = {}) {
  Rng init(11);
  TwoHeads heads(init);
  WithBatchNorm bn(init);
  Module& net = o.batch_norm ? static_cast<Module&>(bn) : heads;
  LoopConfig cfg;
  cfg.epochs = 2, cfg.batch_size = 8, cfg.lr = 0.05, cfg.ema_decay = 0.9, cfg.checkpoint_every = 3;
  cfg.loader_threads = 1, cfg.seed = 5, cfg.progress = false, cfg.stop_after_steps = stop, cfg.comm = &comm;
  cfg.bn_sync = o.bn_sync, cfg.device = o.device;
  const StepFn step = [&](const Var& x, const std::vector<int32_t>& labels, const BatchShard& shard, Rng& rng) {
    Var logits;
    if (o.batch_norm) {
      logits = bn.forward(x);
    } else {
      std::vector<int> all(static_cast<size_t>(shard.global));  // drawn for the global batch, the shard's rows taken
      for (int& w : all) w = rng.bernoulli(0.25);
      const std::vector<int> which(all.begin() + shard.offset, all.begin() + shard.offset + x.dim(0));
      logits = heads.forward(x, which);
    }
    return StepOutput{cross_entropy(logits, labels), logits.value()};
  };
  run_training(net, step, synthetic(48), data::AugmentConfig{}, cfg, RunFiles{"check", checkpoint, ""});
  std::vector<float> w;
  for (const auto& [name, p] : net.named_parameters()) {
    const std::vector<float> v = p.value().to_vector();
    w.insert(w.end(), v.begin(), v.end());
  }
  for (const auto& [name, t] : net.named_buffers()) {
    const std::vector<float> v = t->to_vector();
    w.insert(w.end(), v.begin(), v.end());
  }
  return w;
}

double largest_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, double(std::fabs(a[i] - b[i])));
  return worst;
}

// Data-parallel training (stopped after 7 of 12 steps, checkpointed and resumed) against one
// process on the same global batches, on the CPU: the largest difference must stay within `tol`.
int check_train(dist::Communicator& comm, const TrainOptions& o, double tol) {
  const std::string dir = "dist_check_train";
  if (comm.rank() == 0) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  comm.barrier("setup");
  train(comm, dir + "/parallel.safetensors", 7, o);
  const std::vector<float> parallel = train(comm, dir + "/parallel.safetensors", 0, o);
  const std::vector<std::string> all = comm.allgather(std::string(reinterpret_cast<const char*>(parallel.data()),
                                                                  parallel.size() * sizeof(float)), "weights");
  int failed = 0;
  if (comm.rank() == 0) {
    if (all[0] != all[1]) std::printf("FAIL: the ranks hold different weights\n"), failed = 1;
    TrainOptions one = o;
    one.device = Device::CPU;
    const std::vector<float> serial = train(dist::serial(), "", 0, one);
    double scale = 0;
    for (float v : serial) scale = std::max(scale, double(std::fabs(v)));
    const double worst = largest_difference(serial, parallel);
    std::printf("train%s%s: %zu weights and statistics, largest |2 ranks - 1 process| %.3g (largest value %.3g)\n",
                o.batch_norm ? " with batch norm" : "", o.bn_sync ? " (bn_sync)" : "", serial.size(), worst, scale);
    if (!(worst <= tol)) std::printf("FAIL: 2 ranks differ from 1 process\n"), failed = 1;
  }
  comm.broadcast(&failed, sizeof failed, 0, "verdict");
  return failed;
}

// Synchronised batch norm reaches one process's weights and statistics; per-replica batch norm
// (the default) does not, which shows that the comparison can fail.
int check_bn_sync(dist::Communicator& comm) {
  int failed = check_train(comm, {true, true, Device::CPU}, 1e-5);
  const std::vector<float> replica = train(comm, "", 0, {true, false, Device::CPU});
  if (comm.rank() == 0) {
    const double d = largest_difference(train(dist::serial(), "", 0, {true, false, Device::CPU}), replica);
    std::printf("per-replica batch norm: largest |2 ranks - 1 process| %.3g\n", d);
    if (!(d > 1e-3)) std::printf("FAIL: per-replica batch norm should differ from 1 process\n"), failed = 1;
  }
  comm.broadcast(&failed, sizeof failed, 0, "verdict");
  return failed;
}

// One GPU per rank and NCCL: an all-reduce of device buffers, then data-parallel training with the
// model on the GPU (gradients over NCCL) against one process on the CPU. 77 (every rank) when a
// rank has no GPU or the build no NCCL.
int check_nccl(dist::Communicator& comm) {
  double missing = NcclReducer::available() ? 0 : 1;
  comm.allreduce(&missing, 1, dist::ReduceOp::Sum, "NCCL available");
  if (missing > 0) {
    if (comm.rank() == 0)
      std::printf("skipped: %g rank(s) without a GPU or NCCL (%s; NCCL in the CUDA module: %s)\n", missing,
                  cuda::available() ? "GPU present" : cuda::unavailable_reason().c_str(),
                  cuda::available() && cuda::nccl_compiled() ? "yes" : "no");
    return 77;
  }
  int failed = 0;
  {
    NcclReducer nccl(comm);
    Tensor t = Tensor::full({1000}, float(comm.rank() + 1), Device::CUDA);
    nccl.start_allreduce(t.data(), 1000, dist::ReduceOp::Mean, "check")->wait();
    const std::vector<float> v = t.to_vector();
    if (v.front() != 1.5f || v.back() != 1.5f) std::printf("FAIL: rank %d: NCCL mean %g, not 1.5\n", comm.rank(), v.front()), failed = 1;
  }
  double f = failed;
  comm.allreduce(&f, 1, dist::ReduceOp::Sum, "verdict");
  return f > 0 || check_train(comm, {false, false, Device::CUDA}, 1e-4);
}

int check_contrib(dist::Communicator& comm) {
  SearchSpace s = find_space("tiny");
  s.stages.resize(2);
  for (auto& st : s.stages) st.depths = {1, 2};
  Rng rng(1);
  Supernet net(s, rng);
  predictor::EvalSet set;
  for (int b = 0; b < 2; ++b) {
    set.images.push_back(normal({6, s.image_size, s.image_size, s.in_channels}, 1.f, rng));
    set.labels.push_back({0, 1, 2, 3, 4, 5});
    set.size += 6;
  }
  auto fresh = [&] {
    predictor::ContribState st;
    st.space = s.name, st.weights = "raw", st.options.passes = 2, st.options.images = 12;
    return st;
  };
  predictor::ContribState parallel = fresh(), serial = fresh();
  int saves = 0;
  predictor::measure_contributions(net, set, parallel, [&](const predictor::ContribState&) { ++saves; }, {}, comm);
  predictor::measure_contributions(net, set, serial, {}, {}, dist::serial());
  int failed = 0;
  if (parallel.ids != serial.ids || parallel.accuracy != serial.accuracy)
    std::printf("FAIL: rank %d: the contributions of 2 ranks differ from 1 process\n", comm.rank()), failed = 1;
  if (saves != (comm.rank() == 0 ? int(serial.ids.size()) : 0))
    std::printf("FAIL: rank %d saved %d times\n", comm.rank(), saves), failed = 1;
  std::printf("contrib: rank %d: %zu measurements, %s\n", comm.rank(), parallel.ids.size(), failed ? "differ" : "equal to serial");
  double f = failed;
  comm.allreduce(&f, 1, dist::ReduceOp::Sum, "verdict");
  return f > 0;
}

int check_latency(dist::Communicator& comm) {
  SearchSpace s = find_space("tiny");
  s.stages.resize(2);
  predictor::MeasureOptions o;
  o.repeats = 2, o.warmup = 0;
  const predictor::LatencyTable parallel = predictor::measure_latency_table(s, o, {}, comm);
  const predictor::LatencyTable serial = predictor::measure_latency_table(s, o, {}, dist::serial());
  int failed = parallel.blocks.size() != serial.blocks.size() || parallel.blocks.size() < 2;
  for (size_t i = 0; !failed && i < serial.blocks.size(); ++i)
    failed = parallel.blocks[i].key != serial.blocks[i].key || !(parallel.blocks[i].median_ms > 0);
  failed |= !(parallel.fixed.median_ms > 0);
  std::printf("latency: rank %d: %zu entries, %s\n", comm.rank(), parallel.blocks.size(),
              failed ? "FAIL: not the serial table's entries" : "the serial table's entries");
  double f = failed;
  comm.allreduce(&f, 1, dist::ReduceOp::Sum, "verdict");
  return f > 0;
}

int time_allreduce(dist::Communicator& comm) {
  for (size_t n : {size_t(1), size_t(1) << 10, size_t(1) << 16, size_t(1) << 18, size_t(1) << 20, size_t(1) << 22}) {
    std::vector<float> v(n, 1.f);
    const int reps = n >= (size_t(1) << 20) ? 10 : 100;
    comm.barrier("bandwidth");
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) comm.allreduce(v.data(), n, dist::ReduceOp::Mean, "bandwidth");
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
    if (comm.rank() == 0) std::printf("all-reduce of %9zu floats: %9.1f us, %7.3f GB/s of buffer\n", n, 1e6 * s, 4.0 * n / s / 1e9);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "skip") {
    std::printf("skipped: this build has no MPI (configure with IQNAS_MPI and libopenmpi-dev)\n");
    return 77;
  }
  dist::init(&argc, &argv);
  dist::Communicator& comm = dist::world();
  if (comm.size() != 2) {
    std::printf("dist_check %s: run under mpirun -np 2 (have %d ranks)\n", mode.c_str(), comm.size());
    return 2;
  }
  int rc = 2;
  if (mode == "train") rc = check_train(comm, {}, 1e-5);
  if (mode == "bnsync") rc = check_bn_sync(comm);
  if (mode == "nccl") rc = check_nccl(comm);
  if (mode == "contrib") rc = check_contrib(comm);
  if (mode == "latency") rc = check_latency(comm);
  if (mode == "bandwidth") rc = time_allreduce(comm);
  if (mode == "stall" || mode == "kill") {
    dist::set_timeout(mode == "stall" ? 2 : 30);  // kill: mpirun notices the death first
    if (comm.rank() == 1) {
      if (mode == "kill") raise(SIGKILL);
      std::this_thread::sleep_for(std::chrono::seconds(60));  // stuck: answers nothing
    }
    comm.barrier("check barrier");  // rank 0 must not get past this
    std::printf("FAIL: rank %d got past the barrier\n", comm.rank());
    return 1;
  }
  dist::finalize();
  return rc;
}
