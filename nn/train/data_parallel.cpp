#include "nn/train/data_parallel.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "kernels/device.h"

namespace iqnas {

namespace {

// Buckets of at most 16 MB (a bounded buffer); the gradients' are smaller (about four of them, so
// that most of the transfer can hide behind the backward pass) down to 256 KB (fewer, larger
// messages are cheaper).
constexpr int64_t kMinBucketFloats = int64_t(1) << 16, kMaxBucketFloats = int64_t(1) << 22;

// Averages contiguous tensors (any device) over the ranks in place, bucket by bucket.
void average_tensors(const std::vector<Tensor>& ts, dist::Communicator& comm, const char* what) {
  std::vector<float> bucket;
  size_t first = 0;
  while (first < ts.size()) {
    size_t last = first, floats = 0;  // [first, last): this bucket (a tensor larger than a bucket goes alone)
    while (last < ts.size() && (last == first || floats + static_cast<size_t>(ts[last].numel()) <= static_cast<size_t>(kMaxBucketFloats)))
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

GradientReducer::GradientReducer(const std::vector<Var>& params, dist::Communicator& comm) : params_(params), comm_(comm) {
  if (comm.size() == 1 || params.empty()) return;
  const Device dev = params.front().device();
  for (const Var& p : params)
    if (p.device() != dev) throw std::invalid_argument("data-parallel training: the parameters live on different devices");
  if (dev == Device::CUDA) {  // NCCL when every rank has it
    double have = NcclReducer::available() ? 1 : 0;
    comm.allreduce(&have, 1, dist::ReduceOp::Sum, "NCCL available");
    if (have == comm.size()) {
      nccl_ = std::make_unique<NcclReducer>(comm);
      buffer_device_ = Device::CUDA;
    }
  }
  int64_t total = 0;
  for (const Var& p : params) total += p.value().numel();
  const int64_t cap = std::clamp(total / 4, kMinBucketFloats, kMaxBucketFloats);
  bucket_of_.resize(params.size());
  for (size_t k = params.size(); k-- > 0;) {  // a parameter larger than the cap goes alone
    const int64_t n = params[k].value().numel();
    if (buckets_.empty() || (buckets_.back().floats > 0 && buckets_.back().floats + n > cap)) buckets_.emplace_back();
    buckets_.back().params.push_back(k);
    buckets_.back().floats += n;
    bucket_of_[k] = buckets_.size() - 1;
  }
  for (size_t k = 0; k < params_.size(); ++k) params_[k].set_grad_hook([this, k] { ready(k); });
}

GradientReducer::~GradientReducer() {
  if (bucket_of_.empty()) return;
  for (Var& p : params_) p.set_grad_hook({});
}

void GradientReducer::begin(const StepStats& local) {
  stats_[0] = local.loss_sum, stats_[1] = local.correct, stats_[2] = local.images;
  if (bucket_of_.empty()) return;
  stats_pending_ = comm_.start_allreduce(stats_, 3, dist::ReduceOp::Sum, "step statistics all-reduce");
  for (Bucket& b : buckets_) b.left = b.params.size(), b.pending.reset();
  next_ = 0;
  active_ = true;
}

void GradientReducer::ready(size_t param) {
  if (!active_) return;  // a backward pass outside a step (not one to average)
  Bucket& b = buckets_[bucket_of_[param]];
  if (b.left == 0) throw std::logic_error("data-parallel training: a gradient completed twice in one step (two backward passes?)");
  --b.left;
  while (next_ < buckets_.size() && buckets_[next_].left == 0) start(buckets_[next_++]);
  for (size_t i = 0; i < next_; ++i) buckets_[i].pending->test();  // MPI progresses only inside its calls
}

void GradientReducer::start(Bucket& b) {
  const int64_t np = static_cast<int64_t>(b.params.size());
  b.buffer = Tensor::empty({b.floats + np}, buffer_device_);  // fresh: the last step's gradients are views of the old
  std::vector<float> flags(b.params.size());
  int64_t at = 0;
  for (size_t j = 0; j < b.params.size(); ++j) {
    const Var& p = params_[b.params[j]];
    const int64_t n = p.value().numel();
    Tensor dst = b.buffer.slice(0, at, n);
    if (p.grad().defined()) dst.reshape(p.shape()).copy_(p.grad()), flags[j] = 1;
    else dst.zero_();
    at += n;
  }
  b.buffer.slice(0, b.floats, np).copy_(Tensor::from_vector({np}, flags));
  b.pending = nccl_ ? nccl_->start_allreduce(b.buffer.data(), static_cast<size_t>(b.buffer.numel()), dist::ReduceOp::Mean,
                                             "gradient all-reduce (NCCL)")
                    : comm_.start_allreduce(b.buffer.data(), static_cast<size_t>(b.buffer.numel()), dist::ReduceOp::Mean,
                                            "gradient all-reduce");
}

StepStats GradientReducer::finish() {
  if (bucket_of_.empty()) return StepStats{stats_[0], stats_[1], stats_[2]};
  active_ = false;
  while (next_ < buckets_.size()) start(buckets_[next_++]);
  stats_pending_->wait();
  for (Bucket& b : buckets_) {
    b.pending->wait();
    const int64_t np = static_cast<int64_t>(b.params.size());
    const std::vector<float> flags = b.buffer.slice(0, b.floats, np).to_vector();  // averaged: > 0 where any rank had one
    int64_t at = 0;
    for (size_t j = 0; j < b.params.size(); ++j) {
      Var p = params_[b.params[j]];
      const int64_t n = p.value().numel();
      if (flags[j] > 0) {
        const Tensor avg = b.buffer.slice(0, at, n).reshape(p.shape());
        p.set_grad(avg.device() == p.device() ? avg : avg.to(p.device()));
      }
      at += n;
    }
  }
  return StepStats{stats_[0], stats_[1], stats_[2]};
}

void RankBatchNormSync::sum(double* values, size_t n) { comm_.allreduce(values, n, dist::ReduceOp::Sum, "synchronised batch norm"); }

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
