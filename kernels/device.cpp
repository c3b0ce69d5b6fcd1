#include "kernels/device.h"

#include <stdexcept>
#include <string>

namespace iqnas {

const char* device_name(Device d) { return d == Device::CPU ? "cpu" : "cuda"; }

void no_cuda(const char* op) {
  throw std::runtime_error(std::string(op) + ": no CUDA implementation in this build of iqnas "
                           "(reconfigure with -DIQNAS_CUDA=ON on a machine with nvcc, or use CPU tensors)");
}

}  // namespace iqnas
