// A build without MPI: init() never starts it, so these are not reached.
#include <cstdlib>
#include <stdexcept>

#include "dist/mpi_communicator.h"

namespace iqnas::dist {

bool mpi_started() { return false; }
std::unique_ptr<Communicator> start_mpi(int*, char***) { throw std::logic_error("this build has no MPI"); }
void stop_mpi() {}
void abort_mpi(int code) { std::_Exit(code); }

}  // namespace iqnas::dist
