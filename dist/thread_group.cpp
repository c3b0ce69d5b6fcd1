#include "dist/thread_group.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

namespace iqnas::dist {

namespace {

// Below this many elements (summed over the ranks) the last rank to come sums a whole all-reduce
// alone: one meeting, and that rank never waits; above it the ranks sum a slice each.
constexpr size_t kSplitElements = size_t(1) << 16;

template <class T>
void sum_into_all(const std::vector<void*>& ptr, size_t lo, size_t hi, ReduceOp op) {
  T* acc = static_cast<T*>(ptr[0]);
  for (size_t k = 1; k < ptr.size(); ++k) {
    const T* x = static_cast<const T*>(ptr[k]);
    for (size_t i = lo; i < hi; ++i) acc[i] += x[i];  // in rank order: every rank gets the same values
  }
  if (op == ReduceOp::Mean)
    for (size_t i = lo; i < hi; ++i) acc[i] /= static_cast<T>(ptr.size());
  for (size_t k = 1; k < ptr.size(); ++k) std::memcpy(static_cast<T*>(ptr[k]) + lo, acc + lo, (hi - lo) * sizeof(T));
}

// Rank r's communicator: collectives numbered in the order this rank calls them.
class RankComm final : public Communicator {
 public:
  RankComm(ThreadGroup& g, int r) : g_(g), r_(r) {}
  int rank() const override { return r_; }
  int size() const override { return g_.size(); }
  void allreduce(float* data, size_t n, ReduceOp op, const char* what) override { reduce(data, n, op, what)->wait(); }
  void allreduce(double* data, size_t n, ReduceOp op, const char* what) override { reduce(data, n, op, what)->wait(); }
  std::unique_ptr<Pending> start_allreduce(float* data, size_t n, ReduceOp op, const char* what) override {
    return reduce(data, n, op, what);
  }
  std::unique_ptr<Pending> start_allreduce(double* data, size_t n, ReduceOp op, const char* what) override {
    return reduce(data, n, op, what);
  }
  void broadcast(void* data, size_t bytes, int root, const char* what) override {
    if (root < 0 || root >= size()) throw std::invalid_argument(std::string(what) + ": broadcast root out of range");
    meet(data, what, [&](ThreadGroup::Slot& s) {
      for (size_t k = 0; k < s.ptr.size(); ++k)
        if (int(k) != root && bytes > 0) std::memcpy(s.ptr[k], s.ptr[size_t(root)], bytes);
    });
  }
  void barrier(const char* what) override {
    meet(nullptr, what, [](ThreadGroup::Slot&) {});
  }
  std::vector<std::string> allgather(const std::string& bytes, const char* what) override {
    std::vector<std::string> out;
    std::pair<const std::string*, std::vector<std::string>*> mine{&bytes, &out};
    meet(&mine, what, [](ThreadGroup::Slot& s) {
      for (void* p : s.ptr)
        for (void* q : s.ptr) static_cast<decltype(mine)*>(p)->second->push_back(*static_cast<decltype(mine)*>(q)->first);
    });
    return out;
  }
  void reset() { seq_ = 0; }

 private:
  // A collective that the last rank to come completes for all.
  void meet(void* ptr, const char* what, const std::function<void(ThreadGroup::Slot&)>& last) {
    const uint64_t seq = seq_++;
    g_.enter(g_.arrive(r_, seq, ptr), r_, seq, what, last);
  }
  template <class T>
  std::unique_ptr<Pending> reduce(T* data, size_t n, ReduceOp op, const char* what);

  ThreadGroup& g_;
  int r_;
  uint64_t seq_ = 0;
};

// An all-reduce in flight: the buffer is registered at the start and summed by wait().
template <class T>
class Reduction final : public Pending {
 public:
  Reduction(ThreadGroup& g, ThreadGroup::Slot& s, uint64_t seq, int r, size_t n, ReduceOp op, const char* what)
      : g_(g), s_(s), seq_(seq), r_(r), n_(n), op_(op), what_(what) {}
  ~Reduction() override {
    if (done_) return;
    try {
      wait();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "iqnas: %s: %s\n", what_, e.what());
    }
  }
  bool test() override { return done_; }  // the work is done by wait(), on the ranks' own threads
  void wait() override {
    if (done_) return;
    done_ = true;
    const size_t N = size_t(g_.size());
    if (n_ * N < kSplitElements) {
      g_.enter(s_, r_, seq_, what_, [&](ThreadGroup::Slot& s) { sum_into_all<T>(s.ptr, 0, n_, op_); });
      return;
    }
    g_.enter(s_, r_, seq_, what_, {});  // every buffer is registered: sum this rank's slice
    sum_into_all<T>(s_.ptr, n_ * size_t(r_) / N, n_ * size_t(r_ + 1) / N, op_);
    g_.split_done(s_, seq_, what_);
  }

