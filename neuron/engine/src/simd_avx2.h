// AVX2 + FMA (8 floats or 4 doubles per register). Include only from a file compiled with
// -mavx2 -mfma and run only when the CPU reports both (cpu_features.cpp).
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

struct Avx2F {
  using T = float;
  using R = __m256;
  static constexpr int W = 8;
  static constexpr int kRegisters = 16;  // vector registers the ISA has
  static R load(const T* p) { return _mm256_loadu_ps(p); }
  static void store(T* p, R v) { _mm256_storeu_ps(p, v); }
  // Non-temporal store: p must be 32-byte aligned.
  static void stream(T* p, R v) { _mm256_stream_ps(p, v); }
  static void fence() { _mm_sfence(); }
  static R set1(T v) { return _mm256_set1_ps(v); }
  static R add(R a, R b) { return _mm256_add_ps(a, b); }
  static R sub(R a, R b) { return _mm256_sub_ps(a, b); }
  static R mul(R a, R b) { return _mm256_mul_ps(a, b); }
  static R max(R a, R b) { return _mm256_max_ps(a, b); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static T reduce_max(R v) {
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
  }
  static T reduce_add(R v) {
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
  }
  static R exp(R x) {
    using C = ExpConstants<float>;
    const R underflow = _mm256_cmp_ps(x, set1(C::kMinX), _CMP_LT_OQ);
    const R overflow = _mm256_cmp_ps(x, set1(C::kMaxX), _CMP_GT_OQ);

    // x = n*ln2 + r; clamping first keeps n inside the exponent range (NaN passes through,
    // since min/max return their second operand when either is NaN).
    R xc = _mm256_max_ps(set1(C::kMinX), _mm256_min_ps(set1(C::kMaxX), x));
    R n = _mm256_round_ps(_mm256_mul_ps(xc, set1(C::kLog2e)),
                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    R r = _mm256_fnmadd_ps(n, set1(C::kLn2Hi), xc);
    r = _mm256_fnmadd_ps(n, set1(C::kLn2Lo), r);

    // exp(r) by Horner's rule.
    R p = set1(kExpTaylor<float>[C::kDegree]);
    for (int k = C::kDegree - 1; k >= 0; --k) p = _mm256_fmadd_ps(p, r, set1(kExpTaylor<float>[k]));

    // 2^n through the exponent field.
    __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(C::kBias));
    R scale = _mm256_castsi256_ps(_mm256_slli_epi32(e, C::kMantissaBits));
    R y = _mm256_mul_ps(p, scale);

    y = _mm256_blendv_ps(y, _mm256_setzero_ps(), underflow);
    return _mm256_blendv_ps(y, set1(std::numeric_limits<float>::infinity()), overflow);
  }
};

struct Avx2D {
  using T = double;
  using R = __m256d;
  static constexpr int W = 4;
  static constexpr int kRegisters = 16;  // vector registers the ISA has
  static R load(const T* p) { return _mm256_loadu_pd(p); }
  static void store(T* p, R v) { _mm256_storeu_pd(p, v); }
  static void stream(T* p, R v) { _mm256_stream_pd(p, v); }
  static void fence() { _mm_sfence(); }
  static R set1(T v) { return _mm256_set1_pd(v); }
  static R add(R a, R b) { return _mm256_add_pd(a, b); }
  static R sub(R a, R b) { return _mm256_sub_pd(a, b); }
  static R mul(R a, R b) { return _mm256_mul_pd(a, b); }
  static R max(R a, R b) { return _mm256_max_pd(a, b); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_pd(a, b, c); }
  static T reduce_max(R v) {
    __m128d h = _mm_max_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    h = _mm_max_sd(h, _mm_unpackhi_pd(h, h));
    return _mm_cvtsd_f64(h);
  }
  static T reduce_add(R v) {
    __m128d h = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    h = _mm_add_sd(h, _mm_unpackhi_pd(h, h));
    return _mm_cvtsd_f64(h);
  }
  static R exp(R x) {
    using C = ExpConstants<double>;
    const R underflow = _mm256_cmp_pd(x, set1(C::kMinX), _CMP_LT_OQ);
    const R overflow = _mm256_cmp_pd(x, set1(C::kMaxX), _CMP_GT_OQ);

    R xc = _mm256_max_pd(set1(C::kMinX), _mm256_min_pd(set1(C::kMaxX), x));
    R n = _mm256_round_pd(_mm256_mul_pd(xc, set1(C::kLog2e)),
                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    R r = _mm256_fnmadd_pd(n, set1(C::kLn2Hi), xc);
    r = _mm256_fnmadd_pd(n, set1(C::kLn2Lo), r);

    R p = set1(kExpTaylor<double>[C::kDegree]);
    for (int k = C::kDegree - 1; k >= 0; --k)
      p = _mm256_fmadd_pd(p, r, set1(kExpTaylor<double>[k]));

    // AVX2 has no double -> int64 conversion: adding 1.5 * 2^52 puts n + bias in the low
    // mantissa bits, and the shift moves those bits into the exponent field.
    R biased = _mm256_add_pd(n, set1(6755399441055744.0 + C::kBias));
    R scale = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(biased), C::kMantissaBits));
    R y = _mm256_mul_pd(p, scale);

    y = _mm256_blendv_pd(y, _mm256_setzero_pd(), underflow);
    return _mm256_blendv_pd(y, set1(std::numeric_limits<double>::infinity()), overflow);
  }
};

}  // namespace
}  // namespace neuron
