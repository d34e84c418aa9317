// FlashAttention on the CPU, written once for any SIMD width (the V parameter: simd_*.h).
//
// Legend: T queries, S keys, D head dimension, Br queries and Bc keys per tile
// (attention_kernels.h), s = scale. For one head, with q (T, D), k and v (S, D):
//   out = softmax(s q k^T + causal mask) v,   lse_i = log sum_j exp(s q_i . k_j)
// The T x S matrix is never held: only one (Bc, Br) tile of it at a time.
//
// Forward (one task per query tile): pack s q^T once, (D, Br), then for each key tile
//   1. St = K_j (s Q)^T                     (Bc, Br) scores, transposed
//   2. mask the diagonal tile when causal; tiles wholly above the diagonal are never visited
//   3. online softmax per query column i:  m' = max(m, max_j St_ji),  a = exp(m - m'),
//      St_ji = exp(St_ji - m'),  l = a l + sum_j St_ji           (now Pt, the unnormalised P^T)
//   4. O_i *= a_i;  O += Pt^T V_j            (Br, D)
// and at the end O_i /= l_i, lse_i = m_i + log l_i. Because the scores of a tile are transposed,
// step 3 runs W queries per vector and needs no horizontal reductions.
//
// Backward (FlashAttention-2; a task is a head, or a range of its keys; query tiles outer, key
// tiles inner):
//   Dv_i = dO_i . O_i;  Pt = exp(K_j (s Q)^T - lse)                (Bc, Br)
//   dV_j += Pt dO;  dPt = V_j dO^T;  dSt = s Pt o (dPt - Dv)        (Bc, Br)
//   dK_j += dSt Q;  dQ += dSt^T K_j
// Why dSt takes Dv: the softmax Jacobian-vector product is dS = P o (dP - rowsum(P o dP)) and
// rowsum(P o dP) = rowsum(P o dO V^T) = dO_i . O_i, a dot product of two rows we already have.
//
// Every matrix product above is one call of gemm(): C (m, n) (+)= A (m, kc) B (kc, n), with B and
// C row-major and A read through two strides, so a transposed tile is read in place. Its
// register block is kMR rows by 2 vectors of columns: per step of kc, 2 loads of B, kMR
// broadcasts of A and 2 kMR fused multiply-adds (AVX2: 6 x 16 floats in 12 of the 16 registers;
// AVX-512: 12 x 32 floats in 24 of 32). Columns left over use one vector, then scalar code.
//
// Memory: per call, scratch of attention_scratch_size(D) elements (64 KiB for D = 64, float32);
// besides the output only lse (T per head) is kept, so extra memory grows with T, not T^2.
//
// Speed (2-core AMD EPYC VM with AVX2, 2 threads, B = 1, H = 8, D = 64, float32; neuron bench
// attention, interleaved with torch 2.13 SDPA): forward 107-123 GFLOP/s for T from 512 to 4096,
// 0.99-1.24x SDPA; forward+backward 95-142 GFLOP/s, 1.07-1.68x. Tried and measured: unrolling
// the product's k loop by 4 took the one-thread forward from 0.81-0.92x to 0.98x of SDPA (by 8:
// no better); tiles of 32 keys or of 128 queries were 5-15% slower than 64 x 64; the polynomial
// exp costs nothing measurable (replacing it by a subtraction left the time unchanged).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "attention_kernels.h"

namespace neuron {
namespace {

template <class V>
struct AttentionTiles {
  using T = typename V::T;
  using R = typename V::R;
  static constexpr int W = V::W;
  static constexpr std::int64_t Br = kAttentionBlockQ;
  static constexpr std::int64_t Bc = kAttentionBlockK;
  // Rows of the register block: two accumulators per row plus two B vectors and one broadcast.
  static constexpr int kMR = std::min(12, (V::kRegisters - 3) / 2);
  static_assert(Br % (2 * W) == 0, "a query tile must be whole register blocks");

  // ---- the matrix product -----------------------------------------------------------------------

