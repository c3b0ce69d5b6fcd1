#include "nn/train/data_parallel.h"

#include <algorithm>
#include <cstring>

#include "kernels/device.h"

namespace iqnas {

namespace {

constexpr size_t kBucketFloats = size_t(1) << 22;  // 16 MB: large messages, a bounded host buffer

// Averages contiguous tensors (any device) over the ranks in place, bucket by bucket.
void average_tensors(const std::vector<Tensor>& ts, dist::Communicator& comm, const char* what) {
  std::vector<float> bucket;
  size_t first = 0;
  while (first < ts.size()) {
    size_t last = first, floats = 0;  // [first, last): this bucket (a tensor larger than a bucket goes alone)
    while (last < ts.size() && (last == first || floats + static_cast<size_t>(ts[last].numel()) <= kBucketFloats))
      floats += static_cast<size_t>(ts[last++].numel());
    bucket.resize(floats);
    size_t at = 0;
    for (size_t i = first; i < last; ++i) {
      const size_t n = static_cast<size_t>(ts[i].numel());
      if (ts[i].is_cpu()) std::memcpy(bucket.data() + at, ts[i].data(), n * sizeof(float));
      else cuda::copy_d2h(bucket.data() + at, ts[i].data(), n * sizeof(float));
      at += n;
    }
    comm.allreduce(bucket.data(), floats, dist::ReduceOp::Mean, what);
    at = 0;
    for (size_t i = first; i < last; ++i) {
      const size_t n = static_cast<size_t>(ts[i].numel());
      if (ts[i].is_cpu()) std::memcpy(ts[i].data(), bucket.data() + at, n * sizeof(float));
      else cuda::copy_h2d(ts[i].data(), bucket.data() + at, n * sizeof(float));
      at += n;
    }
    first = last;
  }
}

}  // namespace

StepStats sync_gradients(const std::vector<Var>& params, const StepStats& local, dist::Communicator& comm) {
  if (comm.size() == 1) return local;
  // Which parameters have a gradient somewhere, and the step's statistics, in one small all-reduce.
  std::vector<double> head(params.size() + 3);
  for (size_t i = 0; i < params.size(); ++i) head[i] = params[i].grad().defined() ? 1 : 0;
  head[params.size()] = local.loss_sum, head[params.size() + 1] = local.correct, head[params.size() + 2] = local.images;
  comm.allreduce(head.data(), head.size(), dist::ReduceOp::Sum, "gradient all-reduce (which parameters)");
  std::vector<Tensor> grads;
  for (size_t i = 0; i < params.size(); ++i) {
    if (head[i] == 0) continue;
    Var p = params[i];
    const Tensor& g = p.grad();
    if (!g.defined()) p.set_grad(Tensor::zeros(p.shape(), p.device()));
    else if (!g.is_contiguous()) p.set_grad(g.contiguous());
    grads.push_back(p.grad());
  }
  average_tensors(grads, comm, "gradient all-reduce");
  return StepStats{head[params.size()], head[params.size() + 1], head[params.size() + 2]};
}

void average_buffers(Module& m, ModelEma* ema, dist::Communicator& comm) {
  if (comm.size() == 1) return;
  std::vector<Tensor> bufs;
  for (auto& [name, t] : m.named_buffers()) {
    if (!t->is_contiguous()) *t = t->contiguous();
    bufs.push_back(*t);
  }
  average_tensors(bufs, comm, "batch-norm statistics average");
  if (!ema || !ema->average_buffers()) return;
  NamedTensors state;
  std::vector<Tensor> ema_bufs;
  const auto names = m.named_buffers();
  for (const auto& [name, t] : ema->tensors()) {
    const bool buffer = std::any_of(names.begin(), names.end(), [&](const auto& b) { return b.first == name; });
    state.emplace_back(name, t.clone());
    if (buffer) ema_bufs.push_back(state.back().second);
  }
  average_tensors(ema_bufs, comm, "EMA batch-norm statistics average");
  ema->load_state(state, ema->updates());
}

}  // namespace iqnas
