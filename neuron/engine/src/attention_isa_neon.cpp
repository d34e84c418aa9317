// NEON attention kernels for AArch64. NEON is part of the AArch64 baseline, so this file is
// compiled without extra flags and chosen at compile time.
#include "attention_tiles.h"
#include "simd_neon.h"

namespace neuron {

const AttentionIsaKernels& attention_neon_kernels() {
  static const AttentionIsaKernels k{AttentionTiles<NeonF>::table(),
                                     AttentionTiles<NeonD>::table()};
  return k;
}

}  // namespace neuron