  // C (M, NV W) (+)= A (M, kc) B (kc, NV W); a(i, p) = A[i a_rs + p a_cs]. With colmax, also
  // colmax[c] = max(colmax[c], max_i C[i][c]) while the block is still in registers.
  template <int M, int NV>
  static void block(const T* A, std::int64_t a_rs, std::int64_t a_cs, const T* B,
                    std::int64_t ldb, T* C, std::int64_t ldc, std::int64_t kc, bool accumulate,
                    T* colmax) {
    R acc[M][NV];
    for (int i = 0; i < M; ++i) {
      for (int c = 0; c < NV; ++c) {
        acc[i][c] = accumulate ? V::load(C + i * ldc + c * W) : V::set1(T(0));
      }
    }
#pragma GCC unroll 4
    for (std::int64_t p = 0; p < kc; ++p) {
      R b[NV];
      for (int c = 0; c < NV; ++c) b[c] = V::load(B + p * ldb + c * W);
      const T* a = A + p * a_cs;
      for (int i = 0; i < M; ++i) {
        const R ai = V::set1(a[i * a_rs]);
        for (int c = 0; c < NV; ++c) acc[i][c] = V::fma(ai, b[c], acc[i][c]);
      }
    }
    for (int i = 0; i < M; ++i) {
      for (int c = 0; c < NV; ++c) V::store(C + i * ldc + c * W, acc[i][c]);
    }
    if (colmax != nullptr) {
      for (int c = 0; c < NV; ++c) {
        R m = V::load(colmax + c * W);
        for (int i = 0; i < M; ++i) m = V::max(m, acc[i][c]);
        V::store(colmax + c * W, m);
      }
    }
  }

  // block<M, NV> for a run-time m in 1..kMR.
  template <int NV, int M = 1>
  static void block_rows(int m, const T* A, std::int64_t a_rs, std::int64_t a_cs, const T* B,
                         std::int64_t ldb, T* C, std::int64_t ldc, std::int64_t kc,
                         bool accumulate, T* colmax) {
    if constexpr (M < kMR) {
      if (m != M) {
        block_rows<NV, M + 1>(m, A, a_rs, a_cs, B, ldb, C, ldc, kc, accumulate, colmax);
        return;
      }
    }
    block<M, NV>(A, a_rs, a_cs, B, ldb, C, ldc, kc, accumulate, colmax);
  }

  // C (m, n) (+)= A (m, kc) B (kc, n): B row-major (row stride ldb), C row-major (ldc).
  // colmax (n,), when given, gets the maximum of each column of C folded in (n must then be a
  // multiple of 2 W, as a query tile is).
  static void gemm(std::int64_t m, std::int64_t n, std::int64_t kc, const T* A, std::int64_t a_rs,
                   std::int64_t a_cs, const T* B, std::int64_t ldb, T* C, std::int64_t ldc,
                   bool accumulate, T* colmax = nullptr) {
    std::int64_t j = 0;
    for (; j + 2 * W <= n; j += 2 * W) {
      for (std::int64_t i = 0; i < m; i += kMR) {
        const int rows = static_cast<int>(std::min<std::int64_t>(kMR, m - i));
        block_rows<2>(rows, A + i * a_rs, a_rs, a_cs, B + j, ldb, C + i * ldc + j, ldc, kc,
                      accumulate, colmax == nullptr ? nullptr : colmax + j);
      }
    }
    if (j + W <= n) {
      for (std::int64_t i = 0; i < m; i += kMR) {
        const int rows = static_cast<int>(std::min<std::int64_t>(kMR, m - i));
        block_rows<1>(rows, A + i * a_rs, a_rs, a_cs, B + j, ldb, C + i * ldc + j, ldc, kc,
                      accumulate, colmax == nullptr ? nullptr : colmax + j);
      }
      j += W;
    }
    // Fewer than W columns left (a head dimension that is not a multiple of W).
    for (std::int64_t i = 0; i < m; ++i) {
      for (std::int64_t c = j; c < n; ++c) {
        T sum = accumulate ? C[i * ldc + c] : T(0);
        for (std::int64_t p = 0; p < kc; ++p) sum += A[i * a_rs + p * a_cs] * B[p * ldb + c];
        C[i * ldc + c] = sum;
      }
    }
  }

  // ---- small helpers ----------------------------------------------------------------------------

  static void scale_row(T* x, std::int64_t n, T a) {
    const R av = V::set1(a);
    std::int64_t j = 0;
    for (; j + W <= n; j += W) V::store(x + j, V::mul(V::load(x + j), av));
    for (; j < n; ++j) x[j] *= a;
  }

