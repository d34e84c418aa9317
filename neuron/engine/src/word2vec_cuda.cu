// Skip-gram negative-sampling updates for a batch of pairs on the GPU, float32.
//
// Legend: V vocabulary size, D vector size, k negatives, P pairs in the batch.
// For each pair (input w, output o) with negatives n_1..n_k and rate alpha (the contract of
// word2vec_cpu.h):
//   v = W_in[w]; for t in [o, n_1..n_k] (a negative equal to o skipped), label l:
//     s = v . W_out[t];  g = alpha (l - sigmoid(s));  e += g W_out[t];  W_out[t] += g v
//   W_in[w] += e;  loss += -log sigmoid(s_o) - sum_n log sigmoid(-s_n)
// The score and the gradient step are fused in one kernel, word2vec_pairs_bwd_kernel (named for
// its output, the SGD update; there is no separate forward).
//
// Thread mapping: one warp per pair; lane i owns elements i, i + 32, ... of the D-vector, so
// every row access of a warp is 32 consecutive floats (coalesced). The lane keeps its slice of v
// (the value before the pair) and of e in shared memory, which only that lane touches; the dot
// product is a 5-step __shfl_xor_sync reduction that leaves s in every lane. W_out rows are
// updated with atomicAdd (another pair of the batch may update the same row at the same time) and
// W_in[w] += e likewise. Within a pair the updates are sequential (a lane reads its own
// atomicAdd), so a repeated negative sees its first update as on the CPU. Across pairs of one
// batch the reads are racy (Hogwild): a pair may read a row before or after another pair's
// update. A batch whose pairs touch disjoint rows gives the CPU's train_pairs result to float32
// rounding (tests/word2vec/test_engine_cuda.py).
//
// Launch shape (owned by cuda_word2vec_train_pairs): warps per block = min(8, 6144 / D) so the
// 2 D floats of shared memory per warp fit in 48 KiB; blocks = ceil(P / warps per block).
// Limits checked before launch: 1 <= D <= 6144, P and k below 2^31. Ids out of [0, V) are not
// trained; the kernel records the first bad pair and the launcher raises InvalidArgument naming
// it. Every launch and copy is checked.
//
// Memory traffic per pair: (k + 2) rows of D floats read, k + 2 rows written with atomics
// (D = 100, k = 5: about 2.8 KB read and 2.8 KB of atomics); the batch is bound by the atomics'
// L2 throughput rather than DRAM for vocabularies whose W_out fits in L2.
//
// Measured speed: not measured yet; the development machine has no GPU. neuron.word2vec.bench.
// benchmark_cuda times it where one exists.
// TODO: measure on an H100 and compare one warp per pair with a block of pairs sharing v in
// registers for D <= 256.
#include <cuda_runtime.h>

#include <algorithm>
#include <climits>
#include <string>

#include "cuda_api.h"
#include "cuda_util.cuh"
#include "errors.h"

namespace neuron {
namespace {

constexpr int kWarp = 32;
constexpr int kMaxWarpsPerBlock = 8;
constexpr std::int64_t kMaxD = 6144;  // 2 D floats per warp in 48 KiB of shared memory

// What the kernel reports back: the summed loss and the first pair with an id out of range.
struct PairsResult {
  double loss;
  unsigned long long first_bad_pair;  // ULLONG_MAX when every id was in range
};

__device__ float warp_sum(float v) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    v += __shfl_xor_sync(0xffffffffu, v, offset);
  }
  return v;
}

__device__ float log_sigmoid(float x) { return fminf(x, 0.0f) - log1pf(expf(-fabsf(x))); }

