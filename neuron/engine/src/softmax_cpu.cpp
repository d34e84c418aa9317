// Dispatch of the CPU softmax kernels: SIMD level, then threads.
//
// Threads get contiguous chunks of whole rows, one chunk per thread, so each thread streams
// through its own part of memory and rows never straddle threads; results do not depend on the
// number of threads (each row is computed the same way whatever chunk it lands in). Inputs under
// kMinElementsPerTask elements per thread stay on the calling thread, where waking the pool would
// cost more than the work.
#include "softmax_cpu.h"

#include <algorithm>

#include "cpu_features.h"
#include "softmax_kernels.h"
#include "thread_pool.h"

namespace neuron {
namespace {

constexpr std::int64_t kMinElementsPerTask = 32 * 1024;

template <typename T>
const RowKernels<T>& row_kernels();

template <>
const RowKernels<float>& row_kernels<float>() {
  return kernels_for(active_simd_level()).f32;
}

template <>
const RowKernels<double>& row_kernels<double>() {
  return kernels_for(active_simd_level()).f64;
}

// Calls body(row_begin, row_end) over [0, rows), split across the pool.
template <typename Body>
void parallel_rows(std::int64_t rows, std::int64_t cols, const Body& body) {
  const std::int64_t elements = rows * cols;
  ThreadPool& pool = ThreadPool::instance();
  std::int64_t tasks = std::min<std::int64_t>(pool.num_threads(), rows);
  tasks = std::min<std::int64_t>(tasks, std::max<std::int64_t>(1, elements / kMinElementsPerTask));
  if (tasks <= 1) {
    body(0, rows);
    return;
  }
  const std::int64_t chunk = (rows + tasks - 1) / tasks;
  pool.run(static_cast<int>(tasks), [&](int t) {
    const std::int64_t begin = t * chunk;
    const std::int64_t end = std::min(rows, begin + chunk);
    if (begin < end) body(begin, end);
  });
}

}  // namespace

const IsaKernels& kernels_for(SimdLevel level) {
  switch (level) {
#if defined(NEURON_HAVE_AVX512)
    case SimdLevel::Avx512:
      return avx512_kernels();
#endif
#if defined(NEURON_HAVE_AVX2)
    case SimdLevel::Avx2:
      return avx2_kernels();
#endif
#if defined(NEURON_HAVE_NEON)
    case SimdLevel::Neon:
      return neon_kernels();
#endif
    default:
      return scalar_kernels();
  }
}

template <typename T>
void softmax_forward_cpu(const T* x, T* y, std::int64_t rows, std::int64_t cols, bool log) {
  if (rows == 0 || cols == 0) return;
  const auto forward = row_kernels<T>().forward;
  parallel_rows(rows, cols, [&](std::int64_t begin, std::int64_t end) {
    forward(x + begin * cols, y + begin * cols, end - begin, cols, log);
  });
}

template <typename T>
void softmax_backward_cpu(const T* y, const T* dy, T* dx, std::int64_t rows, std::int64_t cols,
                          bool log) {
  if (rows == 0 || cols == 0) return;
  const auto backward = row_kernels<T>().backward;
  parallel_rows(rows, cols, [&](std::int64_t begin, std::int64_t end) {
    backward(y + begin * cols, dy + begin * cols, dx + begin * cols, end - begin, cols, log);
  });
}

template <typename T>
void exp_cpu(const T* x, T* y, std::int64_t n) {
  row_kernels<T>().exp(x, y, n);
}

template void softmax_forward_cpu<float>(const float*, float*, std::int64_t, std::int64_t, bool);
template void softmax_forward_cpu<double>(const double*, double*, std::int64_t, std::int64_t, bool);
template void softmax_backward_cpu<float>(const float*, const float*, float*, std::int64_t,
                                          std::int64_t, bool);
template void softmax_backward_cpu<double>(const double*, const double*, double*, std::int64_t,
                                           std::int64_t, bool);
template void exp_cpu<float>(const float*, float*, std::int64_t);
template void exp_cpu<double>(const double*, double*, std::int64_t);

}  // namespace neuron
