#include "dist/communicator.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "dist/mpi_communicator.h"
#include "util/number.h"

namespace iqnas::dist {

namespace {

class Done final : public Pending {
 public:
  bool test() override { return true; }
  void wait() override {}
};

class SerialCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void allreduce(float*, size_t, ReduceOp, const char*) override {}
  void allreduce(double*, size_t, ReduceOp, const char*) override {}
  std::unique_ptr<Pending> start_allreduce(float*, size_t, ReduceOp, const char*) override { return std::make_unique<Done>(); }
  std::unique_ptr<Pending> start_allreduce(double*, size_t, ReduceOp, const char*) override { return std::make_unique<Done>(); }
  void broadcast(void*, size_t, int, const char*) override {}
  void barrier(const char*) override {}
  std::vector<std::string> allgather(const std::string& bytes, const char*) override { return {bytes}; }
};

std::unique_ptr<Communicator>& world_ptr() {
  static std::unique_ptr<Communicator> w = std::make_unique<SerialCommunicator>();
  return w;
}

double timeout_override = 0;

// mpirun (Open MPI, MPICH/Hydra) and srun set these in every process they start.
bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(v)) return true;
  return false;
}

}  // namespace

Communicator& world() { return *world_ptr(); }

Communicator& serial() {
  static SerialCommunicator one;
  return one;
}

bool mpi_compiled() {
#ifdef IQNAS_HAVE_MPI
  return true;
#else
  return false;
#endif
}

bool mpi_active() { return mpi_compiled() && mpi_started(); }

void init(int* argc, char*** argv) {
  if (!mpi_compiled() || mpi_started() || !launched_by_mpi()) return;
  world_ptr() = start_mpi(argc, argv);
}

void finalize() {
  if (!mpi_active()) return;
  world().barrier("finalize");
  world_ptr().reset();
  stop_mpi();
}

double timeout() {
  if (timeout_override > 0) return timeout_override;
  static const double from_env = [] {
    const char* v = std::getenv("IQNAS_DIST_TIMEOUT");
    return v ? parse_number(v, "$IQNAS_DIST_TIMEOUT (seconds)", 1e-3, 1e9) : 600.0;
  }();
  return from_env;
}

void set_timeout(double seconds) {
  if (!(seconds > 0)) throw std::invalid_argument("set_timeout: seconds must be > 0");
  timeout_override = seconds;
}

void write_by_rank0(Communicator& comm, const char* what, const std::function<void()>& write) {
  if (comm.rank() == 0) write();
  comm.barrier(what);
}

void abort_job(const std::string& message, int code) {
  std::fprintf(stderr, "%s\n", message.c_str());
  std::fflush(stderr);
  if (mpi_active()) abort_mpi(code);
  std::exit(code);
}

}  // namespace iqnas::dist
