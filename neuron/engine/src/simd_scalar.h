// The scalar "vector" (one lane) that every kernel family also compiles against: the portable
// fallback and the baseline the SIMD paths are tested against (NEURON_SIMD=scalar).
#pragma once

#include "exp_poly.h"

namespace neuron {
namespace {

template <typename TT>
struct ScalarOps {
  using T = TT;
  using R = TT;
  static constexpr int W = 1;
  static constexpr int kRegisters = 16;  // what the blocking assumes of a plain CPU
  static R load(const T* p) { return *p; }
  static void store(T* p, R v) { *p = v; }
  static void stream(T* p, R v) { *p = v; }
  static void fence() {}
  static R set1(T v) { return v; }
  static R add(R a, R b) { return a + b; }
  static R sub(R a, R b) { return a - b; }
  static R mul(R a, R b) { return a * b; }
  static R max(R a, R b) { return b > a ? b : a; }
  static R fma(R a, R b, R c) { return a * b + c; }
  static T reduce_max(R v) { return v; }
  static T reduce_add(R v) { return v; }
  static R exp(R v) { return exp_scalar<T>(v); }
};

}  // namespace
}  // namespace neuron
