// Scaled dot-product attention backward on the GPU in the FlashAttention-2 manner: dq, dk and dv
// from the forward's lse, without ever holding the T x S score or probability matrix in memory.
// float32, float16 and bfloat16. The forward is in attention_fwd_cuda.cu; what both share is in
// attention_cuda_common.cuh.
//
// Legend: B batch, H heads, T queries, S keys, D head dimension (32, 64, 96 or 128); i a query,
// j a key; Br query rows and Bc keys of a tile. q, out, dout, dq: (B, H, T, D); k, v, dk, dv:
// (B, H, S, D); lse, Dvec: (B, H, T) float32; all contiguous, row-major, in device memory.
//
//   s_ij   = scale q_i . k_j, or -inf when causal and j > i (top-left aligned, as in the forward)
//   p_ij   = exp(s_ij - lse_i)                   (recomputed from lse, never stored)
//   Dvec_i = dout_i . o_i                        (= sum_j p_ij dp_ij)
//   dv_j   = sum_i p_ij dout_i
//   ds_ij  = p_ij (dout_i . v_j - Dvec_i)
//   dq_i   = scale sum_j ds_ij k_j,   dk_j = scale sum_i ds_ij q_i
// Every sum accumulates in float32; the element type is only for storage.
//
// Backward: three kernels on the caller's stream.
//   attention_bwd_rowdot_kernel: Dvec_i, one warp per row, into a float32 workspace.
//   attention_bwd_kernel: one block of 4 warps per (b, h, 32-key tile) loops over the 32-query
//     tiles that can see its keys (with causal, those from the tile holding the block's first
//     key on).
//     Per query tile, lane l is key l and warp w owns queries 8w..8w+7 for P and dS (two dot
//     products over D); then warp w owns keys 8w..8w+7 and lane l columns l, l + 32, ... for
//     dV += P^T dO and dK += dS^T Q, which stay in registers until the block writes them once;
//     and the same lanes form dS K for the warp's queries and atomicAdd it into dq_accum (float32,
//     B H T D), because every key tile adds to the same rows of dq.
//   attention_bwd_dq_kernel: dq_accum converted to the element type (float32 atomically adds
//     straight into dq, which needs no workspace or conversion).
//   The backward is plain float32 FMA for every element type, chosen for correctness first: it
//   has five products and two transposes, and with no GPU on the build machine a simpler kernel
//   is far likelier to be right. Shared memory: K, V, Q, dO (32 x (D+1) each) + P, dS (32 x 33)
//   + 64 floats: D = 32, 64, 96, 128: 25,600, 41,984, 58,368, 74,752 bytes.
//   Workspace: Dvec (B H T floats) and, for float16/bfloat16, dq_accum (B H T D floats), one
//   cudaMallocAsync on the caller's stream, released with cudaFreeAsync after the last kernel
//   (stream-ordered, so the launches that use it finish first).
//
// Launch limits checked before any launch: D in {32, 64, 96, 128} (InvalidArgument otherwise),
// sizes non-negative, T and S below 2^31, at most 2^31 - 1 blocks, S >= 1 when T >= 1, and the
// shared memory attention_bwd_kernel needs within the device's opt-in limit (cudaFuncSetAttribute
// raises the default 48 KiB). Every launch and every runtime call is checked and a failure
// becomes an EngineError, never an abort.
//
// Memory traffic: the backward reads K, V once and Q, dO, lse, Dvec once per key tile, and issues
// T D float32 atomic adds per key tile and head.
//
// Speed: not yet measured (no GPU on the build machine).
// TODO: measure; then try a tensor-core backward with dQ accumulated per query tile.
#include <cuda_runtime.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include "attention_cuda_common.cuh"
#include "cuda_api.h"
#include "cuda_util.cuh"
#include "errors.h"

