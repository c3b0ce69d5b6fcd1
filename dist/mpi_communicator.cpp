// Collectives as MPI nonblocking operations polled against a deadline, so that a rank can notice
// that the others do not come and end the job instead of hanging in a blocking call.
#include "dist/mpi_communicator.h"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <stdexcept>
#include <thread>

namespace iqnas::dist {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kProbeTag = 7001;
constexpr size_t kChunk = size_t(1) << 28;  // elements per operation: MPI counts are ints

void check(int rc, const char* call, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw std::runtime_error(std::string(what) + ": " + call + " failed: " + std::string(text, static_cast<size_t>(len)));
}

template <class T> MPI_Datatype mpi_type();
template <> MPI_Datatype mpi_type<float>() { return MPI_FLOAT; }
template <> MPI_Datatype mpi_type<double>() { return MPI_DOUBLE; }

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator() {
    check(MPI_Comm_dup(MPI_COMM_WORLD, &comm_), "MPI_Comm_dup", "dist::init");
    check(MPI_Comm_dup(MPI_COMM_WORLD, &probe_), "MPI_Comm_dup", "dist::init");
    MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(probe_, MPI_ERRORS_RETURN);
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  ~MpiCommunicator() override {
    MPI_Comm_free(&probe_);
    MPI_Comm_free(&comm_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void allreduce(float* data, size_t n, ReduceOp op, const char* what) override { begin_reduce(data, n, op, what)->wait(); }
  void allreduce(double* data, size_t n, ReduceOp op, const char* what) override { begin_reduce(data, n, op, what)->wait(); }
  std::unique_ptr<Pending> start_allreduce(float* data, size_t n, ReduceOp op, const char* what) override {
    return begin_reduce(data, n, op, what);
  }
  std::unique_ptr<Pending> start_allreduce(double* data, size_t n, ReduceOp op, const char* what) override {
    return begin_reduce(data, n, op, what);
  }

  void broadcast(void* data, size_t bytes, int root, const char* what) override {
    for (size_t at = 0; at < bytes; at += kChunk) {
      MPI_Request req;
      check(MPI_Ibcast(static_cast<char*>(data) + at, static_cast<int>(std::min(kChunk, bytes - at)), MPI_BYTE, root,
                       comm_, &req), "MPI_Ibcast", what);
      wait(req, what);
    }
  }

  void barrier(const char* what) override {
    MPI_Request req;
    check(MPI_Ibarrier(comm_, &req), "MPI_Ibarrier", what);
    wait(req, what);
  }

  std::vector<std::string> allgather(const std::string& bytes, const char* what) override {
    const int64_t mine = static_cast<int64_t>(bytes.size());
    std::vector<int64_t> sizes(static_cast<size_t>(size_));
    MPI_Request req;
    check(MPI_Iallgather(&mine, 1, MPI_INT64_T, sizes.data(), 1, MPI_INT64_T, comm_, &req), "MPI_Iallgather", what);
    wait(req, what);
    std::vector<int> counts(sizes.size()), displs(sizes.size());
    int64_t total = 0;
    for (size_t r = 0; r < sizes.size(); ++r) {
      displs[r] = static_cast<int>(total);
      counts[r] = static_cast<int>(sizes[r]);
      total += sizes[r];
      if (total > INT_MAX) throw std::runtime_error(std::string(what) + ": more than 2 GB to gather");
    }
    std::string all(static_cast<size_t>(total), '\0');
    check(MPI_Iallgatherv(bytes.data(), static_cast<int>(mine), MPI_BYTE, all.data(), counts.data(), displs.data(),
                          MPI_BYTE, comm_, &req), "MPI_Iallgatherv", what);
    wait(req, what);
    std::vector<std::string> out;
    for (size_t r = 0; r < sizes.size(); ++r) out.push_back(all.substr(static_cast<size_t>(displs[r]), static_cast<size_t>(counts[r])));
    return out;
  }

 private:
  template <class T>
  class Reduction;

  template <class T>
  std::unique_ptr<Pending> begin_reduce(T* data, size_t n, ReduceOp op, const char* what);

  // Polls `req` until it completes or the deadline passes. MPI moves a nonblocking collective on
  // only inside MPI_Test (a large all-reduce takes many rounds of it), so the first 2 s poll back
  // to back, yielding the core to whoever shares it; after that the others are late, and a poll
  // every 200 us leaves the core alone.
  void wait(MPI_Request& req, const char* what) {
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout()));
    const auto busy_until = start + std::chrono::seconds(2);
    for (;;) {
      int done = 0;
      check(MPI_Test(&req, &done, MPI_STATUS_IGNORE), "MPI_Test", what);
      if (done) return;
      const auto now = Clock::now();
      if (now > deadline) timed_out(what, std::chrono::duration<double>(now - start).count());
      if (now < busy_until) std::this_thread::yield();
      else std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }

  // Asks every other rank for a sign of life on a separate communicator (the others answer when
  // they time out too, within a grace period), names those that do not answer, and ends the job.
  [[noreturn]] void timed_out(const char* what, double waited) {
    const double grace = std::min(5.0, timeout());
    char mark = 1;
    std::vector<char> in(static_cast<size_t>(size_));
    std::vector<MPI_Request> sends, recvs(static_cast<size_t>(size_), MPI_REQUEST_NULL);
    for (int r = 0; r < size_; ++r) {
      if (r == rank_) continue;
      sends.emplace_back();
      MPI_Isend(&mark, 1, MPI_CHAR, r, kProbeTag, probe_, &sends.back());
      MPI_Irecv(&in[static_cast<size_t>(r)], 1, MPI_CHAR, r, kProbeTag, probe_, &recvs[static_cast<size_t>(r)]);
    }
    const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(grace));
    std::vector<bool> answered(static_cast<size_t>(size_), false);
    answered[static_cast<size_t>(rank_)] = true;
    while (Clock::now() < end && std::find(answered.begin(), answered.end(), false) != answered.end()) {
      for (int r = 0; r < size_; ++r) {
        int done = 0;
        if (!answered[static_cast<size_t>(r)]) MPI_Test(&recvs[static_cast<size_t>(r)], &done, MPI_STATUS_IGNORE);
        if (done) answered[static_cast<size_t>(r)] = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::string silent;
    for (int r = 0; r < size_; ++r)
      if (!answered[static_cast<size_t>(r)]) silent += (silent.empty() ? "" : ", ") + std::to_string(r);
    char head[256];
    std::snprintf(head, sizeof head, "iqnas: rank %d of %d: %s: waited %.1f s for the other ranks ($IQNAS_DIST_TIMEOUT); ",
                  rank_, size_, what, waited);
    abort_job(std::string(head) +
              (silent.empty() ? "every rank answers, so they wait in different collectives (a bug); ending the job"
                              : "rank(s) " + silent + " do not answer (dead or stuck); ending the job"));
  }

  MPI_Comm comm_ = MPI_COMM_NULL, probe_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1;
};

// One all-reduce in flight: an MPI request per chunk of at most kChunk elements.
template <class T>
class MpiCommunicator::Reduction final : public Pending {
 public:
  Reduction(MpiCommunicator& c, T* data, size_t n, ReduceOp op, const char* what)
      : c_(c), data_(data), n_(n), op_(op), what_(what) {
    for (size_t at = 0; at < n; at += kChunk) {
      reqs_.push_back(MPI_REQUEST_NULL);
      check(MPI_Iallreduce(MPI_IN_PLACE, data + at, static_cast<int>(std::min(kChunk, n - at)), mpi_type<T>(), MPI_SUM,
                           c.comm_, &reqs_.back()), "MPI_Iallreduce", what);
    }
  }
  ~Reduction() override {
    if (waited_) return;
    try {
      wait();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "iqnas: %s: %s\n", what_, e.what());
    }
  }
  bool test() override {
    int done = 0;
    check(MPI_Testall(static_cast<int>(reqs_.size()), reqs_.data(), &done, MPI_STATUSES_IGNORE), "MPI_Testall", what_);
    return done != 0;
  }
  void wait() override {
    if (waited_) return;
    waited_ = true;
    for (MPI_Request& r : reqs_) c_.wait(r, what_);
    if (op_ == ReduceOp::Mean)
      for (size_t i = 0; i < n_; ++i) data_[i] /= static_cast<T>(c_.size_);
  }

 private:
  MpiCommunicator& c_;
  T* data_;
  size_t n_;
  ReduceOp op_;
  const char* what_;
  std::vector<MPI_Request> reqs_;
  bool waited_ = false;
};

template <class T>
std::unique_ptr<Pending> MpiCommunicator::begin_reduce(T* data, size_t n, ReduceOp op, const char* what) {
  return std::make_unique<Reduction<T>>(*this, data, n, op, what);
}

bool started = false;

}  // namespace

bool mpi_started() { return started; }

std::unique_ptr<Communicator> start_mpi(int* argc, char*** argv) {
  int provided = 0;
  check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread", "dist::init");
  started = true;
  return std::make_unique<MpiCommunicator>();
}

void stop_mpi() {
  MPI_Finalize();
  started = false;
}

void abort_mpi(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

}  // namespace iqnas::dist
