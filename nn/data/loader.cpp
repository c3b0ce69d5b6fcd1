#include "nn/data/loader.h"

#include <algorithm>
#include <numeric>

#include "kernels/device.h"
#include "util/rng.h"

namespace iqnas::data {

namespace {
constexpr uint64_t kShuffleStream = 0x5AFF1Eu, kAugmentStream = 0xA06u;
}

Loader::Loader(std::shared_ptr<const Dataset> data, LoaderOptions opt)
    : data_(std::move(data)), opt_(std::move(opt)),
      aug_(opt_.augment, data_->fixed_h(), data_->fixed_w(), data_->channels()) {
  if (opt_.batch_size <= 0) throw std::invalid_argument("Loader: batch size must be positive");
  if (opt_.threads <= 0 || opt_.threads > kMaxLoaderThreads)
    throw std::invalid_argument("Loader: the thread count must be in [1, " + std::to_string(kMaxLoaderThreads) +
                                "], got " + std::to_string(opt_.threads));
  if (opt_.shards < 1 || opt_.shard < 0 || opt_.shard >= opt_.shards)
    throw std::invalid_argument("Loader: shard " + std::to_string(opt_.shard) + " of " + std::to_string(opt_.shards));
  if (data_->size() == 0) throw DataError(data_->source() + ": data set is empty");
  const int64_t n = data_->size();
  batches_ = opt_.drop_last ? n / opt_.batch_size : (n + opt_.batch_size - 1) / opt_.batch_size;
  if (batches_ == 0)
    throw std::invalid_argument("Loader: batch size " + std::to_string(opt_.batch_size) + " exceeds the " +
                                std::to_string(n) + " images of " + data_->name() + " with drop_last");
  const int prefetch = opt_.prefetch > 0 ? opt_.prefetch : std::max(2, 2 * opt_.threads);
  const size_t floats = static_cast<size_t>(opt_.batch_size) * aug_.out_h() * aug_.out_w() * aug_.out_c();
  slots_.resize(static_cast<size_t>(prefetch));
  for (auto& s : slots_) {
    s.images = static_cast<float*>(cuda::alloc_host(floats * sizeof(float)));
    s.labels = static_cast<int32_t*>(cuda::alloc_host(static_cast<size_t>(opt_.batch_size) * sizeof(int32_t)));
    s.indices.resize(static_cast<size_t>(opt_.batch_size));
  }
  for (int t = 0; t < opt_.threads; ++t) threads_.emplace_back([this] { worker(); });
}

Loader::~Loader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
  for (auto& s : slots_) {
    cuda::free_host(s.images);
    cuda::free_host(s.labels);
  }
}

int64_t Loader::samples_per_epoch() const {
  return opt_.drop_last ? batches_ * opt_.batch_size : data_->size();
}

std::vector<int64_t> Loader::epoch_order(int64_t epoch) const {
  std::vector<int64_t> order(static_cast<size_t>(data_->size()));
  std::iota(order.begin(), order.end(), int64_t(0));
  if (opt_.shuffle) {
    util::Rng rng(util::mix_seed(opt_.seed, static_cast<uint64_t>(epoch), 0, kShuffleStream));
    util::shuffle(order, rng);
  }
  return order;
}

std::shared_ptr<const std::vector<int64_t>> Loader::order_for(int64_t epoch) {
  auto it = orders_.find(epoch);
  if (it != orders_.end()) return it->second;
  auto order = std::make_shared<const std::vector<int64_t>>(epoch_order(epoch));
  // Forget epochs the consumer has moved past.
  const int64_t consumer_epoch = first_epoch_ + released_ / batches_;
  for (auto e = orders_.begin(); e != orders_.end();) e = e->first < consumer_epoch ? orders_.erase(e) : std::next(e);
  orders_[epoch] = order;
  return order;
}

void Loader::fill(Slot& slot, int64_t seq, const std::vector<int64_t>& order, Image& scratch) {
  const int64_t epoch = first_epoch_ + seq / batches_, step = seq % batches_;
  const int64_t whole = std::min(opt_.batch_size, static_cast<int64_t>(order.size()) - step * opt_.batch_size);
  const int64_t from = whole * opt_.shard / opt_.shards, to = whole * (opt_.shard + 1) / opt_.shards;
  const int64_t begin = step * opt_.batch_size + from, n = to - from;
  const size_t per_image = static_cast<size_t>(aug_.out_h()) * aug_.out_w() * aug_.out_c();
  for (int64_t j = 0; j < n; ++j) {
    const int64_t idx = order[static_cast<size_t>(begin + j)];
    slot.indices[static_cast<size_t>(j)] = idx;
    slot.labels[j] = data_->label(idx);
    const ImageView view = data_->image(idx, scratch);
    util::Rng rng(util::mix_seed(opt_.seed, static_cast<uint64_t>(epoch), static_cast<uint64_t>(idx), kAugmentStream));
    try {
      aug_.apply(view, rng, slot.images + static_cast<size_t>(j) * per_image);
    } catch (const DataError& e) {
      throw DataError(data_->source() + ": image " + std::to_string(idx) + ": " + e.what());
    }
  }
  slot.n = n;
}

void Loader::worker() {
  Image scratch;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] {
      return quit_ || (!pause_ && claim_ < released_ + static_cast<int64_t>(slots_.size()));
    });
    if (quit_) return;
    const int64_t seq = claim_++;
    Slot& slot = slots_[static_cast<size_t>(seq % static_cast<int64_t>(slots_.size()))];
    auto order = order_for(first_epoch_ + seq / batches_);
    ++busy_;
    lock.unlock();
    std::exception_ptr error;
    try {
      fill(slot, seq, *order, scratch);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    slot.seq = seq;
    slot.error = error;
    slot.ready = true;
    --busy_;
    ready_cv_.notify_all();
    if (busy_ == 0) idle_cv_.notify_all();
  }
}

void Loader::start(int64_t epoch) {
  std::unique_lock<std::mutex> lock(mu_);
  pause_ = true;
  idle_cv_.wait(lock, [&] { return busy_ == 0; });
  for (auto& s : slots_) {
    s.ready = false;
    s.seq = -1;
    s.error = nullptr;
  }
  orders_.clear();
  first_epoch_ = epoch;
  claim_ = released_ = 0;
  handed_ = -1;
  pause_ = false;
  lock.unlock();
  work_cv_.notify_all();
}

Batch Loader::next() {
  std::unique_lock<std::mutex> lock(mu_);
  if (handed_ >= 0) {  // the consumer is done with the previous batch: free its slot
    slots_[static_cast<size_t>(handed_ % static_cast<int64_t>(slots_.size()))].ready = false;
    released_ = handed_ + 1;
    work_cv_.notify_all();
  }
  const int64_t seq = released_;
  Slot& slot = slots_[static_cast<size_t>(seq % static_cast<int64_t>(slots_.size()))];
  ready_cv_.wait(lock, [&] { return slot.ready && slot.seq == seq; });
  handed_ = seq;
  if (slot.error) std::rethrow_exception(slot.error);
  Batch b;
  b.n = slot.n;
  b.h = aug_.out_h();
  b.w = aug_.out_w();
  b.c = aug_.out_c();
  b.images = slot.images;
  b.labels = slot.labels;
  b.indices = slot.indices.data();
  b.epoch = first_epoch_ + seq / batches_;
  b.step = seq % batches_;
  return b;
}

}  // namespace iqnas::data
