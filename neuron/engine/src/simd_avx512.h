// AVX-512 (16 floats or 8 doubles per register). Include only from a file compiled with
// -mavx512f -mavx512dq and run only when the CPU reports both (cpu_features.cpp).
//
// The vector operations every kernel family is written against (softmax_rows.h, attention_tiles.h):
// R a register of W lanes of T, loads and stores, arithmetic, reductions and a polynomial exp
// (exp_poly.h). Internal linkage on purpose: each including file is compiled with its own ISA
// flags, and a shared inline copy picked by the linker could run these instructions on a CPU
// without them.
#pragma once

#include <immintrin.h>

#include <limits>

#include "exp_poly.h"

namespace neuron {
namespace {

struct Avx512F {
  using T = float;
  using R = __m512;
  static constexpr int W = 16;
  static constexpr int kRegisters = 32;  // vector registers the ISA has
  static R load(const T* p) { return _mm512_loadu_ps(p); }
  static void store(T* p, R v) { _mm512_storeu_ps(p, v); }
  // Non-temporal store: p must be 64-byte aligned.
  static void stream(T* p, R v) { _mm512_stream_ps(p, v); }
  static void fence() { _mm_sfence(); }
  static R set1(T v) { return _mm512_set1_ps(v); }
  static R add(R a, R b) { return _mm512_add_ps(a, b); }
  static R sub(R a, R b) { return _mm512_sub_ps(a, b); }
  static R mul(R a, R b) { return _mm512_mul_ps(a, b); }
  static R max(R a, R b) { return _mm512_max_ps(a, b); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static T reduce_max(R v) { return _mm512_reduce_max_ps(v); }
  static T reduce_add(R v) { return _mm512_reduce_add_ps(v); }
  static R exp(R x) {
    using C = ExpConstants<float>;
    const __mmask16 underflow = _mm512_cmp_ps_mask(x, set1(C::kMinX), _CMP_LT_OQ);
    const __mmask16 overflow = _mm512_cmp_ps_mask(x, set1(C::kMaxX), _CMP_GT_OQ);

    R xc = _mm512_max_ps(set1(C::kMinX), _mm512_min_ps(set1(C::kMaxX), x));
    R n = _mm512_roundscale_ps(_mm512_mul_ps(xc, set1(C::kLog2e)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    R r = _mm512_fnmadd_ps(n, set1(C::kLn2Hi), xc);
    r = _mm512_fnmadd_ps(n, set1(C::kLn2Lo), r);

    R p = set1(kExpTaylor<float>[C::kDegree]);
    for (int k = C::kDegree - 1; k >= 0; --k) p = _mm512_fmadd_ps(p, r, set1(kExpTaylor<float>[k]));

    __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(C::kBias));
    R y = _mm512_mul_ps(p, _mm512_castsi512_ps(_mm512_slli_epi32(e, C::kMantissaBits)));

    y = _mm512_mask_blend_ps(underflow, y, _mm512_setzero_ps());
    return _mm512_mask_blend_ps(overflow, y, set1(std::numeric_limits<float>::infinity()));
  }
};

struct Avx512D {
  using T = double;
  using R = __m512d;
  static constexpr int W = 8;
  static constexpr int kRegisters = 32;  // vector registers the ISA has
  static R load(const T* p) { return _mm512_loadu_pd(p); }
  static void store(T* p, R v) { _mm512_storeu_pd(p, v); }
  static void stream(T* p, R v) { _mm512_stream_pd(p, v); }
  static void fence() { _mm_sfence(); }
  static R set1(T v) { return _mm512_set1_pd(v); }
  static R add(R a, R b) { return _mm512_add_pd(a, b); }
  static R sub(R a, R b) { return _mm512_sub_pd(a, b); }
  static R mul(R a, R b) { return _mm512_mul_pd(a, b); }
  static R max(R a, R b) { return _mm512_max_pd(a, b); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_pd(a, b, c); }
  static T reduce_max(R v) { return _mm512_reduce_max_pd(v); }
  static T reduce_add(R v) { return _mm512_reduce_add_pd(v); }
  static R exp(R x) {
    using C = ExpConstants<double>;
    const __mmask8 underflow = _mm512_cmp_pd_mask(x, set1(C::kMinX), _CMP_LT_OQ);
    const __mmask8 overflow = _mm512_cmp_pd_mask(x, set1(C::kMaxX), _CMP_GT_OQ);

    R xc = _mm512_max_pd(set1(C::kMinX), _mm512_min_pd(set1(C::kMaxX), x));
    R n = _mm512_roundscale_pd(_mm512_mul_pd(xc, set1(C::kLog2e)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    R r = _mm512_fnmadd_pd(n, set1(C::kLn2Hi), xc);
    r = _mm512_fnmadd_pd(n, set1(C::kLn2Lo), r);

    R p = set1(kExpTaylor<double>[C::kDegree]);
    for (int k = C::kDegree - 1; k >= 0; --k)
      p = _mm512_fmadd_pd(p, r, set1(kExpTaylor<double>[k]));

    __m512i e = _mm512_add_epi64(_mm512_cvtpd_epi64(n), _mm512_set1_epi64(C::kBias));
    R y = _mm512_mul_pd(p, _mm512_castsi512_pd(_mm512_slli_epi64(e, C::kMantissaBits)));

    y = _mm512_mask_blend_pd(underflow, y, _mm512_setzero_pd());
    return _mm512_mask_blend_pd(overflow, y, set1(std::numeric_limits<double>::infinity()));
  }
};

}  // namespace
}  // namespace neuron
