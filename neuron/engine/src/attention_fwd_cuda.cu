// Scaled dot-product attention forward on the GPU in the FlashAttention-2 manner: out and lse
// without ever holding the T x S score matrix in memory. float32, float16 and bfloat16. The
// backward is in attention_bwd_cuda.cu; what both share is in attention_cuda_common.cuh.
//
// Legend: B batch, H heads, T queries, S keys, D head dimension (32, 64, 96 or 128); i a query,
// j a key; Br query rows and Bc keys of a tile. q, out: (B, H, T, D); k, v: (B, H, S, D); lse:
// (B, H, T) float32; all contiguous, row-major, in device memory.
//
//   s_ij  = scale q_i . k_j, or -inf when causal and j > i (top-left aligned, as torch's
//           is_causal, also when T != S)
//   lse_i = log sum_j exp(s_ij)                  (natural log, scale included)
//   o_i   = sum_j exp(s_ij - lse_i) v_j
// Every sum accumulates in float32; the element type is only for storage and tensor-core inputs.
//
// Online softmax: a block walks the key tiles of one query tile, keeping per row the running max
// m (in log2 units, the scale folded in so exp2f is one instruction) and running sum l of
// exp2(s - m). When a tile raises m, the sum and the output accumulator are first multiplied by
// alpha = exp2(m_old - m_new). At the end o /= l and lse = (m + log2 l) ln 2. Key tiles entirely
// above the causal diagonal are never visited.
//
// attention_fwd_kernel (float16, bfloat16): nvcuda::wmma 16x16x16 tensor-core tiles (sm_80+).
//   Block = 4 warps = 128 threads per (b, h, 64-query tile); warp w owns queries 16w..16w+15.
//   Grid = B H ceil(T / 64) blocks, flattened into x: query tile fastest and in descending order,
//   so the costliest causal tiles start first and the blocks running together share one head's
//   K and V in L2. Per key tile of 64:
//     1. S_w = Q_w K^T (16 x 64) on tensor cores; Q_w stays in registers as D/16 fragments for
//        the whole loop, K comes from shared memory. S_w goes to the warp's float scratch,
//        because wmma does not say which lane holds which element and the row max needs rows.
//     2. Online softmax in the scratch: lanes 2r and 2r+1 share row r, alternating columns, and
//        combine their max and sum with one shuffle. P = exp2(s - m) is written in the element
//        type for step 3, alpha per row to shared memory.
//     3. O_w = diag(alpha) O_w + P V on tensor cores. O_w stays in accumulator fragments; each
//        lane learns the row of each element it holds once, by loading a fragment from a 16x16
//        matrix whose entries are their own row numbers, and scales by that row's alpha.
//   K and V tiles are fetched with cp.async one step ahead: V_t arrives while S_t and its softmax
//   run, K_{t+1} while P_t V_t runs, so the copy hides behind the math without a second buffer.
//   Shared memory (bytes): Q tile (64 x (D+8) elements, only until Q is in registers, so it
//   shares space with the warps' S and P scratch: 4 x 16 x 68 floats + 4 x 16 x 72 elements)
//   + K and V tiles (64 x (D+8) elements each) + 1.25 KiB:
//     D = 32: 38,144   D = 64: 46,336   D = 96: 54,528   D = 128: 62,720
//   With ptxas's register counts (128 per thread for D <= 64, 168 to 202 for D = 128) that is
//   four blocks per H100 SM for D = 64 (three on an A100) and two for D = 128.
//   Rows are padded by 8 elements (16 bytes) so the wmma row loads spread over the banks.
//
// attention_fwd_fma_kernel (float32): plain FMA, for tests and float32 checks.
//   Block = 4 warps per (b, h, 32-query tile); warp w owns queries 8w..8w+7 and lane l is key
//   l of the 32-key tile, so the row max and sum are warp shuffles; lane l also owns output
//   columns l, l + 32, ... and gets each key's probability from its lane by __shfl_sync.
//   Shared memory: Q (32 x D) + K (32 x (D+1), padded so lanes reading different rows hit
//   different banks) + V (32 x D) floats: D = 32, 64, 96, 128: 12,416, 24,704, 36,992, 49,280
//   bytes.
//
// Launch limits checked before any launch: D in {32, 64, 96, 128} (InvalidArgument otherwise),
// sizes non-negative, T and S below 2^31, at most 2^31 - 1 blocks, S >= 1 when T >= 1, the shared
// memory a kernel needs within the device's opt-in limit (cudaFuncSetAttribute raises the default
// 48 KiB), and compute capability 8.0+ for float16/bfloat16. Every launch and every runtime call
// is checked and a failure becomes an EngineError, never an abort. 16-byte copies are used when
// q, k and v are 16-byte aligned (a fresh tensor is; a view with an odd offset is not), element
// copies otherwise.
//
// Memory traffic: the forward reads Q and writes O once, and reads K and V once per query tile:
// about 2 B H S D (T / 64) elements, mostly from L2, since neighbouring blocks share a head (T =
// S = 4096, D = 64, bfloat16: K and V of a head are 1 MiB, read by 64 query tiles, half that
// with causal masking; DRAM sees them about once).
//
// Speed: not yet measured (no GPU on the build machine). The target is at least 70% of
// torch SDPA's forward throughput at T = 4096, D = 64, bfloat16 on an H100/H200.
// TODO: measure; then try 128 query rows per block (8 warps) and ldmatrix/mma.sync instead of
// wmma.
#include <cuda_pipeline.h>
#include <cuda_runtime.h>
#include <mma.h>