//   w_in, w_out: (V, D)  inputs, outputs: (P,)  negatives: (P, k)  alphas: (P,)
__global__ void word2vec_pairs_bwd_kernel(float* w_in, float* w_out, int V, int D,
                                          const int* inputs, const int* outputs,
                                          const int* negatives, const float* alphas, long long P,
                                          int k, PairsResult* result) {
  extern __shared__ float shared[];  // (warps per block, 2, D)
  const int lane = threadIdx.x % kWarp;
  const int warp = threadIdx.x / kWarp;
  const long long p = static_cast<long long>(blockIdx.x) * (blockDim.x / kWarp) + warp;
  if (p >= P) return;
  float* v = shared + static_cast<long long>(warp) * 2 * D;  // (D,) W_in[w] before the pair
  float* e = v + D;                                          // (D,) the pair's update of W_in[w]

  // A pair with any id out of range is not trained and is reported.
  const int w = inputs[p];
  const int o = outputs[p];
  bool bad = w < 0 || w >= V || o < 0 || o >= V;
  for (int t = 0; t < k; ++t) {
    const int n = negatives[p * k + t];
    bad |= n < 0 || n >= V;
  }
  if (bad) {
    if (lane == 0) atomicMin(&result->first_bad_pair, static_cast<unsigned long long>(p));
    return;
  }

  float* in_row = w_in + static_cast<long long>(w) * D;  // (D,)
  for (int j = lane; j < D; j += kWarp) {
    v[j] = in_row[j];
    e[j] = 0.0f;
  }

  const float alpha = alphas[p];
  float loss = 0.0f;
  for (int t = -1; t < k; ++t) {
    const int target = t < 0 ? o : negatives[p * k + t];
    if (t >= 0 && target == o) continue;  // uniform across the warp: no divergence
    float* u = w_out + static_cast<long long>(target) * D;  // (D,)

    float partial = 0.0f;
    for (int j = lane; j < D; j += kWarp) partial += v[j] * u[j];
    const float s = warp_sum(partial);
    const float label = t < 0 ? 1.0f : 0.0f;
    const float g = alpha * (label - 1.0f / (1.0f + expf(-s)));
    loss -= log_sigmoid(t < 0 ? s : -s);

    for (int j = lane; j < D; j += kWarp) {
      e[j] += g * u[j];
      atomicAdd(&u[j], g * v[j]);
    }
  }
  for (int j = lane; j < D; j += kWarp) atomicAdd(&in_row[j], e[j]);
  if (lane == 0) atomicAdd(&result->loss, static_cast<double>(loss));
}

}  // namespace

double cuda_word2vec_train_pairs(float* w_in, float* w_out, std::int64_t V, std::int64_t D,
                                 const std::int32_t* inputs, const std::int32_t* outputs,
                                 const std::int32_t* negatives, const float* alphas, std::int64_t P,
                                 std::int64_t k, int device, std::uintptr_t stream) {
  if (P == 0) return 0.0;
  if (D < 1 || D > kMaxD) {
    throw EngineError(ErrorKind::Shape, "expected a vector size D in [1, " + std::to_string(kMaxD) +
                                            "] for the CUDA word2vec kernel, got " +
                                            std::to_string(D) + "; use the CPU path for it");
  }
  if (V > INT_MAX || k > INT_MAX || P > static_cast<std::int64_t>(INT_MAX) * kMaxWarpsPerBlock) {
    throw EngineError(ErrorKind::Shape,
                      "expected V, k below 2^31 and fewer than 2^34 pairs for "
                      "the CUDA word2vec kernel, got V = " +
                          std::to_string(V) + ", k = " + std::to_string(k) +
                          ", P = " + std::to_string(P) + "; split the batch");
  }
  DeviceScope scope(device);
  auto s = reinterpret_cast<cudaStream_t>(stream);

  const int warps = static_cast<int>(std::min<std::int64_t>(kMaxWarpsPerBlock, kMaxD / D));
  const dim3 block(warps * kWarp);
  const dim3 grid(static_cast<unsigned>((P + warps - 1) / warps));
  const std::size_t shared_bytes = static_cast<std::size_t>(warps) * 2 * D * sizeof(float);

  PairsResult host{0.0, ULLONG_MAX};
  PairsResult* result = nullptr;
  check_cuda(cudaMallocAsync(reinterpret_cast<void**>(&result), sizeof(PairsResult), s),
             "cudaMallocAsync");
  try {
    check_cuda(cudaMemcpyAsync(result, &host, sizeof(host), cudaMemcpyHostToDevice, s),
               "cudaMemcpyAsync");
    word2vec_pairs_bwd_kernel<<<grid, block, shared_bytes, s>>>(
        w_in, w_out, static_cast<int>(V), static_cast<int>(D), inputs, outputs, negatives, alphas,
        static_cast<long long>(P), static_cast<int>(k), result);
    check_cuda(cudaGetLastError(), "word2vec_pairs_bwd_kernel launch");
    check_cuda(cudaMemcpyAsync(&host, result, sizeof(host), cudaMemcpyDeviceToHost, s),
               "cudaMemcpyAsync");
    check_cuda(cudaStreamSynchronize(s), "word2vec_pairs_bwd_kernel");
  } catch (...) {
    cudaFreeAsync(result, s);
    throw;
  }
  check_cuda(cudaFreeAsync(result, s), "cudaFreeAsync");

  if (host.first_bad_pair != ULLONG_MAX) {
    throw EngineError(ErrorKind::InvalidArgument,
                      "expected word ids in [0, " + std::to_string(V) +
                          ") in inputs, outputs and negatives, got one out of range in pair " +
                          std::to_string(host.first_bad_pair) +
                          " (pairs with bad ids were skipped, the others trained); encode with "
                          "the vocabulary the vectors were made for");
  }
  return host.loss;
}

}  // namespace neuron
