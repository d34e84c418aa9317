// NEON kernels for AArch64 (4 floats or 2 doubles per register). NEON is part of the AArch64
// baseline, so this file is compiled without extra flags and chosen at compile time.
#include "simd_neon.h"
#include "softmax_rows.h"

namespace neuron {

const IsaKernels& neon_kernels() {
  static const IsaKernels k{SoftmaxRows<NeonF>::table(), SoftmaxRows<NeonD>::table()};
  return k;
}

}  // namespace neuron
