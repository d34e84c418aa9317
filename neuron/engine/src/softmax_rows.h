// Softmax and log-softmax over the rows of a matrix, written once for any SIMD width.
//
// Legend: x the logits, y the output, dy the incoming gradient, dx the outgoing one; a row has
// `cols` entries; m is the row maximum, s the row sum of exp(x - m).
//
//   softmax      y_j  = exp(x_j - m) / s
//   log_softmax  y_j  = (x_j - m) - log(s)
//   softmax      dx_j = y_j * (dy_j - sum_k dy_k y_k)
//   log_softmax  dx_j = dy_j - exp(y_j) * sum_k dy_k
//
// Subtracting m makes every exponent <= 0, so exp never overflows and the largest term is exactly
// 1, so s >= 1 and log(s) is well conditioned. A fully masked row (all -inf) has m = -inf and
// x - m = NaN, so its output is NaN, the same rule as torch.softmax.
//
// Memory order: each row is read once from memory for the maximum and then again (from L1/L2,
// a 4096-float row is 16 KiB) for the fused exp-and-sum; softmax then rescales while the row is
// still in cache. So a row costs one read of x and one write of y from main memory. For outputs
// too big for the cache, y is written with non-temporal stores, which skip the read-for-ownership
// a normal store makes: 8 instead of 12 bytes of memory traffic per float32 element.
//
// Threads: softmax_cpu.cpp gives each thread a contiguous chunk of whole rows; a row is never
// split, so results do not depend on the thread count. No launch limits beyond int64 sizes.
//
// Measured on a 2-core AMD EPYC VM (AVX2, no AVX-512), 2 threads, 4096 x 4096 float32, median of
// 15 runs into a preallocated output: forward 12-13 ms (torch.softmax with out=: 16-21 ms),
// backward 11-13 ms (torch._softmax_backward_data: 48 ms). Allocating the output on every call
// (neuron.softmax.bench): engine 20 ms, torch.softmax 57 ms, the NumPy reference 250 ms.
//
// V supplies the vector type and its operations (see softmax_isa_*.cpp); the scalar tail uses the
// portable exp of exp_poly.h, which computes the same polynomial.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "exp_poly.h"
#include "softmax_kernels.h"

namespace neuron {

template <class V>
struct SoftmaxRows {
  using T = typename V::T;
  using R = typename V::R;
  static constexpr std::int64_t W = V::W;

  static T row_max(const T* x, std::int64_t n) {
    T m = -std::numeric_limits<T>::infinity();
    std::int64_t j = 0;
    if (n >= 2 * W) {
      R a = V::load(x), b = V::load(x + W);
      for (j = 2 * W; j + 2 * W <= n; j += 2 * W) {
        a = V::max(a, V::load(x + j));
        b = V::max(b, V::load(x + j + W));
      }
      m = V::reduce_max(V::max(a, b));
    }
    for (; j < n; ++j) m = x[j] > m ? x[j] : m;
    return m;
  }

  // sum_j exp(x_j - m); when STORE, also writes each exp to y.
  template <bool STORE>
  static T sum_exp(const T* x, T* y, std::int64_t n, T m) {
    const R vm = V::set1(m);
    R s0 = V::set1(T(0)), s1 = V::set1(T(0));
    std::int64_t j = 0;
    for (; j + 2 * W <= n; j += 2 * W) {
      R e0 = V::exp(V::sub(V::load(x + j), vm));
      R e1 = V::exp(V::sub(V::load(x + j + W), vm));
      if (STORE) {
        V::store(y + j, e0);
        V::store(y + j + W, e1);
      }
      s0 = V::add(s0, e0);
      s1 = V::add(s1, e1);
    }
    for (; j + W <= n; j += W) {
      R e0 = V::exp(V::sub(V::load(x + j), vm));
      if (STORE) V::store(y + j, e0);
      s0 = V::add(s0, e0);
    }
    T s = V::reduce_add(V::add(s0, s1));
    for (; j < n; ++j) {
      T e = exp_scalar<T>(x[j] - m);
      if (STORE) y[j] = e;
      s += e;
    }
    return s;
  }

  // Outputs at least this large bypass the cache on the way out (non-temporal stores): they
  // cannot stay cached anyway, and a normal store would first read each line of y from memory.
  static constexpr std::int64_t kStreamBytes = std::int64_t(4) << 20;
  // Rows up to this long keep exp(x - m) in a stack buffer (64 KiB for float) between passes.
  static constexpr std::int64_t kScratch = 16384;

  // Stores v[0:n] = f(j) for j in [0, n): scalar until `out` is aligned for V::stream, then
  // non-temporal vector stores, then a scalar tail. f_vec(j) and f_one(j) compute the values.
  template <class FVec, class FOne>
  static void stream_row(T* out, std::int64_t n, const FVec& f_vec, const FOne& f_one) {
    std::int64_t j = 0;
    const auto misaligned = [&](std::int64_t k) {
      return reinterpret_cast<std::uintptr_t>(out + k) % (W * sizeof(T)) != 0;
    };
    for (; j < n && misaligned(j); ++j) out[j] = f_one(j);
    for (; j + W <= n; j += W) V::stream(out + j, f_vec(j));
    for (; j < n; ++j) out[j] = f_one(j);
  }