#include <algorithm>
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

namespace wmma = nvcuda::wmma;

constexpr float kLog2e = 1.4426950408889634f;
constexpr float kLn2 = 0.6931471805599453f;

// ---- forward, float16 / bfloat16, tensor cores --------------------------------------------------

constexpr int kFwdBr = 64;  // queries per block, 16 per warp
constexpr int kFwdBc = 64;  // keys per tile
constexpr int kFwdWarps = kFwdBr / 16;
constexpr int kFwdThreads = kFwdWarps * kWarp;
constexpr int kScoreLd = kFwdBc + 4;  // floats per row of a warp's score scratch
constexpr int kProbLd = kFwdBc + 8;   // elements per row of a warp's probability scratch

// Byte offsets into the dynamic shared memory of attention_fwd_kernel. Every region starts at a
// multiple of 32 bytes, and every row stride is a multiple of 16 bytes, as wmma loads require.
template <int D>
struct FwdLayout {
  static constexpr int kLd = D + 8;  // elements per row of the Q, K and V tiles
  static constexpr std::size_t q_bytes = std::size_t{kFwdBr} * kLd * 2;
  static constexpr std::size_t score_bytes = std::size_t{kFwdWarps} * 16 * kScoreLd * 4;
  static constexpr std::size_t prob_bytes = std::size_t{kFwdWarps} * 16 * kProbLd * 2;
  // Q is only read before the first score is written, so it shares the scratch's space.
  static constexpr std::size_t scratch_bytes = std::max(q_bytes, score_bytes + prob_bytes);
  static constexpr std::size_t kv_bytes = std::size_t{kFwdBc} * kLd * 2;
  static constexpr std::size_t k_offset = scratch_bytes;
  static constexpr std::size_t v_offset = k_offset + kv_bytes;
  static constexpr std::size_t index_offset = v_offset + kv_bytes;            // 16 x 16 floats
  static constexpr std::size_t rowscale_offset = index_offset + 16 * 16 * 4;  // (warps, 16) floats
  static constexpr std::size_t total = rowscale_offset + std::size_t{kFwdWarps} * 16 * 4;
  static_assert(q_bytes % 32 == 0 && score_bytes % 32 == 0 && kv_bytes % 32 == 0,
                "wmma needs 32-byte aligned tiles");
};

