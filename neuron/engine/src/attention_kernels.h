// The CPU attention kernels, one table per SIMD instruction set (see attention_tiles.h for the
// algorithm and attention_cpu.cpp for the threading).
//
// Legend: BH batch x heads, T queries, S keys, D head dimension; Br queries and Bc keys per tile.
// Every array is row-major and contiguous: q, out, dout, dq (BH, T, D); k, v, dk, dv (BH, S, D);
// lse (BH, T); probabilities (BH, T, S). Functions never throw and never allocate: each call gets
// a scratch buffer of attention_scratch_size(D) elements that only it uses.
#pragma once

#include <cstdint>

#include "cpu_features.h"

namespace neuron {

// Queries per tile (Br): a task's rows of the output, and the columns of every transposed tile.
constexpr std::int64_t kAttentionBlockQ = 64;
// Keys per tile (Bc): the rows of the score tile and of the K and V tiles read per step.
constexpr std::int64_t kAttentionBlockK = 64;

// Scratch elements one tile call needs: two packed (D, Br) tiles, two (Bc, Br) tiles and four
// (Br,) vectors.
constexpr std::int64_t attention_scratch_size(std::int64_t D) {
  return 2 * D * kAttentionBlockQ + 2 * kAttentionBlockK * kAttentionBlockQ + 4 * kAttentionBlockQ;
}

template <typename T>
struct AttentionProblem {
  const T* q;  // (BH, T, D)
  const T* k;  // (BH, S, D)
  const T* v;  // (BH, S, D)
  std::int64_t BH, T_, S, D;
  T scale;      // multiplies q . k; usually 1 / sqrt(D)
  bool causal;  // query i sees keys j <= i (top-left aligned when T != S)
};

template <typename T>
struct AttentionTileKernels {
  // Forward of query tile [i0, i0 + Br) of head bh: its rows of out (BH, T, D) and lse (BH, T).
  void (*forward)(const AttentionProblem<T>& p, std::int64_t bh, std::int64_t i0, T* out, T* lse,
                  T* scratch);

  // Backward of head bh for the keys [key_begin, key_end) (a multiple of Bc apart, or to S), from
  // out, dout (BH, T, D) and lse (BH, T): writes (not adds) those keys' rows of dk and dv
  // (BH, S, D), and this key range's part of the head's dq into dq_head (T, D).
  void (*backward)(const AttentionProblem<T>& p, std::int64_t bh, std::int64_t key_begin,
                   std::int64_t key_end, const T* out, const T* dout, const T* lse, T* dq_head,
                   T* dk, T* dv, T* scratch);

  // The probabilities of query tile [i0, i0 + Br) of head bh, recomputed from lse (BH, T):
  // writes those rows of probs (BH, T, S), zeros where the causal mask hides a key.
  void (*probabilities)(const AttentionProblem<T>& p, std::int64_t bh, std::int64_t i0,
                        const T* lse, T* probs, T* scratch);
};

struct AttentionIsaKernels {
  AttentionTileKernels<float> f32;
  AttentionTileKernels<double> f64;
};

const AttentionIsaKernels& attention_scalar_kernels();
#if defined(NEURON_HAVE_AVX2)
const AttentionIsaKernels& attention_avx2_kernels();
#endif
#if defined(NEURON_HAVE_AVX512)
const AttentionIsaKernels& attention_avx512_kernels();
#endif
#if defined(NEURON_HAVE_NEON)
const AttentionIsaKernels& attention_neon_kernels();
#endif

// The table for a level; the level must be available (see cpu_features.h).
const AttentionIsaKernels& attention_kernels_for(SimdLevel level);

}  // namespace neuron
