// The CPU softmax kernels, one table per SIMD instruction set.
//
// Every function works on a contiguous block of rows of a row-major (rows, cols) matrix; the
// dispatcher (softmax_cpu.cpp) splits the rows over the thread pool and picks the table for the
// active SIMD level. Functions never throw and never allocate.
#pragma once

#include <cstdint>

#include "cpu_features.h"

namespace neuron {

template <typename T>
struct RowKernels {
  // y = softmax(x) or log_softmax(x) along each row.
  //   x: (rows, cols) row-major, read only
  //   y: (rows, cols) row-major, may be x itself
  void (*forward)(const T* x, T* y, std::int64_t rows, std::int64_t cols, bool log);

  // dx = the vector-Jacobian product of softmax (or log_softmax) at output y with cotangent dy.
  //   y, dy: (rows, cols) row-major, read only
  //   dx:    (rows, cols) row-major, may be y or dy itself
  void (*backward)(const T* y, const T* dy, T* dx, std::int64_t rows, std::int64_t cols, bool log);

  // y = exp(x) elementwise with the kernels' own polynomial exp (exposed for accuracy tests).
  //   x, y: (n,)
  void (*exp)(const T* x, T* y, std::int64_t n);
};

struct IsaKernels {
  RowKernels<float> f32;
  RowKernels<double> f64;
};

const IsaKernels& scalar_kernels();
#if defined(NEURON_HAVE_AVX2)
const IsaKernels& avx2_kernels();
#endif
#if defined(NEURON_HAVE_AVX512)
const IsaKernels& avx512_kernels();
#endif
#if defined(NEURON_HAVE_NEON)
const IsaKernels& neon_kernels();
#endif

// The table for a level; the level must be available (see cpu_features.h).
const IsaKernels& kernels_for(SimdLevel level);

}  // namespace neuron
