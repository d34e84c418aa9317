// What the FlashAttention forward (attention_fwd_cuda.cu) and backward (attention_bwd_cuda.cu)
// share: the warp constants and reductions, conversion between the element types and float32,
// staging rows into shared memory as float32, and the checks every launcher makes before a launch
// (dtype code, head dimension, sizes, grid size, shared memory).
//
// Legend: B batch, H heads, T queries, S keys, D head dimension (32, 64, 96 or 128). Element types
// are float, __half and __nv_bfloat16, selected by the dtype codes 0, 1 and 2 of cuda_api.h.
//
// Everything here is in an anonymous namespace, and the host functions are also inline, so each
// translation unit that includes this header gets its own internal copy and the two link together
// without duplicate symbols.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <climits>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include "cuda_util.cuh"
#include "errors.h"

namespace neuron {
namespace {

constexpr int kWarp = 32;
constexpr unsigned kFullMask = 0xffffffffu;

// ---- element types -----------------------------------------------------------------------------

__device__ __forceinline__ float to_float(float x) { return x; }
__device__ __forceinline__ float to_float(__half x) { return __half2float(x); }
__device__ __forceinline__ float to_float(__nv_bfloat16 x) { return __bfloat162float(x); }

template <typename Elem>
__device__ __forceinline__ Elem from_float(float x);
template <>
__device__ __forceinline__ float from_float<float>(float x) {
  return x;
}
template <>
__device__ __forceinline__ __half from_float<__half>(float x) {
  return __float2half_rn(x);
}
template <>
__device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float x) {
  return __float2bfloat16_rn(x);
}

// ---- device helpers ----------------------------------------------------------------------------

__device__ __forceinline__ float warp_max(float x) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    x = fmaxf(x, __shfl_xor_sync(kFullMask, x, offset));
  }
  return x;
}

__device__ __forceinline__ float warp_sum(float x) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) x += __shfl_xor_sync(kFullMask, x, offset);
  return x;
}

// Rows [row0, row0 + kRows) of a (n_rows, D) matrix, converted to float, into a (kRows, ld)
// shared tile; rows at or past n_rows become zeros (so a masked key's value row is 0, not junk
// that 0 x NaN would spread).
template <typename Elem, int D, int kRows>
__device__ void stage_rows_float(float* dst, int ld, const Elem* src, int row0, int n_rows) {
  for (int e = threadIdx.x; e < kRows * D; e += blockDim.x) {
    const int r = e / D;
    const int c = e % D;
    dst[r * ld + c] =
        row0 + r < n_rows ? to_float(src[static_cast<long long>(row0 + r) * D + c]) : 0.0f;
  }
}

// ---- launch checks -----------------------------------------------------------------------------

// Calls f(std::integral_constant<int, D>) for a supported head dimension.
template <typename F>
void with_head_dim(std::int64_t D, F&& f) {
  switch (D) {
    case 32:
      f(std::integral_constant<int, 32>{});
      break;
    case 64:
      f(std::integral_constant<int, 64>{});
      break;
    case 96:
      f(std::integral_constant<int, 96>{});
      break;
    case 128:
      f(std::integral_constant<int, 128>{});
      break;
    default:
      throw EngineError(ErrorKind::InvalidArgument,
                        "expected head dimension 32, 64, 96 or 128 on CUDA, got " +
                            std::to_string(D) +
                            "; pad the heads to one of these sizes or use the PyTorch path");
  }
}

template <typename Elem>
struct ElemTag {
  using type = Elem;
};

// Calls f(ElemTag<float | __half | __nv_bfloat16>) for dtype code 0, 1 or 2.
template <typename F>
void with_dtype(int dtype, F&& f) {
  switch (dtype) {
    case 0:
      f(ElemTag<float>{});
      break;
    case 1:
      f(ElemTag<__half>{});
      break;
    case 2:
      f(ElemTag<__nv_bfloat16>{});
      break;
    default:
      throw EngineError(ErrorKind::DType,
                        "expected dtype code 0 (float32), 1 (float16) or 2 (bfloat16) for CUDA "
                        "attention, got " +
                            std::to_string(dtype) + "; convert the tensors to one of these");
  }
}

// Checks the sizes shared by forward and backward; returns B H.
inline std::int64_t check_sizes(std::int64_t B, std::int64_t H, std::int64_t T, std::int64_t S,
                                std::int64_t D) {
  with_head_dim(D, [](auto) {});
  if (B < 0 || H < 0 || T < 0 || S < 0) {
    throw EngineError(ErrorKind::Shape, "expected non-negative sizes for CUDA attention, got B = " +
                                            std::to_string(B) + ", H = " + std::to_string(H) +
                                            ", T = " + std::to_string(T) +
                                            ", S = " + std::to_string(S));
  }
  if (T > INT_MAX || S > INT_MAX) {
    throw EngineError(ErrorKind::Shape,
                      "expected fewer than 2^31 queries and keys for CUDA attention, got T = " +
                          std::to_string(T) + ", S = " + std::to_string(S) +
                          "; split the sequence");
  }
  if (T > 0 && S == 0) {
    throw EngineError(ErrorKind::Shape,
                      "expected at least one key (S >= 1) for CUDA attention, got S = 0 with T = " +
                          std::to_string(T) + "; attention over no keys is undefined");
  }
  return B * H;
}

// The grid size for `tiles` blocks per head, checked against the 2^31 - 1 limit of gridDim.x.
inline unsigned grid_blocks(std::int64_t BH, std::int64_t tiles) {
  if (BH > INT_MAX / tiles) {
    throw EngineError(ErrorKind::Shape,
                      "expected at most 2^31 - 1 blocks for CUDA attention, got " +
                          std::to_string(BH) + " heads x " + std::to_string(tiles) +
                          " tiles; split the batch");
  }
  return static_cast<unsigned>(BH * tiles);
}

// Lets `kernel` use `bytes` of dynamic shared memory, past the default 48 KiB where needed.
template <typename Kernel>
void allow_shared_memory(Kernel* kernel, std::size_t bytes, int device, const char* name) {
  int limit = 0;
  check_cuda(cudaDeviceGetAttribute(&limit, cudaDevAttrMaxSharedMemoryPerBlockOptin, device),
             "cudaDeviceGetAttribute");
  if (bytes > static_cast<std::size_t>(limit)) {
    throw EngineError(ErrorKind::Runtime, std::string("expected a GPU with ") +
                                              std::to_string(bytes) +
                                              " bytes of shared memory per block for " + name +
                                              ", got " + std::to_string(limit) +
                                              "; use a smaller head dimension or the "
                                              "PyTorch path");
  }
  check_cuda(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                  static_cast<int>(bytes)),
             "cudaFuncSetAttribute");
}

}  // namespace
}  // namespace neuron
