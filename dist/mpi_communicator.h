// The MPI side of dist/communicator.h; without MPI in the build these are stubs that are never
// reached (init() does not start MPI). Not for use outside dist/.
#pragma once
#include <memory>

#include "dist/communicator.h"

namespace iqnas::dist {

bool mpi_started();  // MPI_Init was called and MPI_Finalize not yet
std::unique_ptr<Communicator> start_mpi(int* argc, char*** argv);
void stop_mpi();
[[noreturn]] void abort_mpi(int code);

}  // namespace iqnas::dist
