// GPU collectives with NCCL (docs/distributed.md), inside the CUDA module: all-reduces of float
// buffers in device memory among processes that each drive one GPU. How the processes find each
// other is the caller's: rank 0 makes the unique id and the caller hands it to the others (over MPI
// in nn/train/nccl_reducer.cpp). The module has these functions whether or not it was built with
// NCCL (IQNAS_NCCL); without NCCL every one but nccl_compiled() throws.
#pragma once
#include <cstddef>
#include <string>

namespace iqnas::cuda {

constexpr std::size_t kNcclIdBytes = 128;  // sizeof(ncclUniqueId)

bool nccl_compiled();          // the CUDA module was built with NCCL
std::string nccl_unique_id();  // kNcclIdBytes bytes, made by rank 0
// Joins the communicator of `ranks` processes named by `id` with the current device; returns its
// handle. Every rank calls it (NCCL blocks until all have).
void* nccl_init(const std::string& id, int rank, int ranks);
void nccl_destroy(void* comm);
// Ends the communicator's operations in flight (a rank stopped answering) and frees it.
void nccl_abort(void* comm);
// Starts an in-place all-reduce (sum, or mean when `mean`) of n floats of device memory on the
// communicator's stream, ordered after the work already queued on the kernels' stream; the work
// queued on the kernels' stream after this call waits for it. Returns the operation's handle.
void* nccl_allreduce_start(void* comm, float* data, std::size_t n, bool mean);
// True once the operation is complete (its handle is then freed and must not be passed again);
// throws with NCCL's message when the communicator failed.
bool nccl_allreduce_done(void* comm, void* op);

}  // namespace iqnas::cuda
