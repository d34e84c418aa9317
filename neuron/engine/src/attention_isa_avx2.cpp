// AVX2 + FMA attention kernels. Compiled with -mavx2 -mfma and used only when the CPU reports
// both (cpu_features.cpp).
#include "attention_tiles.h"
#include "simd_avx2.h"

namespace neuron {

const AttentionIsaKernels& attention_avx2_kernels() {
  static const AttentionIsaKernels k{AttentionTiles<Avx2F>::table(),
                                     AttentionTiles<Avx2D>::table()};
  return k;
}

}  // namespace neuron
