// Portable scalar kernels: the fallback on every machine and the baseline the SIMD paths are
// tested against (NEURON_SIMD=scalar or neuron.engine.set_simd("scalar") selects them).
#include "simd_scalar.h"
#include "softmax_rows.h"

namespace neuron {

const IsaKernels& scalar_kernels() {
  static const IsaKernels k{SoftmaxRows<ScalarOps<float>>::table(),
                            SoftmaxRows<ScalarOps<double>>::table()};
  return k;
}

}  // namespace neuron