// Rows [row0, row0 + kRows) of a (n_rows, D) matrix into a (kRows, D + 8) shared tile; rows at or
// past n_rows become zeros. With vec16 the 16-byte pieces go through cp.async and the caller
// commits and waits; otherwise they are plain element copies, complete on return.
template <typename Elem, int D, int kRows>
__device__ void stage_tile_async(Elem* dst, const Elem* src, int row0, int n_rows, bool vec16) {
  constexpr int kLd = D + 8;
  if (vec16) {
    constexpr int kPieces = D * 2 / 16;  // 16-byte pieces per row
    for (int e = threadIdx.x; e < kRows * kPieces; e += blockDim.x) {
      const int r = e / kPieces;
      const int c = (e % kPieces) * 8;
      Elem* d = dst + r * kLd + c;
      if (row0 + r < n_rows) {
        __pipeline_memcpy_async(d, src + static_cast<long long>(row0 + r) * D + c, 16);
      } else {
        *reinterpret_cast<uint4*>(d) = make_uint4(0u, 0u, 0u, 0u);
      }
    }
  } else {
    for (int e = threadIdx.x; e < kRows * D; e += blockDim.x) {
      const int r = e / D;
      const int c = e % D;
      dst[r * kLd + c] = row0 + r < n_rows ? src[static_cast<long long>(row0 + r) * D + c]
                                           : from_float<Elem>(0.0f);
    }
  }
}

