// All-reduces of float buffers in GPU memory over NCCL (kernels/nccl.h) among the ranks of a
// communicator (docs/distributed.md): what the data-parallel loop uses for gradients that live on
// the GPU when the CUDA module has NCCL; otherwise they travel through host memory over MPI.
#pragma once
#include <memory>

#include "dist/communicator.h"

namespace iqnas {

class NcclReducer {
 public:
  // True when the CUDA module was built with NCCL and a device is present.
  static bool available();
  // Rank 0 makes the NCCL unique id and broadcasts it over `comm`; every rank joins with its
  // current GPU (one GPU per rank: CUDA_VISIBLE_DEVICES per rank, docs/distributed.md).
  explicit NcclReducer(dist::Communicator& comm);
  ~NcclReducer();
  NcclReducer(const NcclReducer&) = delete;
  NcclReducer& operator=(const NcclReducer&) = delete;

  // Starts an in-place all-reduce of n floats of device memory. Its wait() polls against the
  // deadline of every collective (dist::timeout()) and ends the job (NCCL aborted) when the other
  // ranks do not come.
  std::unique_ptr<dist::Pending> start_allreduce(float* device_data, size_t n, dist::ReduceOp op, const char* what);

 private:
  class Op;
  void* comm_ = nullptr;
  int rank_ = 0, size_ = 1;
};

}  // namespace iqnas