  static void forward(const T* x, T* y, std::int64_t rows, std::int64_t cols, bool log) {
    const bool stream = rows * cols * std::int64_t(sizeof(T)) >= kStreamBytes && x != y;
    alignas(64) T scratch[kScratch];
    for (std::int64_t r = 0; r < rows; ++r) {
      const T* xr = x + r * cols;  // (cols,)
      T* yr = y + r * cols;        // (cols,)

      // Pass 1: the row maximum, subtracted below so every exponent is <= 0.
      const T m = row_max(xr, cols);

      if (!log) {
        // Pass 2: e = exp(x - m) and s = sum(e), fused. e goes to the stack buffer when y is
        // streamed (so it stays in L1), else straight into y.
        const bool use_scratch = stream && cols <= kScratch;
        T* e = use_scratch ? scratch : yr;  // (cols,)
        const T s = sum_exp<true>(xr, e, cols, m);

        // Pass 3: normalise while e is still in cache.
        const T inv = T(1) / s;
        const R vinv = V::set1(inv);
        if (use_scratch) {
          stream_row(
              yr, cols, [&](std::int64_t j) { return V::mul(V::load(e + j), vinv); },
              [&](std::int64_t j) { return e[j] * inv; });
        } else {
          std::int64_t j = 0;
          for (; j + W <= cols; j += W) V::store(yr + j, V::mul(V::load(yr + j), vinv));
          for (; j < cols; ++j) yr[j] *= inv;
        }
      } else {
        // Pass 2: s = sum(exp(x - m)); log-sum-exp = m + log(s).
        const T log_s = std::log(sum_exp<false>(xr, nullptr, cols, m));

        // Pass 3: y = (x - m) - log(s); subtracting m first keeps the result exact for the max.
        const R vm = V::set1(m), vls = V::set1(log_s);
        const auto f_vec = [&](std::int64_t j) { return V::sub(V::sub(V::load(xr + j), vm), vls); };
        const auto f_one = [&](std::int64_t j) { return (xr[j] - m) - log_s; };
        if (stream) {
          stream_row(yr, cols, f_vec, f_one);
        } else {
          std::int64_t j = 0;
          for (; j + W <= cols; j += W) V::store(yr + j, f_vec(j));
          for (; j < cols; ++j) yr[j] = f_one(j);
        }
      }
    }
    // Non-temporal stores are weakly ordered: make them visible before the pool reports done.
    if (stream) V::fence();
  }

  static void backward(const T* y, const T* dy, T* dx, std::int64_t rows, std::int64_t cols,
                       bool log) {
    for (std::int64_t r = 0; r < rows; ++r) {
      const T* yr = y + r * cols;    // (cols,)
      const T* dyr = dy + r * cols;  // (cols,)
      T* dxr = dx + r * cols;        // (cols,)

      if (!log) {
        // dot = sum_k dy_k y_k
        R a = V::set1(T(0)), b = V::set1(T(0));
        std::int64_t j = 0;
        for (; j + 2 * W <= cols; j += 2 * W) {
          a = V::fma(V::load(dyr + j), V::load(yr + j), a);
          b = V::fma(V::load(dyr + j + W), V::load(yr + j + W), b);
        }
        for (; j + W <= cols; j += W) a = V::fma(V::load(dyr + j), V::load(yr + j), a);
        T dot = V::reduce_add(V::add(a, b));
        for (; j < cols; ++j) dot += dyr[j] * yr[j];

        // dx = y * (dy - dot)
        const R vdot = V::set1(dot);
        for (j = 0; j + W <= cols; j += W) {
          V::store(dxr + j, V::mul(V::load(yr + j), V::sub(V::load(dyr + j), vdot)));
        }
        for (; j < cols; ++j) dxr[j] = yr[j] * (dyr[j] - dot);
      } else {
        // total = sum_k dy_k
        R a = V::set1(T(0)), b = V::set1(T(0));
        std::int64_t j = 0;
        for (; j + 2 * W <= cols; j += 2 * W) {
          a = V::add(a, V::load(dyr + j));
          b = V::add(b, V::load(dyr + j + W));
        }
        for (; j + W <= cols; j += W) a = V::add(a, V::load(dyr + j));
        T total = V::reduce_add(V::add(a, b));
        for (; j < cols; ++j) total += dyr[j];

        // dx = dy - exp(y) * total; exp(y) is the softmax, 0 where y = -inf.
        const R vtotal = V::set1(total);
        for (j = 0; j + W <= cols; j += W) {
          R p = V::exp(V::load(yr + j));
          V::store(dxr + j, V::sub(V::load(dyr + j), V::mul(p, vtotal)));
        }
        for (; j < cols; ++j) dxr[j] = dyr[j] - exp_scalar<T>(yr[j]) * total;
      }
    }
  }

  static void exp(const T* x, T* y, std::int64_t n) {
    std::int64_t j = 0;
    for (; j + W <= n; j += W) V::store(y + j, V::exp(V::load(x + j)));
    for (; j < n; ++j) y[j] = exp_scalar<T>(x[j]);
  }

  static RowKernels<T> table() { return {&forward, &backward, &SoftmaxRows::exp}; }
};

}  // namespace neuron
