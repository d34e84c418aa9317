// Portable scalar dot products and updates for the word2vec loop: the fallback on every machine
// and the baseline the SIMD path is tested against (neuron.engine.set_simd("scalar")).
#include "word2vec_loop.h"

namespace neuron {
namespace {

struct ScalarWord2Vec {
  // out[t] = v . rows[t] for t < n.  v, rows[t]: (D,)
  static void dots(const float* v, float* const* rows, int n, std::int64_t D, float* out) {
    for (int t = 0; t < n; ++t) {
      const float* u = rows[t];
      float s = 0.0f;
      for (std::int64_t j = 0; j < D; ++j) s += v[j] * u[j];
      out[t] = s;
    }
  }

  // For t < n: e += g[t] rows[t], rows[t] += g[t] v (v before the update); then v += e.
  // The rows must be distinct.  v, rows[t]: (D,)  g: (n,)
  static void update(float* v, float* const* rows, const float* g, int n, std::int64_t D) {
    for (std::int64_t j = 0; j < D; ++j) {
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

Word2VecThreadResult word2vec_thread_scalar(Word2VecShared& shared, int thread) {
  return Word2VecLoop<ScalarWord2Vec>::run(shared, thread);
}

}  // namespace neuron