 private:
  ThreadGroup& g_;
  ThreadGroup::Slot& s_;
  uint64_t seq_;
  int r_;
  size_t n_;
  ReduceOp op_;
  const char* what_;
  bool done_ = false;
};

template <class T>
std::unique_ptr<Pending> RankComm::reduce(T* data, size_t n, ReduceOp op, const char* what) {
  const uint64_t seq = seq_++;
  ThreadGroup::Slot& s = g_.arrive(r_, seq, data);
  return std::make_unique<Reduction<T>>(g_, s, seq, r_, n, op, what);
}

}  // namespace

ThreadGroup::ThreadGroup(int size) {
  if (size < 1) throw std::invalid_argument("ThreadGroup: size must be >= 1");
  for (int r = 0; r < size; ++r) ranks_.push_back(std::make_unique<RankComm>(*this, r));
}

ThreadGroup::~ThreadGroup() = default;

Communicator& ThreadGroup::comm(int rank) {
  if (rank < 0 || rank >= size()) throw std::out_of_range("ThreadGroup::comm: rank out of range");
  return *ranks_[static_cast<size_t>(rank)];
}

ThreadGroup::Slot& ThreadGroup::arrive(int r, uint64_t seq, void* ptr) {
  std::lock_guard<std::mutex> lock(mu_);
  Slot& s = slots_[seq];
  if (s.ptr.empty()) s.ptr.assign(ranks_.size(), nullptr), s.arrived.assign(ranks_.size(), false), s.entered = s.arrived;
  s.ptr[static_cast<size_t>(r)] = ptr;
  s.arrived[static_cast<size_t>(r)] = true;
  return s;
}

void ThreadGroup::wait_for(std::unique_lock<std::mutex>& lock, Slot& s, const std::function<bool()>& ready, const char* what) {
  const double seconds = timeout();
  if (!cv_.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return failed_ || ready(); })) {
    std::string silent;
    for (size_t k = 0; k < s.entered.size(); ++k)
      if (!s.entered[k]) silent += (silent.empty() ? "" : ", ") + std::to_string(k);
    char head[256];
    std::snprintf(head, sizeof head, "iqnas: thread group of %d: %s: waited %.1f s for the other ranks ($IQNAS_DIST_TIMEOUT); ",
                  size(), what, seconds);
    lock.unlock();
    abort_job(std::string(head) + (silent.empty() ? "every rank came but one did not finish (a bug); ending the job"
                                                  : "rank(s) " + silent + " do not answer (stuck); ending the job"));
  }
  if (failed_) throw std::runtime_error(std::string(what) + ": another rank of the thread group failed");
}

void ThreadGroup::leave(Slot& s, uint64_t seq) {
  if (++s.left == size()) slots_.erase(seq);
}

void ThreadGroup::enter(Slot& s, int r, uint64_t seq, const char* what, const std::function<void(Slot&)>& last) {
  std::unique_lock<std::mutex> lock(mu_);
  s.entered[static_cast<size_t>(r)] = true;
  if (++s.entries == size()) {
    if (last) last(s);
    s.complete = true;
    cv_.notify_all();
  } else {
    wait_for(lock, s, [&] { return s.complete; }, what);
  }
  if (last) leave(s, seq);
}

void ThreadGroup::split_done(Slot& s, uint64_t seq, const char* what) {
  std::unique_lock<std::mutex> lock(mu_);
  if (++s.done == size()) cv_.notify_all();
  else wait_for(lock, s, [&] { return s.done == size(); }, what);
  leave(s, seq);
}

void ThreadGroup::run(const std::function<void(Communicator&)>& fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    slots_.clear(), failed_ = false;
  }
  for (auto& r : ranks_) static_cast<RankComm&>(*r).reset();
  std::exception_ptr first;
  auto body = [&](int r) {
    try {
      fn(comm(r));
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!first) first = std::current_exception();
      failed_ = true;
      cv_.notify_all();
    }
  };
  std::vector<std::thread> threads;
  for (int r = 1; r < size(); ++r) threads.emplace_back(body, r);
  body(0);
  for (std::thread& t : threads) t.join();
  if (first) std::rethrow_exception(first);
}

}  // namespace iqnas::dist
