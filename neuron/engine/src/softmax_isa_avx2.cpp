// AVX2 + FMA kernels (8 floats or 4 doubles per register). Compiled with -mavx2 -mfma and used
// only when the CPU reports both (cpu_features.cpp).
#include "simd_avx2.h"
#include "softmax_rows.h"

namespace neuron {

const IsaKernels& avx2_kernels() {
  static const IsaKernels k{SoftmaxRows<Avx2F>::table(), SoftmaxRows<Avx2D>::table()};
  return k;
}

}  // namespace neuron
