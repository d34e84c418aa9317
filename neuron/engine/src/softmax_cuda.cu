// Softmax and log-softmax over the last axis on the GPU, float32, forward and backward.
//
//   softmax_fwd_kernel       y_j  = exp(x_j - m) / s,        m = max_k x_k,  s = sum_k exp(x_k - m)
//   log_softmax_fwd_kernel   y_j  = (x_j - m) - log(s)
//   softmax_bwd_kernel       dx_j = y_j * (dy_j - sum_k dy_k y_k)
//   log_softmax_bwd_kernel   dx_j = dy_j - exp(y_j) * sum_k dy_k
//
// A fully masked row (all -inf) has m = -inf and gives NaN, the same rule as the CPU path, the
// NumPy reference and torch.softmax.
//
// Thread mapping: one block per row (blockIdx.x = row). Thread t visits columns t, t + blockDim.x,
// ..., so a warp reads 32 consecutive floats per step (coalesced). Each thread reduces its own
// columns, a warp combines its 32 partials with __shfl_xor_sync (5 steps), warp leaders write to
// shared memory (at most 32 warps), and warp 0 reduces those and broadcasts the result.
//
// Launch shape (owned by the launchers below): blockDim.x = cols/4 rounded up to a multiple of 32,
// between 32 and 1024, so each thread handles about four columns; gridDim.x = rows.
// Limits checked before launch: rows and cols at most 2^31 - 1. Every launch is checked with
// cudaGetLastError and a failure becomes an EngineError (a Python exception), never an abort.
//
// Memory traffic: the forward reads a row three times (max, sum, write) and writes it once; the
// second and third reads come from L1/L2 for rows up to tens of KiB, so DRAM traffic is close to
// 8 bytes per element. The backward reads y and dy twice (the second time from cache) and writes
// dx: about 12 bytes per element.
//
// Measured speed: not measured yet; the development machine has no GPU.
// TODO: measure against torch.softmax on an A100/H100 and try float4 loads for wide rows.
#include <cuda_runtime.h>

#include <climits>
#include <string>

#include "cuda_api.h"
#include "cuda_util.cuh"
#include "errors.h"

namespace neuron {
namespace {

constexpr int kWarp = 32;
constexpr int kMaxThreads = 1024;

struct MaxOp {
  __device__ static float identity() { return -INFINITY; }
  __device__ static float apply(float a, float b) { return fmaxf(a, b); }
};

struct SumOp {
  __device__ static float identity() { return 0.0f; }
  __device__ static float apply(float a, float b) { return a + b; }
};

template <typename Op>
__device__ float warp_reduce(float v) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    v = Op::apply(v, __shfl_xor_sync(0xffffffffu, v, offset));
  }
  return v;
}

// Reduces v over the block; every thread gets the result. shared: at least kWarp + 1 floats.
template <typename Op>
__device__ float block_reduce(float v, float* shared) {
  const int lane = threadIdx.x % kWarp;
  const int warp = threadIdx.x / kWarp;
  const int n_warps = blockDim.x / kWarp;

  v = warp_reduce<Op>(v);
  if (lane == 0) shared[warp] = v;
  __syncthreads();

  if (warp == 0) {
    v = lane < n_warps ? shared[lane] : Op::identity();
    v = warp_reduce<Op>(v);
    if (lane == 0) shared[kWarp] = v;
  }
  __syncthreads();
  const float out = shared[kWarp];
  __syncthreads();  // the next reduction may overwrite shared
  return out;
}

// Row max and sum of exp(x - max), shared by both forward kernels.
__device__ void row_max_sum(const float* xr, int cols, float* shared, float* m_out, float* s_out) {
  float m = -INFINITY;
  for (int j = threadIdx.x; j < cols; j += blockDim.x) m = fmaxf(m, xr[j]);
  m = block_reduce<MaxOp>(m, shared);

  float s = 0.0f;
  for (int j = threadIdx.x; j < cols; j += blockDim.x) s += expf(xr[j] - m);
  s = block_reduce<SumOp>(s, shared);
  *m_out = m;
  *s_out = s;
}

__global__ void softmax_fwd_kernel(const float* x, float* y, int cols) {
  __shared__ float shared[kWarp + 1];
  const float* xr = x + static_cast<long long>(blockIdx.x) * cols;  // (cols,)
  float* yr = y + static_cast<long long>(blockIdx.x) * cols;        // (cols,)
  float m, s;
  row_max_sum(xr, cols, shared, &m, &s);
  const float inv = 1.0f / s;
  for (int j = threadIdx.x; j < cols; j += blockDim.x) yr[j] = expf(xr[j] - m) * inv;
}