//   q, out: (B, H, T, D)  k, v: (B, H, S, D)  lse: (B, H, T); grid B H ceil(T / 64), 128 threads.
template <typename Elem, int D>
__global__ void __launch_bounds__(kFwdThreads)
    attention_fwd_kernel(const Elem* __restrict__ q, const Elem* __restrict__ k,
                         const Elem* __restrict__ v, Elem* __restrict__ out,
                         float* __restrict__ lse, int T, int S, int n_qtiles, float scale_log2,
                         bool causal, bool vec16) {
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 800
  using Layout = FwdLayout<D>;
  constexpr int kLd = Layout::kLd;
  constexpr int kFrags = D / 16;  // 16-wide slices of the head dimension
  using FragA = wmma::fragment<wmma::matrix_a, 16, 16, 16, Elem, wmma::row_major>;
  using FragBRow = wmma::fragment<wmma::matrix_b, 16, 16, 16, Elem, wmma::row_major>;
  using FragBCol = wmma::fragment<wmma::matrix_b, 16, 16, 16, Elem, wmma::col_major>;
  using Acc = wmma::fragment<wmma::accumulator, 16, 16, 16, float>;

  extern __shared__ __align__(128) unsigned char smem[];
  Elem* q_s = reinterpret_cast<Elem*>(smem);                               // (Br, D + 8)
  float* score_s = reinterpret_cast<float*>(smem);                         // (warps, 16, Bc + 4)
  Elem* prob_s = reinterpret_cast<Elem*>(smem + Layout::score_bytes);      // (warps, 16, Bc + 8)
  Elem* k_s = reinterpret_cast<Elem*>(smem + Layout::k_offset);            // (Bc, D + 8)
  Elem* v_s = reinterpret_cast<Elem*>(smem + Layout::v_offset);            // (Bc, D + 8)
  float* index_s = reinterpret_cast<float*>(smem + Layout::index_offset);  // (16, 16)
  float* rowscale_s = reinterpret_cast<float*>(smem + Layout::rowscale_offset);  // (warps, 16)

  const int warp = threadIdx.x / kWarp;
  const int lane = threadIdx.x % kWarp;
  const int qt = n_qtiles - 1 - static_cast<int>(blockIdx.x % n_qtiles);
  const long long bh = blockIdx.x / n_qtiles;
  const int q0 = qt * kFwdBr;
  const Elem* q_bh = q + bh * T * D;  // (T, D)
  const Elem* k_bh = k + bh * S * D;  // (S, D)
  const Elem* v_bh = v + bh * S * D;  // (S, D)

  // Keys this block needs: all S, or with causal masking those up to its last query.
  const int q_last = min(q0 + kFwdBr, T) - 1;
  const int kv_end = causal ? min(S, q_last + 1) : S;
  const int n_kv = (kv_end + kFwdBc - 1) / kFwdBc;  // >= 1: key 0 is visible to every query

  // Three copy groups in flight: Q, K tile 0, V tile 0. The loop keeps two (K_t, V_t) at its top.
  stage_tile_async<Elem, D, kFwdBr>(q_s, q_bh, q0, T, vec16);
  __pipeline_commit();
  stage_tile_async<Elem, D, kFwdBc>(k_s, k_bh, 0, S, vec16);
  __pipeline_commit();
  stage_tile_async<Elem, D, kFwdBc>(v_s, v_bh, 0, S, vec16);
  __pipeline_commit();
  for (int e = threadIdx.x; e < 16 * 16; e += blockDim.x) index_s[e] = static_cast<float>(e / 16);
  __pipeline_wait_prior(2);
  __syncthreads();

  // The warp's 16 queries as tensor-core operands, in registers for the whole loop.
  FragA qa[kFrags];
#pragma unroll
  for (int d = 0; d < kFrags; ++d)
    wmma::load_matrix_sync(qa[d], q_s + warp * 16 * kLd + d * 16, kLd);

  // The row (0..15) of each accumulator element this lane holds. wmma leaves that mapping
  // unspecified but fixed per fragment type, so it is read back from a matrix of row numbers.
  int row_of[Acc::num_elements];
  {
    Acc index;
    wmma::load_matrix_sync(index, index_s, 16, wmma::mem_row_major);
#pragma unroll
    for (int e = 0; e < Acc::num_elements; ++e) row_of[e] = static_cast<int>(index.x[e]);
  }

  Acc o[kFrags];  // (16, D) un-normalised output of the warp's queries
#pragma unroll
  for (int d = 0; d < kFrags; ++d) wmma::fill_fragment(o[d], 0.0f);

  float* score_w = score_s + warp * 16 * kScoreLd;  // (16, Bc + 4)
  Elem* prob_w = prob_s + warp * 16 * kProbLd;      // (16, Bc + 8)
  float* rowscale_w = rowscale_s + warp * 16;       // (16,)
  const int r = lane / 2;                           // this lane's row of the warp's 16
  const int parity = lane % 2;                      // it owns columns parity, parity + 2, ...
  const int i = q0 + warp * 16 + r;                 // its query
  float m = -INFINITY;                              // running max of s, log2 units
  float l = 0.0f;                                   // running sum of exp2(s - m)

  for (int t = 0; t < n_kv; ++t) {
    const int kv0 = t * kFwdBc;

    // K_t has landed (V_t may still be in flight). After the barrier every warp has its Q
    // fragments and is done with the previous tile's scratch.
    __pipeline_wait_prior(1);
    __syncthreads();

    // 1. S_w = Q_w K_t^T, (16, Bc), into the scratch. K^T as a column-major B operand is K itself.
#pragma unroll
    for (int n = 0; n < kFwdBc / 16; ++n) {
      Acc acc;
      wmma::fill_fragment(acc, 0.0f);
#pragma unroll
      for (int d = 0; d < kFrags; ++d) {
        FragBCol kb;
        wmma::load_matrix_sync(kb, k_s + n * 16 * kLd + d * 16, kLd);
        wmma::mma_sync(acc, qa[d], kb, acc);
      }
      wmma::store_matrix_sync(score_w + n * 16, acc, kScoreLd, wmma::mem_row_major);
    }

    // Every warp is done with K_t: fetch K_{t+1} behind the softmax and P V (an empty group on
    // the last tile keeps the count of groups in flight the same every iteration).
    __syncthreads();
    if (t + 1 < n_kv) stage_tile_async<Elem, D, kFwdBc>(k_s, k_bh, kv0 + kFwdBc, S, vec16);
    __pipeline_commit();

    // 2. Online softmax of row r over this tile.
    float x[kFwdBc / 2];
    float tile_max = -INFINITY;
#pragma unroll
    for (int c2 = 0; c2 < kFwdBc / 2; ++c2) {
      const int c = 2 * c2 + parity;
      const int j = kv0 + c;
      float s = score_w[r * kScoreLd + c] * scale_log2;
      if (j >= S || (causal && j > i)) s = -INFINITY;
      x[c2] = s;
      tile_max = fmaxf(tile_max, s);
    }
    tile_max = fmaxf(tile_max, __shfl_xor_sync(kFullMask, tile_max, 1));
    const float m_new = fmaxf(m, tile_max);
    // A row that has seen no visible key keeps m = -inf; measuring from 0 then avoids
    // exp2(-inf - -inf) = NaN and gives p = 0, alpha = 0, as it should.
    const float m_from = m_new == -INFINITY ? 0.0f : m_new;
    const float alpha = exp2f(m - m_from);
    float sum = 0.0f;
#pragma unroll
    for (int c2 = 0; c2 < kFwdBc / 2; ++c2) {
      const float p = exp2f(x[c2] - m_from);
      sum += p;
      prob_w[r * kProbLd + 2 * c2 + parity] = from_float<Elem>(p);
    }
    sum += __shfl_xor_sync(kFullMask, sum, 1);
    l = l * alpha + sum;
    m = m_new;
    if (parity == 0) rowscale_w[r] = alpha;
    __syncwarp();

    // 3. O_w = diag(alpha) O_w + P V_t.
    float alpha_of[Acc::num_elements];
#pragma unroll
    for (int e = 0; e < Acc::num_elements; ++e) alpha_of[e] = rowscale_w[row_of[e]];
#pragma unroll
    for (int d = 0; d < kFrags; ++d) {
#pragma unroll
      for (int e = 0; e < Acc::num_elements; ++e) o[d].x[e] *= alpha_of[e];
    }
    __pipeline_wait_prior(1);  // V_t has landed (K_{t+1} may still be in flight)
    __syncthreads();
#pragma unroll
    for (int n = 0; n < kFwdBc / 16; ++n) {
      FragA pa;
      wmma::load_matrix_sync(pa, prob_w + n * 16, kProbLd);
#pragma unroll
      for (int d = 0; d < kFrags; ++d) {
        FragBRow vb;
        wmma::load_matrix_sync(vb, v_s + n * 16 * kLd + d * 16, kLd);
        wmma::mma_sync(o[d], pa, vb, o[d]);
      }
    }

    // Every warp is done with V_t: fetch V_{t+1} behind the next tile's scores.
    __syncthreads();
    if (t + 1 < n_kv) stage_tile_async<Elem, D, kFwdBc>(v_s, v_bh, kv0 + kFwdBc, S, vec16);
    __pipeline_commit();
  }

  // o_i / l_i and lse_i; l >= 1 for every row, since the max term contributes exp2(0).
  if (parity == 0) rowscale_w[r] = 1.0f / l;
  if (parity == 0 && i < T) lse[bh * T + i] = (m + log2f(l)) * kLn2;
  __syncwarp();
  float inv_l_of[Acc::num_elements];
#pragma unroll
  for (int e = 0; e < Acc::num_elements; ++e) inv_l_of[e] = rowscale_w[row_of[e]];

  // Out through the score scratch, up to 64 columns at a time, so the stores go in row order.
  constexpr int kChunk = 4;         // fragments per pass: 64 columns, the scratch's width
  Elem* out_bh = out + bh * T * D;  // (T, D)
#pragma unroll
  for (int d0 = 0; d0 < kFrags; d0 += kChunk) {
#pragma unroll
    for (int d = d0; d < d0 + kChunk; ++d) {
      if (d < kFrags) {
#pragma unroll
        for (int e = 0; e < Acc::num_elements; ++e) o[d].x[e] *= inv_l_of[e];
        wmma::store_matrix_sync(score_w + (d - d0) * 16, o[d], kScoreLd, wmma::mem_row_major);
      }
    }
    __syncwarp();
    const int width = 16 * min(kChunk, kFrags - d0);
    for (int e = lane; e < 16 * width; e += kWarp) {
      const int row = e / width;
      const int c = e % width;
      const int query = q0 + warp * 16 + row;
      if (query < T) {
        out_bh[static_cast<long long>(query) * D + d0 * 16 + c] =
            from_float<Elem>(score_w[row * kScoreLd + c]);
      }
    }
    __syncwarp();
  }
#endif
}

