// The skip-gram negative-sampling loop of one thread, written once for any SIMD width.
//
// Legend: V vocabulary size, D vector size, k negatives, b the window drawn for a centre.
// For each sentence piece of the thread's token range:
//   1. subsampling: keep each occurrence of word w with probability keep_prob[w];
//   2. for each kept centre c: draw b uniform in {1..window}; for each kept context x within b
//      positions of c, train the pair (input x, output c) with k negatives from the noise
//      distribution (the context's vector predicts the centre, as in word2vec.c and gensim):
//        targets = [c, n_1..n_k] (a negative equal to c skipped), labels [1, 0, ..., 0]
//        s_t = v . u_t,  g_t = alpha (label_t - sigmoid(s_t))        v = W_in[x], u_t = W_out[t]
//        W_in[x] += sum_t g_t u_t,  u_t += g_t v                      (u_t, v before the pair)
//        loss += -log sigmoid(s_c) - sum_n log sigmoid(-s_n)
//      The other way round (v = W_in[c] for all 2b pairs of a window) forms the same pairs in
//      another order, and scored lower: 15.9% analogy and 0.253 similarity against 16.3% and
//      0.263, one thread, means of 10 seeds (gensim 16.2%, 0.263).
//
// Speed (one epoch, /work/shared/corpora, 1.03M in-vocabulary words, V = 9,150, D = 100, k = 5,
// window 5, sample 1e-3; 2-core AMD EPYC VM with AVX2 shared with other work; best of 3 runs,
// alternating with gensim; neuron.word2vec.bench.compare), effective words per second:
//   threads   engine    engine + encoding   gensim 4.4   engine / gensim
//   1         493k      391k                123k         4.0x
//   2         779k      608k                289k         2.7x
// Per pair about 300-400 ns; D = 100 runs as 12 full AVX2 registers + one 128-bit step (masked
// AVX2 loads/stores for the tail were 25% slower per pair).
//
// Two passes per pair. When the targets are distinct rows (98.3% of pairs with k = 5 on the
// project's corpora), the sequential update of the contract equals "all scores first, then all
// updates": K::dots computes the k+1 scores reading v once per 8 floats, and K::update walks the
// vector once, keeping v's and e's 8 floats in registers while it updates every u_t and finally v.
// A pair with a repeated negative takes the sequential path (each score sees the earlier update).
// Negatives come from Walker's alias table (O(1) per draw); all targets of a centre's window are
// drawn before it trains and their rows prefetched (5% faster per pair than prefetching each pair's
// rows just before its own dot products).
//
// Sigmoid: one lookup per target in a 2049-cell table over [-16, 16] (32 KiB, L1-resident) with
// linear interpolation of q(x) = sigmoid(-x) and log sigmoid(x), at x = s for the context and
// x = -s for a negative, so g = +-alpha q(x) and the loss term is -log sigmoid(x). Max error
// against the exact functions (tests/word2vec/test_engine.py): 3.2e-6 for sigmoid, 8.2e-6 for
// log sigmoid, 1.2e-7 outside the table (word2vec.c's 1000-entry table without interpolation:
// about 1.5e-3). The loss term costs 5-15% of the loop (best of 4 one-thread runs on a shared,
// noisy 2-core VM: 699k effective words/s without it, 548k-633k with it).
//
// Random numbers: splitmix64 per thread, its state a hash of (seed, thread) (thread_seed), so one
// thread is reproducible run to run and nearby seeds give unrelated streams. Bounded integers by
// multiply-shift (no division).
//
// Progress: every kSyncWords corpus words a thread adds its count to the shared counter (alpha
// follows it, as in word2vec.c), adds words and pairs to control[0..1] and reads control[2].
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <vector>

#include "word2vec_kernels.h"

