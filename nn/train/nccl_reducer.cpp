#include "nn/train/nccl_reducer.h"

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "kernels/device.h"
#include "kernels/nccl.h"

namespace iqnas {

bool NcclReducer::available() { return cuda::available() && cuda::nccl_compiled(); }

NcclReducer::NcclReducer(dist::Communicator& comm) : rank_(comm.rank()), size_(comm.size()) {
  std::string id(cuda::kNcclIdBytes, '\0');
  if (rank_ == 0) id = cuda::nccl_unique_id();
  comm.broadcast(id.data(), id.size(), 0, "NCCL unique id");
  comm_ = cuda::nccl_init(id, rank_, size_);
}

NcclReducer::~NcclReducer() { cuda::nccl_destroy(comm_); }

class NcclReducer::Op final : public dist::Pending {
 public:
  Op(NcclReducer& r, void* op, const char* what) : r_(r), op_(op), what_(what) {}
  ~Op() override {
    try {
      wait();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "iqnas: %s: %s\n", what_, e.what());
    }
  }
  bool test() override {
    if (op_ && cuda::nccl_allreduce_done(r_.comm_, op_)) op_ = nullptr;
    return !op_;
  }
  void wait() override {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    while (!test()) {
      const double waited = std::chrono::duration<double>(Clock::now() - start).count();
      if (waited > dist::timeout()) {
        char msg[256];
        std::snprintf(msg, sizeof msg, "iqnas: rank %d of %d: %s: waited %.1f s for the NCCL all-reduce ($IQNAS_DIST_TIMEOUT): "
                      "another rank is dead or stuck; ending the job", r_.rank_, r_.size_, what_, waited);
        cuda::nccl_abort(r_.comm_);
        r_.comm_ = nullptr;
        dist::abort_job(msg);
      }
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

 private:
  NcclReducer& r_;
  void* op_;
  const char* what_;
};

std::unique_ptr<dist::Pending> NcclReducer::start_allreduce(float* device_data, size_t n, dist::ReduceOp op, const char* what) {
  return std::make_unique<Op>(*this, cuda::nccl_allreduce_start(comm_, device_data, n, op == dist::ReduceOp::Mean), what);
}

}  // namespace iqnas