  static T dot(const T* x, const T* y, std::int64_t n) {
    R acc = V::set1(T(0));
    std::int64_t j = 0;
    for (; j + W <= n; j += W) acc = V::fma(V::load(x + j), V::load(y + j), acc);
    T sum = V::reduce_add(acc);
    for (; j < n; ++j) sum += x[j] * y[j];
    return sum;
  }

  // xt (D, Br) = a x^T for the rows of x (rows, D); columns past rows are zero.
  static void pack_transposed(const T* x, std::int64_t rows, std::int64_t D, T a, T* xt) {
    for (std::int64_t d = 0; d < D; ++d) {
      T* out = xt + d * Br;
      for (std::int64_t i = 0; i < rows; ++i) out[i] = a * x[i * D + d];
      for (std::int64_t i = rows; i < Br; ++i) out[i] = T(0);
    }
  }

  // The causal mask on a transposed tile: key j0 + jj is hidden from query i0 + i when
  // j0 + jj > i0 + i. Only tiles that straddle the diagonal have such entries.
  static void mask_tile(T* t, std::int64_t i0, std::int64_t rows, std::int64_t j0, std::int64_t nk,
                        T value) {
    for (std::int64_t jj = 0; jj < nk; ++jj) {
      const std::int64_t hidden = std::min(rows, j0 + jj - i0);  // queries i < hidden
      for (std::int64_t i = 0; i < hidden; ++i) t[jj * Br + i] = value;
    }
  }

  // Pt = exp(St - lse) in place, lse per query column (Br,).
  static void exp_minus(T* st, std::int64_t nk, const T* lse) {
    for (std::int64_t i = 0; i < Br; i += W) {
      const R l = V::load(lse + i);
      for (std::int64_t jj = 0; jj < nk; ++jj) {
        T* s = st + jj * Br + i;
        V::store(s, V::exp(V::sub(V::load(s), l)));
      }
    }
  }

  // ---- forward ----------------------------------------------------------------------------------

  static void forward(const AttentionProblem<T>& p, std::int64_t bh, std::int64_t i0, T* out,
                      T* lse, T* scratch) {
    const std::int64_t D = p.D;
    const std::int64_t rows = std::min(Br, p.T_ - i0);
    const T* q = p.q + (bh * p.T_ + i0) * D;  // (rows, D)
    const T* k = p.k + bh * p.S * D;          // (S, D)
    const T* v = p.v + bh * p.S * D;          // (S, D)
    T* o = out + (bh * p.T_ + i0) * D;        // (rows, D) the accumulator, then the output
    T* qt = scratch;                          // (D, Br) s q^T
    T* st = qt + D * Br;                      // (Bc, Br) scores, then probabilities
    T* m = st + Bc * Br;                      // (Br,) running maximum
    T* l = m + Br;                            // (Br,) running sum
    T* a = l + Br;                            // (Br,) this tile's rescaling factor
    T* m_new = a + Br;                        // (Br,) the maximum after this tile

    pack_transposed(q, rows, D, p.scale, qt);
    std::fill(o, o + rows * D, T(0));
    std::fill(m, m + Br, -std::numeric_limits<T>::infinity());
    std::fill(l, l + Br, T(0));

    // Keys past the tile's last query are hidden from all its rows.
    const std::int64_t key_end = p.causal ? std::min(p.S, i0 + rows) : p.S;
    for (std::int64_t j0 = 0; j0 < key_end; j0 += Bc) {
      const std::int64_t nk = std::min(Bc, key_end - j0);

      // 1. Scores, transposed: st (nk, Br) = k_j (s q)^T. Off the diagonal, the product also
      // folds each query's maximum into m_new, saving a pass over the tile.
      const bool diagonal = p.causal && j0 + nk - 1 > i0;
      std::copy(m, m + Br, m_new);
      gemm(nk, Br, D, k + j0 * D, D, 1, qt, Br, st, Br, false, diagonal ? nullptr : m_new);

      // 2. The diagonal tile: mask, then take the maximum. Key 0 is in the first tile and
      // visible to every query, so each row's maximum is finite from the first tile on.
      if (diagonal) {
        mask_tile(st, i0, rows, j0, nk, -std::numeric_limits<T>::infinity());
        for (std::int64_t i = 0; i < Br; i += W) {
          R mx = V::load(m_new + i);
          for (std::int64_t jj = 0; jj < nk; ++jj) mx = V::max(mx, V::load(st + jj * Br + i));
          V::store(m_new + i, mx);
        }
      }

      // 3. Online softmax, W query columns per vector.
      for (std::int64_t i = 0; i < Br; i += W) {
        const R m_old = V::load(m + i);
        const R m_new_i = V::load(m_new + i);
        const R rescale = V::exp(V::sub(m_old, m_new_i));  // exp(-inf) = 0 on the first tile
        R sum = V::set1(T(0));
        for (std::int64_t jj = 0; jj < nk; ++jj) {
          T* s = st + jj * Br + i;
          const R e = V::exp(V::sub(V::load(s), m_new_i));
          V::store(s, e);
          sum = V::add(sum, e);
        }
        V::store(m + i, m_new_i);
        V::store(a + i, rescale);
        V::store(l + i, V::fma(V::load(l + i), rescale, sum));
      }

      // 4. Rescale the accumulator, then add this tile: o (rows, D) += pt^T (rows, nk) v_j.
      if (j0 > 0) {
        for (std::int64_t i = 0; i < rows; ++i) {
          if (a[i] != T(1)) scale_row(o + i * D, D, a[i]);
        }
      }
      gemm(rows, D, nk, st, 1, Br, v + j0 * D, D, o, D, true);
    }

    // 5. Normalise and keep the log-sum-exp for the backward pass.
    T* lse_rows = lse + bh * p.T_ + i0;  // (rows,)
    for (std::int64_t i = 0; i < rows; ++i) {
      scale_row(o + i * D, D, T(1) / l[i]);
      lse_rows[i] = m[i] + std::log(l[i]);
    }
  }

