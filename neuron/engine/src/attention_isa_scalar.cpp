// Portable scalar attention kernels: the fallback on every machine and the
// baseline the SIMD paths are tested against.
#include "attention_tiles.h"
#include "simd_scalar.h"

namespace neuron {

const AttentionIsaKernels& attention_scalar_kernels() {
  static const AttentionIsaKernels k{AttentionTiles<ScalarOps<float>>::table(),
                                     AttentionTiles<ScalarOps<double>>::table()};
  return k;
}

}  // namespace neuron
