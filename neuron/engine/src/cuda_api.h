// What the rest of the engine may ask of CUDA. Implemented by softmax_cuda.cu, word2vec_cuda.cu,
// attention_fwd_cuda.cu, attention_bwd_cuda.cu and cuda_device.cu
// when the build has CUDA, and by cuda_stub.cpp (every call raises CudaUnavailable) when it has
// not. This header includes no CUDA header, so the binding compiles with a plain C++ compiler.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace neuron {

struct CudaDeviceInfo {
  int index = 0;
  std::string name;
  int major = 0;  // compute capability
  int minor = 0;
  std::size_t total_memory = 0;  // bytes
  int multiprocessors = 0;
};

struct CudaReport {
  bool compiled = false;
  int runtime_version = 0;  // e.g. 13000 for 13.0; 0 when unknown
  int driver_version = 0;   // 0 when no driver is installed
  std::vector<CudaDeviceInfo> devices;
  std::string reason;  // why there is no device, empty when there is one
};

// Never throws: a machine without a driver or device gives an empty device list and a reason.
CudaReport cuda_report();

// Throws EngineError(CudaUnavailable) with the reason when the build or machine has no device.
void cuda_require_device();

// y = softmax(x) or log_softmax(x) over each row, on device `device`, queued on `stream`
// (a cudaStream_t, 0 for the legacy default stream).  x, y: (rows, cols) row-major device memory.
void cuda_softmax_forward(const float* x, float* y, std::int64_t rows, std::int64_t cols, bool log,
                          int device, std::uintptr_t stream);

// dx = backward of softmax (or log_softmax) at output y.  y, dy, dx: (rows, cols) device memory.
void cuda_softmax_backward(const float* y, const float* dy, float* dx, std::int64_t rows,
                           std::int64_t cols, bool log, int device, std::uintptr_t stream);

// Skip-gram negative-sampling SGD on a batch of pairs (word2vec_cuda.cu); returns the summed loss
// and raises InvalidArgument naming the first pair with an id outside [0, V).
//   w_in, w_out: (V, D)  inputs, outputs: (P,)  negatives: (P, k)  alphas: (P,), device memory
double cuda_word2vec_train_pairs(float* w_in, float* w_out, std::int64_t V, std::int64_t D,
                                 const std::int32_t* inputs, const std::int32_t* outputs,
                                 const std::int32_t* negatives, const float* alphas, std::int64_t P,
                                 std::int64_t k, int device, std::uintptr_t stream);

// FlashAttention forward and backward (attention_fwd_cuda.cu, attention_bwd_cuda.cu). dtype
// codes shared with the binding: 0 float32, 1 float16, 2 bfloat16. q, out, dout, dq: (B, H, T, D);
// k, v, dk, dv: (B, H, S, D); lse: (B, H, T) float32; all device memory, contiguous. dq, dk, dv
// are overwritten. D must be 32, 64, 96 or 128 (InvalidArgument otherwise); causal is top-left
// aligned (query i sees keys j <= i, also when T != S); lse_i = log sum_j exp(scale q_i . k_j).
// float16 and bfloat16 forward need compute capability 8.0+. Queued on `stream`, not
// synchronised; the backward takes a stream-ordered float32 workspace of B H T (1 + D) floats
// (B H T for float32).
void cuda_attention_forward(int dtype, const void* q, const void* k, const void* v, void* out,
                            float* lse, std::int64_t B, std::int64_t H, std::int64_t T,
                            std::int64_t S, std::int64_t D, float scale, bool causal, int device,
                            std::uintptr_t stream);
void cuda_attention_backward(int dtype, const void* q, const void* k, const void* v,
                             const void* out, const void* dout, const float* lse, void* dq,
                             void* dk, void* dv, std::int64_t B, std::int64_t H, std::int64_t T,
                             std::int64_t S, std::int64_t D, float scale, bool causal, int device,
                             std::uintptr_t stream);

// Runs the softmax kernels and the float32 attention forward on a small random input in device
// memory and returns, per kernel, the largest absolute difference from a double-precision host
// computation.
std::vector<std::pair<std::string, double>> cuda_self_test(int device);

}  // namespace neuron
