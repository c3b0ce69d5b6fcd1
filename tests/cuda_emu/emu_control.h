// Test-only controls of the CUDA emulation (tests/cuda_emu/emu_runtime.cpp).
#pragma once

namespace iqnas_emu {
// From now on the emulated runtime behaves as after its unloading at process exit: every call
// fails with cudaErrorCudartUnloading.
void set_runtime_unloading();
// Number of kernel launches so far (to check that an op ran on the device, or did not sync).
long long launches();
// Number of device-to-host copies so far (each one is a host synchronisation on a real GPU).
long long d2h_copies();
// Number of host-to-device copies so far (synchronous from pageable memory).
long long h2d_copies();
}  // namespace iqnas_emu