// ---- forward, float32, plain FMA ----------------------------------------------------------------

constexpr int kFmaBr = 32;  // queries per block, 8 per warp
constexpr int kFmaBc = 32;  // keys per tile, one per lane
constexpr int kFmaWarps = 4;
constexpr int kFmaRows = kFmaBr / kFmaWarps;
constexpr int kFmaThreads = kFmaWarps * kWarp;

template <int D>
constexpr std::size_t fwd_fma_smem_bytes() {
  return (std::size_t{kFmaBr} * D + std::size_t{kFmaBc} * (D + 1) + std::size_t{kFmaBc} * D) * 4;
}

//   q, out: (B, H, T, D)  k, v: (B, H, S, D)  lse: (B, H, T); grid B H ceil(T / 32), 128 threads.
template <int D>
__global__ void __launch_bounds__(kFmaThreads)
    attention_fwd_fma_kernel(const float* __restrict__ q, const float* __restrict__ k,
                             const float* __restrict__ v, float* __restrict__ out,
                             float* __restrict__ lse, int T, int S, int n_qtiles, float scale_log2,
                             bool causal) {
  constexpr int kCols = D / kWarp;  // output columns per lane
  extern __shared__ __align__(128) unsigned char smem[];
  float* q_s = reinterpret_cast<float*>(smem);  // (Br, D)
  float* k_s = q_s + kFmaBr * D;                // (Bc, D + 1)
  float* v_s = k_s + kFmaBc * (D + 1);          // (Bc, D)

  const int warp = threadIdx.x / kWarp;
  const int lane = threadIdx.x % kWarp;
  const int qt = n_qtiles - 1 - static_cast<int>(blockIdx.x % n_qtiles);
  const long long bh = blockIdx.x / n_qtiles;
  const int q0 = qt * kFmaBr;
  const float* k_bh = k + bh * S * D;  // (S, D)
  const float* v_bh = v + bh * S * D;  // (S, D)

  const int q_last = min(q0 + kFmaBr, T) - 1;
  const int kv_end = causal ? min(S, q_last + 1) : S;
  const int n_kv = (kv_end + kFmaBc - 1) / kFmaBc;

  stage_rows_float<float, D, kFmaBr>(q_s, D, q + bh * T * D, q0, T);

  float o[kFmaRows][kCols];  // the warp's 8 queries, this lane's columns
  float m[kFmaRows];         // running max, log2 units
  float l[kFmaRows];         // running sum of exp2(s - m)
#pragma unroll
  for (int rr = 0; rr < kFmaRows; ++rr) {
    m[rr] = -INFINITY;
    l[rr] = 0.0f;
#pragma unroll
    for (int cc = 0; cc < kCols; ++cc) o[rr][cc] = 0.0f;
  }

  for (int t = 0; t < n_kv; ++t) {
    const int kv0 = t * kFmaBc;
    __syncthreads();  // the previous tile is used up (and, the first time, Q is staged)
    stage_rows_float<float, D, kFmaBc>(k_s, D + 1, k_bh, kv0, S);
    stage_rows_float<float, D, kFmaBc>(v_s, D, v_bh, kv0, S);
    __syncthreads();

    // Scores of the warp's queries against this lane's key.
    float p[kFmaRows];
#pragma unroll
    for (int rr = 0; rr < kFmaRows; ++rr) p[rr] = 0.0f;
    for (int d = 0; d < D; ++d) {
      const float kd = k_s[lane * (D + 1) + d];
#pragma unroll
      for (int rr = 0; rr < kFmaRows; ++rr) p[rr] += q_s[(warp * kFmaRows + rr) * D + d] * kd;
    }

    // Online softmax, one row at a time across the warp.
    const int j = kv0 + lane;
#pragma unroll
    for (int rr = 0; rr < kFmaRows; ++rr) {
      const int i = q0 + warp * kFmaRows + rr;
      float s = p[rr] * scale_log2;
      if (j >= S || (causal && j > i)) s = -INFINITY;
      const float m_new = fmaxf(m[rr], warp_max(s));
      const float m_from = m_new == -INFINITY ? 0.0f : m_new;  // see attention_fwd_kernel
      const float alpha = exp2f(m[rr] - m_from);
      p[rr] = exp2f(s - m_from);
      l[rr] = l[rr] * alpha + warp_sum(p[rr]);
      m[rr] = m_new;
#pragma unroll
      for (int cc = 0; cc < kCols; ++cc) o[rr][cc] *= alpha;
    }

    // O += P V, each key's probability broadcast from its lane.
    for (int jj = 0; jj < kFmaBc; ++jj) {
      float vj[kCols];
#pragma unroll
      for (int cc = 0; cc < kCols; ++cc) vj[cc] = v_s[jj * D + lane + cc * kWarp];
#pragma unroll
      for (int rr = 0; rr < kFmaRows; ++rr) {
        const float pj = __shfl_sync(kFullMask, p[rr], jj);
#pragma unroll
        for (int cc = 0; cc < kCols; ++cc) o[rr][cc] += pj * vj[cc];
      }
    }
  }

  float* out_bh = out + bh * T * D;  // (T, D)
#pragma unroll
  for (int rr = 0; rr < kFmaRows; ++rr) {
    const int i = q0 + warp * kFmaRows + rr;
    if (i >= T) continue;
    const float inv_l = 1.0f / l[rr];
#pragma unroll
    for (int cc = 0; cc < kCols; ++cc) {
      out_bh[static_cast<long long>(i) * D + lane + cc * kWarp] = o[rr][cc] * inv_l;
    }
    if (lane == 0) lse[bh * T + i] = (m[rr] + log2f(l[rr])) * kLn2;
  }
}