  // ---- backward ---------------------------------------------------------------------------------

  static void backward(const AttentionProblem<T>& p, std::int64_t bh, std::int64_t key_begin,
                       std::int64_t key_end, const T* out, const T* dout, const T* lse,
                       T* dq_head, T* dk, T* dv, T* scratch) {
    const std::int64_t D = p.D, T_ = p.T_, S = p.S;
    const T* q = p.q + bh * T_ * D;    // (T, D)
    const T* k = p.k + bh * S * D;     // (S, D)
    const T* v = p.v + bh * S * D;     // (S, D)
    const T* o = out + bh * T_ * D;    // (T, D)
    const T* d_o = dout + bh * T_ * D;  // (T, D)
    const T* lse_h = lse + bh * T_;    // (T,)
    T* dq_h = dq_head;                 // (T, D)
    T* dk_h = dk + bh * S * D;         // (S, D)
    T* dv_h = dv + bh * S * D;         // (S, D)
    T* qt = scratch;                   // (D, Br) s q^T
    T* dot_t = qt + D * Br;            // (D, Br) dO^T
    T* pt = dot_t + D * Br;            // (Bc, Br) P^T
    T* dpt = pt + Bc * Br;             // (Bc, Br) dP^T, then dS^T
    T* dvec = dpt + Bc * Br;           // (Br,) dO_i . O_i
    T* lse_t = dvec + Br;              // (Br,) lse of the tile's queries

    std::fill(dq_h, dq_h + T_ * D, T(0));
    std::fill(dk_h + key_begin * D, dk_h + key_end * D, T(0));
    std::fill(dv_h + key_begin * D, dv_h + key_end * D, T(0));

    // With the causal mask, query tiles that end before key_begin see none of these keys.
    const std::int64_t first_query = p.causal ? key_begin / Br * Br : 0;
    for (std::int64_t i0 = first_query; i0 < T_; i0 += Br) {
      const std::int64_t rows = std::min(Br, T_ - i0);

      // The query tile's packed operands. Columns past rows get lse = +inf, so their P is 0.
      pack_transposed(q + i0 * D, rows, D, p.scale, qt);
      pack_transposed(d_o + i0 * D, rows, D, T(1), dot_t);
      for (std::int64_t i = 0; i < Br; ++i) {
        dvec[i] = i < rows ? dot(d_o + (i0 + i) * D, o + (i0 + i) * D, D) : T(0);
        lse_t[i] = i < rows ? lse_h[i0 + i] : std::numeric_limits<T>::infinity();
      }

      const std::int64_t keys_seen = p.causal ? std::min(key_end, i0 + rows) : key_end;
      for (std::int64_t j0 = key_begin; j0 < keys_seen; j0 += Bc) {
        const std::int64_t nk = std::min(Bc, keys_seen - j0);
        const T* k_j = k + j0 * D;  // (nk, D)
        const T* v_j = v + j0 * D;  // (nk, D)

        // P^T recomputed from the saved log-sum-exp: no running maximum needed.
        gemm(nk, Br, D, k_j, D, 1, qt, Br, pt, Br, false);
        exp_minus(pt, nk, lse_t);
        if (p.causal && j0 + nk - 1 > i0) mask_tile(pt, i0, rows, j0, nk, T(0));

        // dV_j (nk, D) += P^T (nk, rows) dO_i (rows, D).
        gemm(nk, D, rows, pt, Br, 1, d_o + i0 * D, D, dv_h + j0 * D, D, true);

        // dP^T (nk, Br) = V_j dO_i^T, then dS^T = s P^T o (dP^T - Dv).
        gemm(nk, Br, D, v_j, D, 1, dot_t, Br, dpt, Br, false);
        const R sv = V::set1(p.scale);
        for (std::int64_t i = 0; i < Br; i += W) {
          const R dvi = V::load(dvec + i);
          for (std::int64_t jj = 0; jj < nk; ++jj) {
            T* ds = dpt + jj * Br + i;
            const R pij = V::load(pt + jj * Br + i);
            V::store(ds, V::mul(sv, V::mul(pij, V::sub(V::load(ds), dvi))));
          }
        }

        // dK_j (nk, D) += dS^T (nk, rows) Q_i (rows, D);  dQ_i (rows, D) += dS (rows, nk) K_j.
        gemm(nk, D, rows, dpt, Br, 1, q + i0 * D, D, dk_h + j0 * D, D, true);
        gemm(rows, D, nk, dpt, 1, Br, k_j, D, dq_h + i0 * D, D, true);
      }
    }
  }