__global__ void log_softmax_fwd_kernel(const float* x, float* y, int cols) {
  __shared__ float shared[kWarp + 1];
  const float* xr = x + static_cast<long long>(blockIdx.x) * cols;  // (cols,)
  float* yr = y + static_cast<long long>(blockIdx.x) * cols;        // (cols,)
  float m, s;
  row_max_sum(xr, cols, shared, &m, &s);
  const float log_s = logf(s);
  for (int j = threadIdx.x; j < cols; j += blockDim.x) yr[j] = (xr[j] - m) - log_s;
}

__global__ void softmax_bwd_kernel(const float* y, const float* dy, float* dx, int cols) {
  __shared__ float shared[kWarp + 1];
  const long long row = static_cast<long long>(blockIdx.x) * cols;
  const float* yr = y + row;    // (cols,)
  const float* dyr = dy + row;  // (cols,)
  float* dxr = dx + row;        // (cols,)

  float dot = 0.0f;
  for (int j = threadIdx.x; j < cols; j += blockDim.x) dot += dyr[j] * yr[j];
  dot = block_reduce<SumOp>(dot, shared);

  for (int j = threadIdx.x; j < cols; j += blockDim.x) dxr[j] = yr[j] * (dyr[j] - dot);
}

__global__ void log_softmax_bwd_kernel(const float* y, const float* dy, float* dx, int cols) {
  __shared__ float shared[kWarp + 1];
  const long long row = static_cast<long long>(blockIdx.x) * cols;
  const float* yr = y + row;    // (cols,)
  const float* dyr = dy + row;  // (cols,)
  float* dxr = dx + row;        // (cols,)

  float total = 0.0f;
  for (int j = threadIdx.x; j < cols; j += blockDim.x) total += dyr[j];
  total = block_reduce<SumOp>(total, shared);

  for (int j = threadIdx.x; j < cols; j += blockDim.x) dxr[j] = dyr[j] - expf(yr[j]) * total;
}

int threads_for(std::int64_t cols) {
  std::int64_t t = (cols + 3) / 4;
  t = (t + kWarp - 1) / kWarp * kWarp;
  if (t < kWarp) t = kWarp;
  if (t > kMaxThreads) t = kMaxThreads;
  return static_cast<int>(t);
}

void check_limits(std::int64_t rows, std::int64_t cols) {
  if (rows > INT_MAX || cols > INT_MAX) {
    throw EngineError(ErrorKind::Shape,
                      "expected at most 2^31 - 1 rows and columns for the CUDA softmax, got (" +
                          std::to_string(rows) + ", " + std::to_string(cols) +
                          "); split the input into smaller pieces");
  }
}

}  // namespace

void cuda_softmax_forward(const float* x, float* y, std::int64_t rows, std::int64_t cols, bool log,
                          int device, std::uintptr_t stream) {
  if (rows == 0 || cols == 0) return;
  check_limits(rows, cols);
  DeviceScope scope(device);
  const dim3 grid(static_cast<unsigned>(rows));
  const dim3 block(threads_for(cols));
  auto s = reinterpret_cast<cudaStream_t>(stream);
  if (log) {
    log_softmax_fwd_kernel<<<grid, block, 0, s>>>(x, y, static_cast<int>(cols));
    check_cuda(cudaGetLastError(), "log_softmax_fwd_kernel launch");
  } else {
    softmax_fwd_kernel<<<grid, block, 0, s>>>(x, y, static_cast<int>(cols));
    check_cuda(cudaGetLastError(), "softmax_fwd_kernel launch");
  }
}

void cuda_softmax_backward(const float* y, const float* dy, float* dx, std::int64_t rows,
                           std::int64_t cols, bool log, int device, std::uintptr_t stream) {
  if (rows == 0 || cols == 0) return;
  check_limits(rows, cols);
  DeviceScope scope(device);
  const dim3 grid(static_cast<unsigned>(rows));
  const dim3 block(threads_for(cols));
  auto s = reinterpret_cast<cudaStream_t>(stream);
  if (log) {
    log_softmax_bwd_kernel<<<grid, block, 0, s>>>(y, dy, dx, static_cast<int>(cols));
    check_cuda(cudaGetLastError(), "log_softmax_bwd_kernel launch");
  } else {
    softmax_bwd_kernel<<<grid, block, 0, s>>>(y, dy, dx, static_cast<int>(cols));
    check_cuda(cudaGetLastError(), "softmax_bwd_kernel launch");
  }
}

}  // namespace neuron
