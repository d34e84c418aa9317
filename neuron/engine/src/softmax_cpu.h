// Softmax on the CPU: picks the kernel table for the active SIMD level and spreads rows over the
// thread pool. All buffers are row-major (rows, cols) and already validated by the caller.
#pragma once

#include <cstdint>

namespace neuron {

// y = softmax(x) (or log_softmax when log) over each row.  x, y: (rows, cols)
template <typename T>
void softmax_forward_cpu(const T* x, T* y, std::int64_t rows, std::int64_t cols, bool log);

// dx = backward of softmax (or log_softmax) at output y.  y, dy, dx: (rows, cols)
template <typename T>
void softmax_backward_cpu(const T* y, const T* dy, T* dx, std::int64_t rows, std::int64_t cols,
                          bool log);

// y = exp(x) with the kernels' polynomial.  x, y: (n,)
template <typename T>
void exp_cpu(const T* x, T* y, std::int64_t n);

}  // namespace neuron
