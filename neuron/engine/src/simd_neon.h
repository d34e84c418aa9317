// NEON for AArch64 (4 floats or 2 doubles per register), part of the AArch64 baseline.
//
// The vector operations every kernel family is written against (softmax_rows.h, attention_tiles.h):
// R a register of W lanes of T, loads and stores, arithmetic, reductions and a polynomial exp
// (exp_poly.h). Internal linkage on purpose: each including file is compiled with its own ISA
// flags, and a shared inline copy picked by the linker could run these instructions on a CPU
// without them.
#pragma once

#include <arm_neon.h>

#include <limits>

#include "exp_poly.h"

namespace neuron {
namespace {

struct NeonF {
  using T = float;
  using R = float32x4_t;
  static constexpr int W = 4;
  static constexpr int kRegisters = 32;  // vector registers the ISA has
  static R load(const T* p) { return vld1q_f32(p); }
  static void store(T* p, R v) { vst1q_f32(p, v); }
  // No non-temporal store in NEON intrinsics; a plain store.
  static void stream(T* p, R v) { vst1q_f32(p, v); }
  static void fence() {}
  static R set1(T v) { return vdupq_n_f32(v); }
  static R add(R a, R b) { return vaddq_f32(a, b); }
  static R sub(R a, R b) { return vsubq_f32(a, b); }
  static R mul(R a, R b) { return vmulq_f32(a, b); }
  static R max(R a, R b) { return vmaxq_f32(a, b); }
  static R fma(R a, R b, R c) { return vfmaq_f32(c, a, b); }
  static T reduce_max(R v) { return vmaxvq_f32(v); }
  static T reduce_add(R v) { return vaddvq_f32(v); }
  static R exp(R x) {
    using C = ExpConstants<float>;
    const uint32x4_t underflow = vcltq_f32(x, set1(C::kMinX));
    const uint32x4_t overflow = vcgtq_f32(x, set1(C::kMaxX));

    // vminnm/vmaxnm return the number when one operand is NaN, so use the NaN-propagating forms.
    R xc = vmaxq_f32(set1(C::kMinX), vminq_f32(set1(C::kMaxX), x));
    R n = vrndnq_f32(vmulq_f32(xc, set1(C::kLog2e)));
    R r = vfmsq_f32(xc, n, set1(C::kLn2Hi));
    r = vfmsq_f32(r, n, set1(C::kLn2Lo));

    R p = set1(kExpTaylor<float>[C::kDegree]);
    for (int k = C::kDegree - 1; k >= 0; --k) p = vfmaq_f32(set1(kExpTaylor<float>[k]), p, r);

    int32x4_t e = vaddq_s32(vcvtnq_s32_f32(n), vdupq_n_s32(C::kBias));
    R y = vmulq_f32(p, vreinterpretq_f32_s32(vshlq_n_s32(e, 23)));

    y = vbslq_f32(underflow, vdupq_n_f32(0.0f), y);
    return vbslq_f32(overflow, set1(std::numeric_limits<float>::infinity()), y);
  }
};

struct NeonD {
  using T = double;
  using R = float64x2_t;
  static constexpr int W = 2;
  static constexpr int kRegisters = 32;  // vector registers the ISA has
  static R load(const T* p) { return vld1q_f64(p); }
  static void store(T* p, R v) { vst1q_f64(p, v); }
  static void stream(T* p, R v) { vst1q_f64(p, v); }
  static void fence() {}
  static R set1(T v) { return vdupq_n_f64(v); }
  static R add(R a, R b) { return vaddq_f64(a, b); }
  static R sub(R a, R b) { return vsubq_f64(a, b); }
  static R mul(R a, R b) { return vmulq_f64(a, b); }
  static R max(R a, R b) { return vmaxq_f64(a, b); }
  static R fma(R a, R b, R c) { return vfmaq_f64(c, a, b); }
  static T reduce_max(R v) { return vmaxvq_f64(v); }
  static T reduce_add(R v) { return vaddvq_f64(v); }
  static R exp(R x) {
    using C = ExpConstants<double>;
    const uint64x2_t underflow = vcltq_f64(x, set1(C::kMinX));
    const uint64x2_t overflow = vcgtq_f64(x, set1(C::kMaxX));

    R xc = vmaxq_f64(set1(C::kMinX), vminq_f64(set1(C::kMaxX), x));
    R n = vrndnq_f64(vmulq_f64(xc, set1(C::kLog2e)));
    R r = vfmsq_f64(xc, n, set1(C::kLn2Hi));
    r = vfmsq_f64(r, n, set1(C::kLn2Lo));

    R p = set1(kExpTaylor<double>[C::kDegree]);
    for (int k = C::kDegree - 1; k >= 0; --k) p = vfmaq_f64(set1(kExpTaylor<double>[k]), p, r);

    int64x2_t e = vaddq_s64(vcvtnq_s64_f64(n), vdupq_n_s64(C::kBias));
    R y = vmulq_f64(p, vreinterpretq_f64_s64(vshlq_n_s64(e, 52)));

    y = vbslq_f64(underflow, vdupq_n_f64(0.0), y);
    return vbslq_f64(overflow, set1(std::numeric_limits<double>::infinity()), y);
  }
};

}  // namespace
}  // namespace neuron
