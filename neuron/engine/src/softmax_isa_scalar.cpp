// Portable scalar kernels: the fallback on every machine and the baseline the SIMD paths are
// tested against (NEURON_SIMD=scalar or neuron.engine.set_simd("scalar") selects them).
#include "softmax_rows.h"

namespace neuron {
namespace {

template <typename TT>
struct ScalarOps {
  using T = TT;
  using R = TT;
  static constexpr int W = 1;
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

const IsaKernels& scalar_kernels() {
  static const IsaKernels k{SoftmaxRows<ScalarOps<float>>::table(),
                            SoftmaxRows<ScalarOps<double>>::table()};
  return k;
}

}  // namespace neuron
