#include "dist/thread_group.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

namespace iqnas::dist {

namespace {

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
    const uint64_t seq = seq_++;
    ThreadGroup::Slot& s = g_.arrive(r_, seq, data);
    g_.await(s, 0, what);
    if (r_ != root && bytes > 0) std::memcpy(data, s.ptr[static_cast<size_t>(root)], bytes);
    g_.finish(s, seq, what);
  }
  void barrier(const char* what) override {
    const uint64_t seq = seq_++;
    ThreadGroup::Slot& s = g_.arrive(r_, seq, nullptr);
    g_.await(s, 0, what);
    g_.finish(s, seq, what);
  }
  std::vector<std::string> allgather(const std::string& bytes, const char* what) override {
    const uint64_t seq = seq_++;
    ThreadGroup::Slot& s = g_.arrive(r_, seq, const_cast<std::string*>(&bytes));
    g_.await(s, 0, what);
    std::vector<std::string> out;
    for (void* p : s.ptr) out.push_back(*static_cast<const std::string*>(p));
    g_.finish(s, seq, what);
    return out;
  }
  void reset() { seq_ = 0; }

 private:
  template <class T>
  std::unique_ptr<Pending> reduce(T* data, size_t n, ReduceOp op, const char* what);

  ThreadGroup& g_;
  int r_;
  uint64_t seq_ = 0;
};

// An all-reduce in flight: the buffer is registered at the start; wait() sums this rank's slice of
// the elements over every rank's buffer and writes the result into all of them.
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
  bool test() override { return done_; }  // the work is done by wait(), on every rank's thread
  void wait() override {
    if (done_) return;
    done_ = true;
    g_.await(s_, 0, what_);
    const size_t N = s_.ptr.size(), lo = n_ * size_t(r_) / N, hi = n_ * size_t(r_ + 1) / N;
    T* acc = static_cast<T*>(s_.ptr[0]);
    for (size_t k = 1; k < N; ++k) {
      const T* x = static_cast<const T*>(s_.ptr[k]);
      for (size_t i = lo; i < hi; ++i) acc[i] += x[i];
    }
    if (op_ == ReduceOp::Mean)
      for (size_t i = lo; i < hi; ++i) acc[i] /= static_cast<T>(N);
    for (size_t k = 1; k < N; ++k) std::memcpy(static_cast<T*>(s_.ptr[k]) + lo, acc + lo, (hi - lo) * sizeof(T));
    g_.finish(s_, seq_, what_);
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
  if (s.ptr.empty()) s.ptr.assign(ranks_.size(), nullptr), s.arrived.assign(ranks_.size(), false);
  s.ptr[static_cast<size_t>(r)] = ptr;
  s.arrived[static_cast<size_t>(r)] = true;
  if (++s.arrivals == size()) cv_.notify_all();
  return s;
}

void ThreadGroup::await(Slot& s, int phase, const char* what) {
  std::unique_lock<std::mutex> lock(mu_);
  const auto ready = [&] { return failed_ || (phase == 0 ? s.arrivals : s.done) == size(); };
  const double seconds = timeout();
  if (!cv_.wait_for(lock, std::chrono::duration<double>(seconds), ready)) {
    std::string silent;
    for (size_t k = 0; k < s.arrived.size(); ++k)
      if (!s.arrived[k]) silent += (silent.empty() ? "" : ", ") + std::to_string(k);
    char head[256];
    std::snprintf(head, sizeof head, "iqnas: thread group of %d: %s: waited %.1f s for the other ranks ($IQNAS_DIST_TIMEOUT); ",
                  size(), what, seconds);
    lock.unlock();
    abort_job(std::string(head) + (silent.empty() ? "every rank arrived but one did not finish (a bug); ending the job"
                                                  : "rank(s) " + silent + " do not answer (stuck); ending the job"));
  }
  if (failed_) throw std::runtime_error(std::string(what) + ": another rank of the thread group failed");
}

void ThreadGroup::finish(Slot& s, uint64_t seq, const char* what) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (++s.done == size()) cv_.notify_all();
  }
  await(s, 1, what);
  std::lock_guard<std::mutex> lock(mu_);
  if (++s.left == size()) slots_.erase(seq);
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