namespace neuron {
// Internal linkage on purpose: each word2vec_isa_*.cpp compiles this header with its own -m flags,
// and a shared inline copy picked by the linker could run AVX2 code on a CPU without it.
namespace {

// Sentence pieces are at most this many corpus words; windows do not cross pieces (as gensim).
constexpr std::int64_t kMaxPieceWords = 10000;
// A thread syncs progress, alpha and the cancel flag after at least this many corpus words.
constexpr std::int64_t kSyncWords = 10000;

// Relaxed atomic access to the caller's int64 control array (plain memory owned by NumPy).
inline void control_add(std::int64_t* p, std::int64_t delta) {
#if defined(__GNUC__) || defined(__clang__)
  __atomic_fetch_add(p, delta, __ATOMIC_RELAXED);
#else
  reinterpret_cast<std::atomic<std::int64_t>*>(p)->fetch_add(delta, std::memory_order_relaxed);
#endif
}

inline std::int64_t control_load(const std::int64_t* p) {
#if defined(__GNUC__) || defined(__clang__)
  return __atomic_load_n(p, __ATOMIC_RELAXED);
#else
  return reinterpret_cast<const std::atomic<std::int64_t>*>(p)->load(std::memory_order_relaxed);
#endif
}

// splitmix64's output function: a bijection of 64-bit words that scatters nearby inputs.
inline std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ull;  // splitmix64's increment

struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t next() { return mix64(state += kGolden); }
};

// The starting state of a thread's generator. It must be hashed: two states that differ by a
// multiple of kGolden are one stream shifted. (The state used to be seed * kGolden + thread + 1,
// so seed s + 1 replayed seed s one draw later; the per-epoch seeds seed + epoch then fell into
// step within a few sentences and every epoch drew the same subsampling, windows and negatives,
// costing 2-4 points of analogy accuracy over 3 epochs.)
inline std::uint64_t thread_seed(std::uint64_t seed, int thread) {
  return mix64(mix64(seed) + static_cast<std::uint64_t>(thread) * kGolden + 1);
}

// Uniform in [0, n) from the top 32 bits of r (Lemire's multiply-shift; bias < n / 2^32).
inline std::uint32_t bounded(std::uint64_t r, std::uint32_t n) {
  return static_cast<std::uint32_t>(((r >> 32) * n) >> 32);
}

// q = sigmoid(-x) and l = log sigmoid(x) from the table (x = NaN gives q = 1, l = NaN).
inline void sigmoid_lookup(const SigmoidCell* table, float x, float* q, float* l) {
  const float position = (x + kSigmoidRange) * kSigmoidCellsPerUnit;
  if (position >= 0.0f && position < static_cast<float>(kSigmoidCells)) {
    const int i = static_cast<int>(position);
    const float t = position - static_cast<float>(i);
    const SigmoidCell& cell = table[i];
    *q = cell.q + t * cell.q_step;
    *l = cell.l + t * cell.l_step;
  } else if (position >= static_cast<float>(kSigmoidCells)) {
    *q = 0.0f;  // sigmoid(-x) < 1.2e-7
    *l = 0.0f;  // -log(1 + exp(-x)) > -1.2e-7
  } else {
    *q = 1.0f;
    *l = x;  // log sigmoid(x) = x - log(1 + exp(x)), the correction < 1.2e-7
  }
}

template <class K>
struct Word2VecLoop {
  static void prefetch_row(const float* row, std::int64_t D) {
#if defined(__GNUC__) || defined(__clang__)
    const char* p = reinterpret_cast<const char*>(row);
    for (std::int64_t off = 0; off < D * 4; off += 64) __builtin_prefetch(p + off, 1, 3);
#else
    (void)row;
    (void)D;
#endif
  }

  struct State {
    Word2VecShared& sh;
    SplitMix64 rng;
    float alpha;
    Word2VecThreadResult result;
    std::vector<float*> rows;    // (2 window, k+1) W_out rows of each pair's targets
    std::vector<int> n_targets;  // (2 window,)
    std::vector<float*> inputs;  // (2 window,) the W_in row each pair updates
    std::vector<char> repeated;  // (2 window,) whether a pair's negatives repeat a row
    std::vector<float> scores;   // (k+1,)
    std::vector<float> g;        // (k+1,)
    std::vector<float> e;        // (D,) the sequential path's update of v
  };

  // Draws the targets of a pair: its output word, then the negatives that differ from it.
  // rows: (k+1,) filled with W_out rows; returns how many; sets *repeated if a row repeats.
  static int draw_targets(State& st, std::int32_t output, float** rows, char* repeated) {
    Word2VecShared& sh = st.sh;
    const std::int64_t D = sh.D;
    const auto V = static_cast<std::uint32_t>(sh.V);
    int n = 0;
    *repeated = 0;
    rows[n++] = sh.w_out + static_cast<std::int64_t>(output) * D;
    for (int q = 0; q < sh.negative; ++q) {
      const std::uint64_t r = st.rng.next();
      const std::uint32_t bucket = bounded(r, V);
      const AliasEntry entry = sh.noise[bucket];
      const std::int32_t w = static_cast<std::uint32_t>(r) < entry.threshold
                                 ? static_cast<std::int32_t>(bucket)
                                 : entry.alias;
      if (w == output) continue;
      float* row = sh.w_out + static_cast<std::int64_t>(w) * D;
      for (int m = 1; m < n; ++m) *repeated |= rows[m] == row;
      rows[n++] = row;
    }
    return n;
  }

  // One SGD step for input vector v against targets rows[0..n) (rows[0] the output word).
  static void train_pair(State& st, float* v, float* const* rows, int n, bool repeated) {
    Word2VecShared& sh = st.sh;
    const std::int64_t D = sh.D;
    if (!repeated) {
      // All scores, then the gradients, then one fused pass of updates.
      K::dots(v, rows, n, D, st.scores.data());
      double loss = 0.0;
      for (int t = 0; t < n; ++t) {
        const float x = t == 0 ? st.scores[t] : -st.scores[t];
        float q, l;
        sigmoid_lookup(sh.sigmoid, x, &q, &l);
        st.g[t] = t == 0 ? st.alpha * q : -st.alpha * q;
        loss -= l;
      }
      st.result.loss += loss;
      K::update(v, rows, st.g.data(), n, D);
    } else {
      // Sequential: each target's score sees the updates of the targets before it.
      std::fill(st.e.begin(), st.e.end(), 0.0f);
      for (int t = 0; t < n; ++t) {
        float s;
        K::dots(v, &rows[t], 1, D, &s);
        float q, l;
        sigmoid_lookup(sh.sigmoid, t == 0 ? s : -s, &q, &l);
        const float g = t == 0 ? st.alpha * q : -st.alpha * q;
        st.result.loss -= l;
        float* u = rows[t];
        for (std::int64_t j = 0; j < D; ++j) st.e[j] += g * u[j];
        for (std::int64_t j = 0; j < D; ++j) u[j] += g * v[j];
      }
      for (std::int64_t j = 0; j < D; ++j) v[j] += st.e[j];
    }
    ++st.result.pairs;
  }

