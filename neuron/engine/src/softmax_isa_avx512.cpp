// AVX-512 kernels (16 floats or 8 doubles per register). Compiled with -mavx512f -mavx512dq and
// used only when the CPU reports both (cpu_features.cpp).
#include "simd_avx512.h"
#include "softmax_rows.h"

namespace neuron {

const IsaKernels& avx512_kernels() {
  static const IsaKernels k{SoftmaxRows<Avx512F>::table(), SoftmaxRows<Avx512D>::table()};
  return k;
}

}  // namespace neuron
