// kernels/nccl.h in the CUDA module. Each communicator has its own stream, so that an all-reduce
// overlaps the kernels queued after it on the kernels' stream (the rest of the backward pass);
// events order the two streams both ways.
#include "kernels/nccl.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#ifdef IQNAS_HAVE_NCCL
#include <nccl.h>

#include "kernels/cuda/check.h"
#endif

namespace iqnas::cuda {

#ifdef IQNAS_HAVE_NCCL

namespace {

struct Comm {
  ncclComm_t comm = nullptr;
  cudaStream_t stream = nullptr;
};

void check_nccl(ncclResult_t r, const char* what) {
  if (r != ncclSuccess && r != ncclInProgress)
    throw std::runtime_error(std::string(what) + " failed: " + ncclGetErrorString(r));
}

}  // namespace

bool nccl_compiled() { return true; }

std::string nccl_unique_id() {
  static_assert(sizeof(ncclUniqueId) == kNcclIdBytes, "kNcclIdBytes must be sizeof(ncclUniqueId)");
  ncclUniqueId id;
  check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
  return std::string(reinterpret_cast<const char*>(&id), sizeof id);
}

void* nccl_init(const std::string& id, int rank, int ranks) {
  if (id.size() != sizeof(ncclUniqueId)) throw std::invalid_argument("nccl_init: the unique id must have 128 bytes");
  ncclUniqueId uid;
  std::copy(id.begin(), id.end(), reinterpret_cast<char*>(&uid));
  auto* c = new Comm;
  try {
    IQNAS_CUDA_CHECK(cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking));
    check_nccl(ncclCommInitRank(&c->comm, ranks, uid, rank), "ncclCommInitRank");
  } catch (...) {
    if (c->stream) cudaStreamDestroy(c->stream);
    delete c;
    throw;
  }
  return c;
}

void nccl_destroy(void* comm) {
  auto* c = static_cast<Comm*>(comm);
  if (!c) return;
  cudaStreamSynchronize(c->stream);
  ncclCommDestroy(c->comm);
  cudaStreamDestroy(c->stream);
  delete c;
}

void nccl_abort(void* comm) {
  auto* c = static_cast<Comm*>(comm);
  if (!c) return;
  ncclCommAbort(c->comm);
  cudaStreamDestroy(c->stream);
  delete c;
}

void* nccl_allreduce_start(void* comm, float* data, std::size_t n, bool mean) {
  auto* c = static_cast<Comm*>(comm);
  cudaEvent_t ready, done;
  IQNAS_CUDA_CHECK(cudaEventCreateWithFlags(&ready, cudaEventDisableTiming));
  IQNAS_CUDA_CHECK(cudaEventCreateWithFlags(&done, cudaEventDisableTiming));
  IQNAS_CUDA_CHECK(cudaEventRecord(ready, stream()));  // the gradients written so far
  IQNAS_CUDA_CHECK(cudaStreamWaitEvent(c->stream, ready, 0));
  check_nccl(ncclAllReduce(data, data, n, ncclFloat32, mean ? ncclAvg : ncclSum, c->comm, c->stream), "ncclAllReduce");
  IQNAS_CUDA_CHECK(cudaEventRecord(done, c->stream));
  IQNAS_CUDA_CHECK(cudaStreamWaitEvent(stream(), done, 0));  // whoever reads the buffer next
  IQNAS_CUDA_CHECK(cudaEventDestroy(ready));  // released once recorded work completes
  return done;
}

bool nccl_allreduce_done(void* comm, void* op) {
  auto* c = static_cast<Comm*>(comm);
  ncclResult_t async = ncclSuccess;
  check_nccl(ncclCommGetAsyncError(c->comm, &async), "ncclCommGetAsyncError");
  check_nccl(async, "ncclAllReduce");
  auto done = static_cast<cudaEvent_t>(op);
  const cudaError_t e = cudaEventQuery(done);
  if (e == cudaErrorNotReady) return false;
  IQNAS_CUDA_CHECK(e);
  IQNAS_CUDA_CHECK(cudaEventDestroy(done));
  return true;
}

#else

namespace {
[[noreturn]] void no_nccl() {
  throw std::runtime_error("this build's CUDA module has no NCCL (configure with IQNAS_NCCL where nccl.h and libnccl exist)");
}
}  // namespace

bool nccl_compiled() { return false; }
std::string nccl_unique_id() { no_nccl(); }
void* nccl_init(const std::string&, int, int) { no_nccl(); }
void nccl_destroy(void*) {}
void nccl_abort(void*) {}
void* nccl_allreduce_start(void*, float*, std::size_t, bool) { no_nccl(); }
bool nccl_allreduce_done(void*, void*) { no_nccl(); }

#endif

}  // namespace iqnas::cuda
