// Threads as ranks (docs/distributed.md, "Threads as ranks"): a ThreadGroup is a job of N ranks
// that are N threads of this process. Each rank's Communicator exchanges through shared memory:
// an all-reduce sums the ranks' buffers in place, every rank summing its own slice of the elements
// over all buffers (in rank order, so every rank gets the same floats); broadcast, barrier and
// allgather copy. Collectives are matched by their order on each rank, as under MPI, and have the
// same deadline (timeout()): a rank that waits longer names the ranks that did not come and ends the
// job. A rank that throws (run()) makes the others' collectives throw instead of waiting for it.
//
// Waiting sleeps on a condition variable (no spinning), so that the threads do not collapse on a
// machine whose cores are busy with other processes.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "dist/communicator.h"

namespace iqnas::dist {

class ThreadGroup {
 public:
  explicit ThreadGroup(int size);  // size >= 1
  ~ThreadGroup();
  ThreadGroup(const ThreadGroup&) = delete;
  ThreadGroup& operator=(const ThreadGroup&) = delete;

  int size() const { return static_cast<int>(ranks_.size()); }
  Communicator& comm(int rank);
  // Runs fn(comm(r)) for every rank r, rank 0 on the calling thread and the others on threads of
  // their own, and returns when all have returned; rethrows the first exception a rank threw.
  void run(const std::function<void(Communicator&)>& fn);

  // One collective in flight: the ranks' buffers; which ranks registered one (arrive) and which
  // wait for the result (enter). Internal.
  struct Slot {
    std::vector<void*> ptr;
    std::vector<bool> arrived, entered;
    int entries = 0, done = 0, left = 0;
    bool complete = false;
  };
  // Internal (the rank communicators). arrive: registers rank r's buffer for its collective number
  // `seq`. enter: rank r waits for the result; the last rank to enter runs `last` (under the
  // group's lock, with every buffer registered and every other rank waiting) unless `last` is
  // empty, and every rank returns once complete. A large all-reduce instead has every rank sum its
  // own slice (split), then meet again (finish) before anyone leaves.
  Slot& arrive(int r, uint64_t seq, void* ptr);
  void enter(Slot& s, int r, uint64_t seq, const char* what, const std::function<void(Slot&)>& last);
  void split_done(Slot& s, uint64_t seq, const char* what);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, Slot> slots_;
  void wait_for(std::unique_lock<std::mutex>& lock, Slot& s, const std::function<bool()>& ready, const char* what);
  void leave(Slot& s, uint64_t seq);  // under the lock: the last to leave frees the slot
  bool failed_ = false;
  std::vector<std::unique_ptr<Communicator>> ranks_;
};

}  // namespace iqnas::dist
