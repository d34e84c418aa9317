// AVX-512 attention kernels. Compiled with -mavx512f -mavx512dq and used only when the CPU
// reports both (cpu_features.cpp).
#include "attention_tiles.h"
#include "simd_avx512.h"

namespace neuron {

const AttentionIsaKernels& attention_avx512_kernels() {
  static const AttentionIsaKernels k{AttentionTiles<Avx512F>::table(),
                                     AttentionTiles<Avx512D>::table()};
  return k;
}

}  // namespace neuron
