// Processes working together (docs/distributed.md): a Communicator is the group of ranks of one
// job, with the few collectives iqnas needs. The serial one (1 rank) is what every program gets
// unless it was started by mpirun in a build with MPI (IQNAS_MPI); then world() is MPI_COMM_WORLD.
//
// Every collective has a deadline (timeout(), $IQNAS_DIST_TIMEOUT seconds, default 600): a rank
// that waits longer than that for the others names the ranks that do not answer and aborts the
// whole job (MPI_Abort), so that a dead or stuck rank never leaves the others hanging.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace iqnas::dist {

enum class ReduceOp { Sum, Mean };

// A collective that was started and not yet waited for (Communicator::start_allreduce). Its buffer
// must stay alive and untouched until wait() returns; destroying it waits.
class Pending {
 public:
  virtual ~Pending() = default;
  // Lets the collective progress (MPI moves a nonblocking collective on only inside its calls) and
  // tells whether it is complete; a Mean is divided only by wait().
  virtual bool test() = 0;
  // Until complete, against the deadline (timeout()); then divides a Mean.
  virtual void wait() = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // In place, element-wise over the ranks; `what` names the operation in a timeout message.
  virtual void allreduce(float* data, size_t n, ReduceOp op, const char* what) = 0;
  virtual void allreduce(double* data, size_t n, ReduceOp op, const char* what) = 0;
  // The same, started without waiting: the caller computes meanwhile and waits later.
  virtual std::unique_ptr<Pending> start_allreduce(float* data, size_t n, ReduceOp op, const char* what) = 0;
  virtual std::unique_ptr<Pending> start_allreduce(double* data, size_t n, ReduceOp op, const char* what) = 0;
  virtual void broadcast(void* data, size_t bytes, int root, const char* what) = 0;
  virtual void barrier(const char* what) = 0;
  // Every rank's bytes, in rank order, on every rank.
  virtual std::vector<std::string> allgather(const std::string& bytes, const char* what) = 0;
};

// The job's communicator: MPI_COMM_WORLD after init() started MPI, else serial().
Communicator& world();
// One rank alone (no-op collectives): what a rank uses to compute something by itself, such as
// a reference for a test.
Communicator& serial();

// Starts MPI when this build has it and the process was started by mpirun/srun (their environment
// variables); otherwise nothing. finalize() ends MPI (after a barrier) when init() started it.
void init(int* argc, char*** argv);
void finalize();
bool mpi_compiled();  // this build has MPI
bool mpi_active();    // init() started MPI

// Seconds a collective waits for the other ranks: $IQNAS_DIST_TIMEOUT when set (checked: > 0),
// else 600. set_timeout() overrides it (tests).
double timeout();
void set_timeout(double seconds);

// Runs `write` on rank 0 only, then holds every rank until it is done (a barrier): a file of a
// folder that the ranks share (the run folder) is written once, and no rank reads it before it is
// complete. Every rank calls it at the same point (a condition on the file belongs inside `write`);
// with one rank it just runs `write`.
void write_by_rank0(Communicator& comm, const char* what, const std::function<void()>& write);

// Ends the job from any rank with `message` on stderr (MPI_Abort when MPI is active, else exit).
[[noreturn]] void abort_job(const std::string& message, int code = 3);

}  // namespace iqnas::dist