  // ---- probabilities ----------------------------------------------------------------------------

  static void probabilities(const AttentionProblem<T>& p, std::int64_t bh, std::int64_t i0,
                            const T* lse, T* probs, T* scratch) {
    const std::int64_t D = p.D, S = p.S;
    const std::int64_t rows = std::min(Br, p.T_ - i0);
    const T* q = p.q + (bh * p.T_ + i0) * D;      // (rows, D)
    const T* k = p.k + bh * S * D;                // (S, D)
    T* prob_rows = probs + (bh * p.T_ + i0) * S;  // (rows, S)
    T* qt = scratch;                              // (D, Br)
    T* pt = qt + D * Br;                          // (Bc, Br)
    T* lse_t = pt + Bc * Br;                      // (Br,)

    pack_transposed(q, rows, D, p.scale, qt);
    for (std::int64_t i = 0; i < Br; ++i) {
      lse_t[i] = i < rows ? lse[bh * p.T_ + i0 + i] : std::numeric_limits<T>::infinity();
    }
    const std::int64_t key_end = p.causal ? std::min(S, i0 + rows) : S;
    for (std::int64_t j0 = 0; j0 < key_end; j0 += Bc) {
      const std::int64_t nk = std::min(Bc, key_end - j0);
      gemm(nk, Br, D, k + j0 * D, D, 1, qt, Br, pt, Br, false);
      exp_minus(pt, nk, lse_t);
      if (p.causal && j0 + nk - 1 > i0) mask_tile(pt, i0, rows, j0, nk, T(0));
      for (std::int64_t i = 0; i < rows; ++i) {
        for (std::int64_t jj = 0; jj < nk; ++jj) prob_rows[i * S + j0 + jj] = pt[jj * Br + i];
      }
    }
    // Keys no query of the tile may see.
    for (std::int64_t i = 0; i < rows; ++i) {
      std::fill(prob_rows + i * S + key_end, prob_rows + (i + 1) * S, T(0));
    }
  }

  static AttentionTileKernels<T> table() { return {&forward, &backward, &probabilities}; }
};

}  // namespace
}  // namespace neuron
