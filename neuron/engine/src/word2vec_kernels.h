// What one thread of the corpus loop needs, and the per-instruction-set entry points that run it.
//
// word2vec_cpu.cpp builds the shared tables once per call (the noise sampler, the sigmoid table),
// cuts the tokens into one contiguous range per thread and calls the thread function of the
// active SIMD level (word2vec_isa_*.cpp, each compiled with its own -m flags) on each range.
// The functions never throw and never allocate outside their own thread's buffers.
#pragma once

#include <atomic>
#include <cstdint>

#include "cpu_features.h"

namespace neuron {

// One cell of the sigmoid table: on [x_i, x_i + h) the functions are linear interpolations
//   q(x) = sigmoid(-x) = 1 / (1 + exp(x))   and   l(x) = log sigmoid(x) = -log(1 + exp(-x)).
struct SigmoidCell {
  float q;       // q(x_i)
  float q_step;  // q(x_i + h) - q(x_i)
  float l;       // l(x_i)
  float l_step;  // l(x_i + h) - l(x_i)
};

// The table covers [-kSigmoidRange, kSigmoidRange] in steps of 1 / kSigmoidCellsPerUnit.
constexpr int kSigmoidRange = 16;
constexpr int kSigmoidCellsPerUnit = 64;
constexpr int kSigmoidCells = 2 * kSigmoidRange * kSigmoidCellsPerUnit;  // + 1 end cell

// Walker's alias method: bucket i (drawn uniformly) yields i when a 32-bit uniform is below
// threshold, else alias. O(1) per draw: one multiply, one compare, one 8-byte load.
struct AliasEntry {
  std::uint32_t threshold;
  std::int32_t alias;
};

// Everything the threads share for one call. Counters written during the call live on their own
// cache lines so that threads bumping them do not slow each other's hot data.
struct Word2VecShared {
  // Model, (V, D) row-major, updated lock-free by every thread.
  float* w_in = nullptr;
  float* w_out = nullptr;
  std::int64_t V = 0;
  std::int64_t D = 0;

  // Corpus: tokens (N,), offsets (S+1,); per word keep probability (V,); noise sampler (V,).
  const std::int32_t* tokens = nullptr;
  std::int64_t N = 0;
  const std::int64_t* offsets = nullptr;
  std::int64_t S = 0;
  const float* keep_prob = nullptr;
  const AliasEntry* noise = nullptr;
  const SigmoidCell* sigmoid = nullptr;  // (kSigmoidCells + 1,)

  int window = 5;
  int negative = 5;
  float alpha_start = 0.025f;
  float alpha_end = 0.0001f;
  std::uint64_t seed = 1;
  int threads = 1;

  std::int64_t* control = nullptr;  // (4,) or null; see word2vec_cpu.h
  alignas(64) std::atomic<std::int64_t> words_done{0};
  alignas(64) std::atomic<bool> stop{false};
};

// What a thread returns.
struct Word2VecThreadResult {
  double loss = 0.0;
  std::int64_t pairs = 0;
  std::int64_t words = 0;
  std::int64_t kept_words = 0;
};

using Word2VecThreadFn = Word2VecThreadResult (*)(Word2VecShared& shared, int thread);

Word2VecThreadResult word2vec_thread_scalar(Word2VecShared& shared, int thread);
#if defined(NEURON_HAVE_AVX2)
Word2VecThreadResult word2vec_thread_avx2(Word2VecShared& shared, int thread);
#endif

// The thread function for a SIMD level (AVX-512 uses the AVX2 one; NEON the scalar one).
Word2VecThreadFn word2vec_thread_for(SimdLevel level);

}  // namespace neuron
