// Host memory for tensors: 64-byte aligned blocks from a process-wide cache. Freed blocks are kept
// in size buckets and reused, so a training step does not map fresh pages (and take page faults)
// for every activation; small blocks go straight to the C allocator.
#pragma once
#include <cstddef>

namespace iqnas {
void* host_alloc(std::size_t bytes);
void host_free(void* p, std::size_t bytes);  // bytes as given to host_alloc
}  // namespace iqnas
