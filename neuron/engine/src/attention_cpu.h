// Scaled dot-product attention on the CPU: the FlashAttention forward and backward, and the
// explicit probabilities for plots. Float32 and float64, row-major contiguous arrays:
//   q, out, dout, dq: (BH, T, D)   k, v, dk, dv: (BH, S, D)   lse: (BH, T)   probs: (BH, T, S)
// BH is batch x heads. Arguments are validated by the binding; these functions assume valid input
// and never throw. Threads come from the engine's pool (thread_pool.h).
#pragma once

#include <cstdint>

namespace neuron {

// out = softmax(scale q k^T, causal) v and lse = the log-sum-exp of each score row.
template <typename T>
void attention_forward_cpu(const T* q, const T* k, const T* v, T* out, T* lse, std::int64_t BH,
                           std::int64_t T_, std::int64_t S, std::int64_t D, T scale, bool causal);

// dq, dk, dv from the forward's out and lse and the gradient dout (written, not accumulated).
template <typename T>
void attention_backward_cpu(const T* q, const T* k, const T* v, const T* out, const T* dout,
                            const T* lse, T* dq, T* dk, T* dv, std::int64_t BH, std::int64_t T_,
                            std::int64_t S, std::int64_t D, T scale, bool causal);

// probs = softmax(scale q k^T, causal), recomputed from the forward's lse.
template <typename T>
void attention_probabilities_cpu(const T* q, const T* k, const T* lse, T* probs, std::int64_t BH,
                                 std::int64_t T_, std::int64_t S, std::int64_t D, T scale,
                                 bool causal);

}  // namespace neuron
