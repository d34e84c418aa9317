// Dispatch of the CPU attention kernels: SIMD level, then threads, then scratch memory.
//
// Forward and probabilities: one task per (head, query tile), handed out by the pool's atomic
// counter. With the causal mask a late query tile sees more keys than an early one, so tasks go
// out latest tile first: the long ones start early and the short ones fill the gaps at the end.
// Backward: one task per head, since a head's dk and dv collect from every query tile. When there
// are fewer heads than threads, each head's keys are cut into ranges of whole tiles, one task
// each: a task owns its keys' rows of dk and dv, writes its part of dq into a private (T, D)
// buffer, and the parts are summed afterwards (extra memory: tasks x T x D elements).
//
// Scratch: one buffer per pool thread (thread_local), grown on demand and reused across calls, so
// a call allocates nothing after the first at its size.
#include "attention_cpu.h"

#include <algorithm>
#include <vector>

#include "attention_kernels.h"
#include "cpu_features.h"
#include "thread_pool.h"

namespace neuron {
namespace {

template <typename T>
const AttentionTileKernels<T>& tile_kernels();

template <>
const AttentionTileKernels<float>& tile_kernels<float>() {
  return attention_kernels_for(active_simd_level()).f32;
}

template <>
const AttentionTileKernels<double>& tile_kernels<double>() {
  return attention_kernels_for(active_simd_level()).f64;
}

template <typename T>
T* scratch(std::int64_t D) {
  thread_local std::vector<T> buffer;
  const auto n = static_cast<std::size_t>(attention_scratch_size(D));
  if (buffer.size() < n) buffer.resize(n);
  return buffer.data();
}

// Calls body(task) for task in [0, n), spread over the pool (in groups if n exceeds an int).
template <typename Body>
void parallel_tasks(std::int64_t n, const Body& body) {
  constexpr std::int64_t kGroup = std::int64_t{1} << 30;
  ThreadPool& pool = ThreadPool::instance();
  for (std::int64_t first = 0; first < n; first += kGroup) {
    const int count = static_cast<int>(std::min(kGroup, n - first));
    pool.run(count, [&](int t) { body(first + t); });
  }
}

}  // namespace

const AttentionIsaKernels& attention_kernels_for(SimdLevel level) {
  switch (level) {
#if defined(NEURON_HAVE_AVX512)
    case SimdLevel::Avx512:
      return attention_avx512_kernels();
#endif
#if defined(NEURON_HAVE_AVX2)
    case SimdLevel::Avx2:
      return attention_avx2_kernels();
#endif
#if defined(NEURON_HAVE_NEON)
    case SimdLevel::Neon:
      return attention_neon_kernels();
#endif
    default:
      return attention_scalar_kernels();
  }
}

template <typename T>
void attention_forward_cpu(const T* q, const T* k, const T* v, T* out, T* lse, std::int64_t BH,
                           std::int64_t T_, std::int64_t S, std::int64_t D, T scale, bool causal) {
  if (BH == 0 || T_ == 0) return;
  const AttentionProblem<T> problem{q, k, v, BH, T_, S, D, scale, causal};
  const auto forward = tile_kernels<T>().forward;
  const std::int64_t tiles = (T_ + kAttentionBlockQ - 1) / kAttentionBlockQ;
  parallel_tasks(BH * tiles, [&](std::int64_t task) {
    const std::int64_t bh = task % BH;
    const std::int64_t tile = tiles - 1 - task / BH;  // latest tiles first
    forward(problem, bh, tile * kAttentionBlockQ, out, lse, scratch<T>(D));
  });
}

template <typename T>
void attention_backward_cpu(const T* q, const T* k, const T* v, const T* out, const T* dout,
                            const T* lse, T* dq, T* dk, T* dv, std::int64_t BH, std::int64_t T_,
                            std::int64_t S, std::int64_t D, T scale, bool causal) {
  if (BH == 0) return;
  const AttentionProblem<T> problem{q, k, v, BH, T_, S, D, scale, causal};
  const auto backward = tile_kernels<T>().backward;
  const std::int64_t threads = ThreadPool::instance().num_threads();
  const std::int64_t key_tiles = (S + kAttentionBlockK - 1) / kAttentionBlockK;
  const std::int64_t ranges = std::min(key_tiles, (threads + BH - 1) / BH);
  if (ranges <= 1) {
    parallel_tasks(BH, [&](std::int64_t bh) {
      backward(problem, bh, 0, S, out, dout, lse, dq + bh * T_ * D, dk, dv, scratch<T>(D));
    });
    return;
  }

  // Key ranges of whole tiles; each task's dq part lands in its own slice of parts.
  const std::int64_t tiles_per_range = (key_tiles + ranges - 1) / ranges;
  std::vector<T> parts(static_cast<std::size_t>(BH * ranges * T_ * D));  // (BH, ranges, T, D)
  parallel_tasks(BH * ranges, [&](std::int64_t task) {
    const std::int64_t bh = task / ranges, r = task % ranges;
    const std::int64_t begin = std::min(S, r * tiles_per_range * kAttentionBlockK);
    const std::int64_t end = std::min(S, (r + 1) * tiles_per_range * kAttentionBlockK);
    T* part = parts.data() + task * T_ * D;  // (T, D)
    if (begin < end) {
      backward(problem, bh, begin, end, out, dout, lse, part, dk, dv, scratch<T>(D));
    } else {
      std::fill(part, part + T_ * D, T(0));
    }
  });

  // dq = the sum of the parts, in a fixed order, so the result does not depend on scheduling.
  parallel_tasks(BH, [&](std::int64_t bh) {
    T* dq_h = dq + bh * T_ * D;  // (T, D)
    const T* first = parts.data() + bh * ranges * T_ * D;
    std::copy(first, first + T_ * D, dq_h);
    for (std::int64_t r = 1; r < ranges; ++r) {
      const T* part = first + r * T_ * D;
      for (std::int64_t e = 0; e < T_ * D; ++e) dq_h[e] += part[e];
    }
  });
}

template <typename T>
void attention_probabilities_cpu(const T* q, const T* k, const T* lse, T* probs, std::int64_t BH,
                                 std::int64_t T_, std::int64_t S, std::int64_t D, T scale,
                                 bool causal) {
  if (BH == 0 || T_ == 0) return;
  const AttentionProblem<T> problem{q, k, nullptr, BH, T_, S, D, scale, causal};
  const auto probabilities = tile_kernels<T>().probabilities;
  const std::int64_t tiles = (T_ + kAttentionBlockQ - 1) / kAttentionBlockQ;
  parallel_tasks(BH * tiles, [&](std::int64_t task) {
    const std::int64_t bh = task % BH;
    const std::int64_t tile = task / BH;
    probabilities(problem, bh, tile * kAttentionBlockQ, lse, probs, scratch<T>(D));
  });
}

template void attention_forward_cpu<float>(const float*, const float*, const float*, float*,
                                           float*, std::int64_t, std::int64_t, std::int64_t,
                                           std::int64_t, float, bool);
template void attention_forward_cpu<double>(const double*, const double*, const double*, double*,
                                            double*, std::int64_t, std::int64_t, std::int64_t,
                                            std::int64_t, double, bool);
template void attention_backward_cpu<float>(const float*, const float*, const float*, const float*,
                                            const float*, const float*, float*, float*, float*,
                                            std::int64_t, std::int64_t, std::int64_t, std::int64_t,
                                            float, bool);
template void attention_backward_cpu<double>(const double*, const double*, const double*,
                                             const double*, const double*, const double*, double*,
                                             double*, double*, std::int64_t, std::int64_t,
                                             std::int64_t, std::int64_t, double, bool);
template void attention_probabilities_cpu<float>(const float*, const float*, const float*, float*,
                                                 std::int64_t, std::int64_t, std::int64_t,
                                                 std::int64_t, float, bool);
template void attention_probabilities_cpu<double>(const double*, const double*, const double*,
                                                  double*, std::int64_t, std::int64_t,
                                                  std::int64_t, std::int64_t, double, bool);

}  // namespace neuron
