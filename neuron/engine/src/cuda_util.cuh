// What every CUDA launcher of the engine shares: turning a failed CUDA call into an EngineError
// (raised in Python as an exception), and making the caller's device current for one call.
#pragma once

#include <cuda_runtime.h>

#include <string>

#include "errors.h"

namespace neuron {

// Throws an EngineError naming the call `what` when `status` is not cudaSuccess.
inline void check_cuda(cudaError_t status, const char* what) {
  if (status != cudaSuccess) {
    throw EngineError(ErrorKind::Runtime, std::string("CUDA error in ") + what + ": " +
                                              cudaGetErrorName(status) + " (" +
                                              cudaGetErrorString(status) +
                                              "); check the inputs and the device state");
  }
}

// Makes `device` current for the scope, restoring the previous device after.
class DeviceScope {
 public:
  explicit DeviceScope(int device) {
    check_cuda(cudaGetDevice(&previous_), "cudaGetDevice");
    if (previous_ != device) check_cuda(cudaSetDevice(device), "cudaSetDevice");
  }
  ~DeviceScope() { cudaSetDevice(previous_); }
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  int previous_ = 0;
};

}  // namespace neuron
