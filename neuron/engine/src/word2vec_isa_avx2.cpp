// AVX2 + FMA dot products and updates for the word2vec loop (8 floats per register). Compiled with
// -mavx2 -mfma and used only when the CPU reports both (cpu_features.cpp).
//
// D need not be a multiple of 8: a remainder of 4 or more takes one 128-bit step, and the last
// 1-3 floats a scalar loop. (Masked loads and stores, vmaskmovps, were 25% slower per pair at
// D = 100 on AMD EPYC, where the masked store is microcoded.)
#include <immintrin.h>

#include "word2vec_loop.h"

namespace neuron {
namespace {

inline float reduce_add(__m256 v) {
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_movehdup_ps(h));
  return _mm_cvtss_f32(h);
}

struct Avx2Word2Vec {
  // G dot products sharing each load of v; two accumulators per row halve the FMA dependency
  // chain (D = 100: 7 instead of 13 FMAs deep).
  template <int G>
  static void dots_group(const float* v, float* const* rows, std::int64_t D, float* out) {
    __m256 a0[G], a1[G];
    for (int g = 0; g < G; ++g) a0[g] = a1[g] = _mm256_setzero_ps();
    std::int64_t j = 0;
    for (; j + 16 <= D; j += 16) {
      const __m256 v0 = _mm256_loadu_ps(v + j);
      const __m256 v1 = _mm256_loadu_ps(v + j + 8);
      for (int g = 0; g < G; ++g) {
        a0[g] = _mm256_fmadd_ps(v0, _mm256_loadu_ps(rows[g] + j), a0[g]);
        a1[g] = _mm256_fmadd_ps(v1, _mm256_loadu_ps(rows[g] + j + 8), a1[g]);
      }
    }
    if (j + 8 <= D) {
      const __m256 v0 = _mm256_loadu_ps(v + j);
      for (int g = 0; g < G; ++g) a0[g] = _mm256_fmadd_ps(v0, _mm256_loadu_ps(rows[g] + j), a0[g]);
      j += 8;
    }
    float tail[G] = {};
    if (j + 4 <= D) {
      const __m128 v4 = _mm_loadu_ps(v + j);
      for (int g = 0; g < G; ++g) {
        const __m128 p = _mm_mul_ps(v4, _mm_loadu_ps(rows[g] + j));
        a1[g] = _mm256_add_ps(a1[g], _mm256_castps128_ps256(p));
      }
      j += 4;
    }
    for (; j < D; ++j) {
      for (int g = 0; g < G; ++g) tail[g] += v[j] * rows[g][j];
    }
    for (int g = 0; g < G; ++g) out[g] = reduce_add(_mm256_add_ps(a0[g], a1[g])) + tail[g];
  }

  // out[t] = v . rows[t] for t < n.  v, rows[t]: (D,)
  static void dots(const float* v, float* const* rows, int n, std::int64_t D, float* out) {
    int t = 0;
    for (; t + 4 <= n; t += 4) dots_group<4>(v, rows + t, D, out + t);
    switch (n - t) {
      case 3:
        dots_group<3>(v, rows + t, D, out + t);
        break;
      case 2:
        dots_group<2>(v, rows + t, D, out + t);
        break;
      case 1:
        dots_group<1>(v, rows + t, D, out + t);
        break;
      default:
        break;
    }
  }

  // For t < n: e += g[t] rows[t], rows[t] += g[t] v (v before the update); then v += e.
  // One walk over the vector: 8 floats of v and of e stay in registers while every row's 8 floats
  // are read, updated and written. The rows must be distinct.  v, rows[t]: (D,)  g: (n,)
  static void update(float* v, float* const* rows, const float* g, int n, std::int64_t D) {
    std::int64_t j = 0;
    for (; j + 8 <= D; j += 8) {
      const __m256 vj = _mm256_loadu_ps(v + j);
      __m256 e = _mm256_setzero_ps();
      for (int t = 0; t < n; ++t) {
        const __m256 gt = _mm256_broadcast_ss(g + t);
        __m256 u = _mm256_loadu_ps(rows[t] + j);
        e = _mm256_fmadd_ps(gt, u, e);
        u = _mm256_fmadd_ps(gt, vj, u);
        _mm256_storeu_ps(rows[t] + j, u);
      }
      _mm256_storeu_ps(v + j, _mm256_add_ps(vj, e));
    }
    if (j + 4 <= D) {
      const __m128 vj = _mm_loadu_ps(v + j);
      __m128 e = _mm_setzero_ps();
      for (int t = 0; t < n; ++t) {
        const __m128 gt = _mm_broadcast_ss(g + t);
        __m128 u = _mm_loadu_ps(rows[t] + j);
        e = _mm_fmadd_ps(gt, u, e);
        u = _mm_fmadd_ps(gt, vj, u);
        _mm_storeu_ps(rows[t] + j, u);
      }
      _mm_storeu_ps(v + j, _mm_add_ps(vj, e));
      j += 4;
    }
    for (; j < D; ++j) {
      const float vj = v[j];
      float e = 0.0f;
      for (int t = 0; t < n; ++t) {
        const float u = rows[t][j];
        e += g[t] * u;
        rows[t][j] = u + g[t] * vj;
      }
      v[j] = vj + e;
    }
  }
};

}  // namespace

Word2VecThreadResult word2vec_thread_avx2(Word2VecShared& shared, int thread) {
  return Word2VecLoop<Avx2Word2Vec>::run(shared, thread);
}

}  // namespace neuron