namespace neuron {
namespace {

// ---- backward ----------------------------------------------------------------------------------

constexpr int kRowdotWarps = 8;

//   out, dout: (rows, D)  dvec: (rows,); one warp per row, 8 warps per block.
template <typename Elem>
__global__ void __launch_bounds__(kRowdotWarps* kWarp)
    attention_bwd_rowdot_kernel(const Elem* __restrict__ out, const Elem* __restrict__ dout,
                                float* __restrict__ dvec, long long rows, int D) {
  const long long row = static_cast<long long>(blockIdx.x) * kRowdotWarps + threadIdx.x / kWarp;
  if (row >= rows) return;  // uniform across the warp
  const int lane = threadIdx.x % kWarp;
  float acc = 0.0f;
  for (int d = lane; d < D; d += kWarp) {
    acc += to_float(out[row * D + d]) * to_float(dout[row * D + d]);
  }
  acc = warp_sum(acc);
  if (lane == 0) dvec[row] = acc;
}

constexpr int kBwdBr = 32;  // queries per step of the loop
constexpr int kBwdBc = 32;  // keys per block, one per lane
constexpr int kBwdWarps = 4;
constexpr int kBwdRows = kBwdBr / kBwdWarps;  // queries (and keys) per warp
constexpr int kBwdThreads = kBwdWarps * kWarp;
static_assert(kBwdBr == kBwdWarps * kBwdRows && kBwdBc == kBwdWarps * kBwdRows,
              "each warp owns 8 queries and 8 keys");

template <int D>
constexpr std::size_t bwd_smem_bytes() {
  return (4 * std::size_t{kBwdBc} * (D + 1) + 2 * std::size_t{kBwdBr} * (kBwdBc + 1) +
          2 * std::size_t{kBwdBr}) *
         4;
}

//   q, dout: (B, H, T, D)  k, v, dk, dv: (B, H, S, D)  lse, dvec: (B, H, T)  dq_accum: (B, H, T, D)
//   float32, accumulated into; grid B H ceil(S / 32), 128 threads.
template <typename Elem, int D>
__global__ void __launch_bounds__(kBwdThreads)
    attention_bwd_kernel(const Elem* __restrict__ q, const Elem* __restrict__ k,
                         const Elem* __restrict__ v, const Elem* __restrict__ dout,
                         const float* __restrict__ lse, const float* __restrict__ dvec,
                         float* __restrict__ dq_accum, Elem* __restrict__ dk, Elem* __restrict__ dv,
                         int T, int S, int n_ktiles, float scale, bool causal) {
  constexpr int kLd = D + 1;  // padded rows: lanes reading different rows, different banks
  constexpr int kPLd = kBwdBc + 1;
  constexpr int kCols = D / kWarp;  // columns per lane
  extern __shared__ __align__(128) unsigned char smem[];
  float* k_s = reinterpret_cast<float*>(smem);  // (Bc, D + 1)
  float* v_s = k_s + kBwdBc * kLd;              // (Bc, D + 1)
  float* q_s = v_s + kBwdBc * kLd;              // (Br, D + 1)
  float* do_s = q_s + kBwdBr * kLd;             // (Br, D + 1)
  float* p_s = do_s + kBwdBr * kLd;             // (Br, Bc + 1)
  float* ds_s = p_s + kBwdBr * kPLd;            // (Br, Bc + 1)
  float* lse_s = ds_s + kBwdBr * kPLd;          // (Br,)
  float* dvec_s = lse_s + kBwdBr;               // (Br,)

  const int warp = threadIdx.x / kWarp;
  const int lane = threadIdx.x % kWarp;
  const int kt = static_cast<int>(blockIdx.x % n_ktiles);  // ascending: costliest causal first
  const long long bh = blockIdx.x / n_ktiles;
  const int kv0 = kt * kBwdBc;
  const Elem* q_bh = q + bh * T * D;      // (T, D)
  const Elem* do_bh = dout + bh * T * D;  // (T, D)
  const float* lse_bh = lse + bh * T;     // (T,)
  const float* dvec_bh = dvec + bh * T;   // (T,)
  float* dq_bh = dq_accum + bh * T * D;   // (T, D)

  stage_rows_float<Elem, D, kBwdBc>(k_s, kLd, k + bh * S * D, kv0, S);
  stage_rows_float<Elem, D, kBwdBc>(v_s, kLd, v + bh * S * D, kv0, S);

  float dk_acc[kBwdRows][kCols];  // keys kv0 + 8 warp + rr, this lane's columns
  float dv_acc[kBwdRows][kCols];
#pragma unroll
  for (int rr = 0; rr < kBwdRows; ++rr) {
#pragma unroll
    for (int cc = 0; cc < kCols; ++cc) {
      dk_acc[rr][cc] = 0.0f;
      dv_acc[rr][cc] = 0.0f;
    }
  }

  // With causal masking a query tile wholly before kv0 sees none of these keys.
  const int first_qt = causal ? kv0 / kBwdBr : 0;
  const int n_qtiles = (T + kBwdBr - 1) / kBwdBr;
  for (int qt = first_qt; qt < n_qtiles; ++qt) {
    const int q0 = qt * kBwdBr;
    __syncthreads();  // the previous step is used up (and, the first time, K and V are staged)
    stage_rows_float<Elem, D, kBwdBr>(q_s, kLd, q_bh, q0, T);
    stage_rows_float<Elem, D, kBwdBr>(do_s, kLd, do_bh, q0, T);
    for (int e = threadIdx.x; e < kBwdBr; e += blockDim.x) {
      lse_s[e] = q0 + e < T ? lse_bh[q0 + e] : 0.0f;
      dvec_s[e] = q0 + e < T ? dvec_bh[q0 + e] : 0.0f;
    }
    __syncthreads();

    // P and dS of the warp's 8 queries against this lane's key.
    {
      float s[kBwdRows];
      float dp[kBwdRows];
#pragma unroll
      for (int rr = 0; rr < kBwdRows; ++rr) s[rr] = dp[rr] = 0.0f;
      for (int d = 0; d < D; ++d) {
        const float kd = k_s[lane * kLd + d];
        const float vd = v_s[lane * kLd + d];
#pragma unroll
        for (int rr = 0; rr < kBwdRows; ++rr) {
          s[rr] += q_s[(warp * kBwdRows + rr) * kLd + d] * kd;
          dp[rr] += do_s[(warp * kBwdRows + rr) * kLd + d] * vd;
        }
      }
      const int j = kv0 + lane;
#pragma unroll
      for (int rr = 0; rr < kBwdRows; ++rr) {
        const int il = warp * kBwdRows + rr;
        const int i = q0 + il;
        const bool visible = i < T && j < S && !(causal && j > i);
        const float p = visible ? expf(scale * s[rr] - lse_s[il]) : 0.0f;
        p_s[il * kPLd + lane] = p;
        ds_s[il * kPLd + lane] = p * (dp[rr] - dvec_s[il]);
      }
    }
    __syncthreads();

    // dV += P^T dO and dK += dS^T Q for the warp's 8 keys, this lane's columns.
    for (int il = 0; il < kBwdBr; ++il) {
      float dov[kCols];
      float qv[kCols];
#pragma unroll
      for (int cc = 0; cc < kCols; ++cc) {
        dov[cc] = do_s[il * kLd + lane + cc * kWarp];
        qv[cc] = q_s[il * kLd + lane + cc * kWarp];
      }
#pragma unroll
      for (int rr = 0; rr < kBwdRows; ++rr) {
        const float p = p_s[il * kPLd + warp * kBwdRows + rr];
        const float ds = ds_s[il * kPLd + warp * kBwdRows + rr];
#pragma unroll
        for (int cc = 0; cc < kCols; ++cc) {
          dv_acc[rr][cc] += p * dov[cc];
          dk_acc[rr][cc] += ds * qv[cc];
        }
      }
    }

    // dQ += scale dS K for the warp's 8 queries; other key tiles add to the same rows.
    {
      float dq[kBwdRows][kCols];
#pragma unroll
      for (int rr = 0; rr < kBwdRows; ++rr) {
#pragma unroll
        for (int cc = 0; cc < kCols; ++cc) dq[rr][cc] = 0.0f;
      }
      for (int jl = 0; jl < kBwdBc; ++jl) {
        float kv[kCols];
#pragma unroll
        for (int cc = 0; cc < kCols; ++cc) kv[cc] = k_s[jl * kLd + lane + cc * kWarp];
#pragma unroll
        for (int rr = 0; rr < kBwdRows; ++rr) {
          const float ds = ds_s[(warp * kBwdRows + rr) * kPLd + jl];
#pragma unroll
          for (int cc = 0; cc < kCols; ++cc) dq[rr][cc] += ds * kv[cc];
        }
      }
#pragma unroll
      for (int rr = 0; rr < kBwdRows; ++rr) {
        const int i = q0 + warp * kBwdRows + rr;
        if (i >= T) continue;
#pragma unroll
        for (int cc = 0; cc < kCols; ++cc) {
          atomicAdd(&dq_bh[static_cast<long long>(i) * D + lane + cc * kWarp], scale * dq[rr][cc]);
        }
      }
    }
  }

  // dK and dV, written once (zeros for keys no query sees).
  Elem* dk_bh = dk + bh * S * D;  // (S, D)
  Elem* dv_bh = dv + bh * S * D;  // (S, D)
#pragma unroll
  for (int rr = 0; rr < kBwdRows; ++rr) {
    const int j = kv0 + warp * kBwdRows + rr;
    if (j >= S) continue;
#pragma unroll
    for (int cc = 0; cc < kCols; ++cc) {
      const long long at = static_cast<long long>(j) * D + lane + cc * kWarp;
      dk_bh[at] = from_float<Elem>(scale * dk_acc[rr][cc]);
      dv_bh[at] = from_float<Elem>(dv_acc[rr][cc]);
    }
  }
}

//   dq_accum: (n,) float32  dq: (n,) element type; grid-stride loop.
template <typename Elem>
__global__ void attention_bwd_dq_kernel(const float* __restrict__ dq_accum, Elem* __restrict__ dq,
                                        long long n) {
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (long long e = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; e < n;
       e += stride) {
    dq[e] = from_float<Elem>(dq_accum[e]);
  }
}

}  // namespace

// ---- launcher ----------------------------------------------------------------------------------

void cuda_attention_backward(int dtype, const void* q, const void* k, const void* v,
                             const void* out, const void* dout, const float* lse, void* dq,
                             void* dk, void* dv, std::int64_t B, std::int64_t H, std::int64_t T,
                             std::int64_t S, std::int64_t D, float scale, bool causal, int device,
                             std::uintptr_t stream) {
  with_dtype(dtype, [](auto) {});
  const std::int64_t BH = check_sizes(B, H, T, S, D);
  if (BH == 0 || (T == 0 && S == 0)) return;
  DeviceScope scope(device);
  auto s = reinterpret_cast<cudaStream_t>(stream);

  with_dtype(dtype, [&](auto tag) {
    using Elem = typename decltype(tag)::type;
    const std::size_t kv_bytes = static_cast<std::size_t>(BH * S * D) * sizeof(Elem);
    if (T == 0) {  // no query sees any key: the gradients of k and v are zero
      check_cuda(cudaMemsetAsync(dk, 0, kv_bytes, s), "cudaMemsetAsync");
      check_cuda(cudaMemsetAsync(dv, 0, kv_bytes, s), "cudaMemsetAsync");
      return;
    }

    // Workspace: Dvec (B H T) and, unless dq is float32 already, dq_accum (B H T D).
    constexpr bool kDirect = std::is_same_v<Elem, float>;
    const std::int64_t rows = BH * T;
    const std::size_t dq_bytes = static_cast<std::size_t>(rows * D) * sizeof(float);
    const std::size_t bytes =
        static_cast<std::size_t>(rows) * sizeof(float) + (kDirect ? 0 : dq_bytes);
    float* workspace = nullptr;
    check_cuda(cudaMallocAsync(reinterpret_cast<void**>(&workspace), bytes, s), "cudaMallocAsync");
    try {
      float* dvec = workspace;                                                 // (B, H, T)
      float* dq_accum = kDirect ? static_cast<float*>(dq) : workspace + rows;  // (B, H, T, D)
      check_cuda(cudaMemsetAsync(dq_accum, 0, dq_bytes, s), "cudaMemsetAsync");

      const std::int64_t rowdot_blocks = (rows + kRowdotWarps - 1) / kRowdotWarps;
      if (rowdot_blocks > INT_MAX) {
        throw EngineError(ErrorKind::Shape,
                          "expected at most 2^31 - 1 blocks for CUDA "
                          "attention, got B H T = " +
                              std::to_string(rows) + " rows; split the batch");
      }
      attention_bwd_rowdot_kernel<Elem>
          <<<static_cast<unsigned>(rowdot_blocks), kRowdotWarps * kWarp, 0, s>>>(
              static_cast<const Elem*>(out), static_cast<const Elem*>(dout), dvec,
              static_cast<long long>(rows), static_cast<int>(D));
      check_cuda(cudaGetLastError(), "attention_bwd_rowdot_kernel launch");

      with_head_dim(D, [&](auto head_dim) {
        constexpr int kD = decltype(head_dim)::value;
        const std::int64_t n_ktiles = (S + kBwdBc - 1) / kBwdBc;
        const unsigned blocks = grid_blocks(BH, n_ktiles);
        const std::size_t smem = bwd_smem_bytes<kD>();
        allow_shared_memory(attention_bwd_kernel<Elem, kD>, smem, device, "attention_bwd_kernel");
        attention_bwd_kernel<Elem, kD><<<blocks, kBwdThreads, smem, s>>>(
            static_cast<const Elem*>(q), static_cast<const Elem*>(k), static_cast<const Elem*>(v),
            static_cast<const Elem*>(dout), lse, dvec, dq_accum, static_cast<Elem*>(dk),
            static_cast<Elem*>(dv), static_cast<int>(T), static_cast<int>(S),
            static_cast<int>(n_ktiles), scale, causal);
        check_cuda(cudaGetLastError(), "attention_bwd_kernel launch");
      });

      if constexpr (!kDirect) {
        const long long n = static_cast<long long>(rows * D);
        const unsigned blocks = static_cast<unsigned>(std::min<long long>((n + 255) / 256, 65536));
        attention_bwd_dq_kernel<Elem><<<blocks, 256, 0, s>>>(dq_accum, static_cast<Elem*>(dq), n);
        check_cuda(cudaGetLastError(), "attention_bwd_dq_kernel launch");
      }
    } catch (...) {
      cudaFreeAsync(workspace, s);
      throw;
    }
    check_cuda(cudaFreeAsync(workspace, s), "cudaFreeAsync");
  });
}

}  // namespace neuron