  // Adds this thread's progress to the shared counters; false when the call should stop.
  static bool sync(State& st, std::int64_t words, std::int64_t pairs) {
    Word2VecShared& sh = st.sh;
    const std::int64_t done = sh.words_done.fetch_add(words, std::memory_order_relaxed) + words;
    const double progress = std::min(1.0, static_cast<double>(done) / static_cast<double>(sh.N));
    st.alpha = static_cast<float>(sh.alpha_start + (sh.alpha_end - sh.alpha_start) * progress);
    if (sh.control != nullptr) {
      control_add(&sh.control[0], words);
      control_add(&sh.control[1], pairs);
      if (control_load(&sh.control[2]) != 0) sh.stop.store(true, std::memory_order_relaxed);
    }
    return !sh.stop.load(std::memory_order_relaxed);
  }

  static Word2VecThreadResult run(Word2VecShared& sh, int thread) {
    const std::int64_t D = sh.D;
    const int k = sh.negative;
    const int max_pairs = 2 * sh.window;
    State st{sh,
             SplitMix64{thread_seed(sh.seed, thread)},
             sh.alpha_start,
             {},
             std::vector<float*>(static_cast<std::size_t>(max_pairs) * (k + 1)),
             std::vector<int>(max_pairs),
             std::vector<float*>(max_pairs),
             std::vector<char>(max_pairs),
             std::vector<float>(k + 1),
             std::vector<float>(k + 1),
             std::vector<float>(D)};
    st.rng.next();
    std::vector<std::int32_t> kept(kMaxPieceWords);  // (piece,) the subsampled piece

    // This thread's tokens: a contiguous range; sentences that straddle its ends are cut.
    const std::int64_t begin = sh.N * thread / sh.threads;
    const std::int64_t end = sh.N * (thread + 1) / sh.threads;
    std::int64_t sentence =
        std::upper_bound(sh.offsets, sh.offsets + sh.S + 1, begin) - sh.offsets - 1;
    std::int64_t unsynced_words = 0;
    std::int64_t pairs_at_sync = 0;
    bool running = true;

    for (std::int64_t start = begin; running && start < end;) {
      while (sh.offsets[sentence + 1] <= start) ++sentence;
      const std::int64_t stop = std::min({end, sh.offsets[sentence + 1], start + kMaxPieceWords});

      // 1. Subsampling.
      int m = 0;
      for (std::int64_t i = start; i < stop; ++i) {
        const std::int32_t w = sh.tokens[i];
        const float u = static_cast<float>(st.rng.next() >> 40) * (1.0f / 16777216.0f);
        if (u < sh.keep_prob[w]) kept[m++] = w;
      }
      st.result.words += stop - start;
      st.result.kept_words += m;
      unsynced_words += stop - start;
      start = stop;

      // 2. Windows and pairs: input kept[j] (a context), output kept[i] (the centre). All pairs
      // of a centre are drawn first and their rows prefetched, so the rows of later pairs
      // arrive while the earlier ones train.
      for (int i = 0; i < m; ++i) {
        const int b = 1 + static_cast<int>(bounded(st.rng.next(), sh.window));
        const int lo = std::max(0, i - b);
        const int hi = std::min(m - 1, i + b);
        int pairs = 0;
        for (int j = lo; j <= hi; ++j) {
          if (j == i) continue;
          float** rows = &st.rows[static_cast<std::size_t>(pairs) * (k + 1)];
          st.n_targets[pairs] = draw_targets(st, kept[i], rows, &st.repeated[pairs]);
          st.inputs[pairs] = sh.w_in + static_cast<std::int64_t>(kept[j]) * D;
          for (int t = 0; t < st.n_targets[pairs]; ++t) prefetch_row(rows[t], D);
          prefetch_row(st.inputs[pairs], D);
          ++pairs;
        }
        for (int q = 0; q < pairs; ++q) {
          float** rows = &st.rows[static_cast<std::size_t>(q) * (k + 1)];
          train_pair(st, st.inputs[q], rows, st.n_targets[q], st.repeated[q] != 0);
        }
      }

      if (unsynced_words >= kSyncWords || start >= end) {
        running = sync(st, unsynced_words, st.result.pairs - pairs_at_sync);
        unsynced_words = 0;
        pairs_at_sync = st.result.pairs;
      }
    }
    return st.result;
  }
};

}  // namespace
}  // namespace neuron