// ---- launcher ----------------------------------------------------------------------------------

bool aligned16(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

}  // namespace

void cuda_attention_forward(int dtype, const void* q, const void* k, const void* v, void* out,
                            float* lse, std::int64_t B, std::int64_t H, std::int64_t T,
                            std::int64_t S, std::int64_t D, float scale, bool causal, int device,
                            std::uintptr_t stream) {
  with_dtype(dtype, [](auto) {});
  const std::int64_t BH = check_sizes(B, H, T, S, D);
  if (BH == 0 || T == 0) return;
  DeviceScope scope(device);
  auto s = reinterpret_cast<cudaStream_t>(stream);
  const float scale_log2 = scale * kLog2e;
  const int Ti = static_cast<int>(T);
  const int Si = static_cast<int>(S);

  with_dtype(dtype, [&](auto tag) {
    using Elem = typename decltype(tag)::type;
    with_head_dim(D, [&](auto head_dim) {
      constexpr int kD = decltype(head_dim)::value;
      if constexpr (std::is_same_v<Elem, float>) {
        const std::int64_t n_qtiles = (T + kFmaBr - 1) / kFmaBr;
        const unsigned blocks = grid_blocks(BH, n_qtiles);
        const std::size_t smem = fwd_fma_smem_bytes<kD>();
        allow_shared_memory(attention_fwd_fma_kernel<kD>, smem, device, "attention_fwd_fma_kernel");
        attention_fwd_fma_kernel<kD><<<blocks, kFmaThreads, smem, s>>>(
            static_cast<const float*>(q), static_cast<const float*>(k),
            static_cast<const float*>(v), static_cast<float*>(out), lse, Ti, Si,
            static_cast<int>(n_qtiles), scale_log2, causal);
        check_cuda(cudaGetLastError(), "attention_fwd_fma_kernel launch");
      } else {
        int major = 0;
        check_cuda(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device),
                   "cudaDeviceGetAttribute");
        if (major < 8) {
          throw EngineError(ErrorKind::Device,
                            "expected a GPU of compute capability 8.0 or newer for float16 and "
                            "bfloat16 attention (tensor cores), got " +
                                std::to_string(major) + ".x; use float32 on this GPU");
        }
        const std::int64_t n_qtiles = (T + kFwdBr - 1) / kFwdBr;
        const unsigned blocks = grid_blocks(BH, n_qtiles);
        const std::size_t smem = FwdLayout<kD>::total;
        allow_shared_memory(attention_fwd_kernel<Elem, kD>, smem, device, "attention_fwd_kernel");
        const bool vec16 = aligned16(q) && aligned16(k) && aligned16(v);
        attention_fwd_kernel<Elem, kD><<<blocks, kFwdThreads, smem, s>>>(
            static_cast<const Elem*>(q), static_cast<const Elem*>(k), static_cast<const Elem*>(v),
            static_cast<Elem*>(out), lse, Ti, Si, static_cast<int>(n_qtiles), scale_log2, causal,
            vec16);
        check_cuda(cudaGetLastError(), "attention_fwd_kernel launch");
      }
    });
  });
}

}  // namespace neuron
