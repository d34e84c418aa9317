// The CUDA entry points of a build without a CUDA toolkit: each says so and how to get one.
#include "cuda_api.h"
#include "errors.h"

namespace neuron {
namespace {

[[noreturn]] void not_built() {
  throw EngineError(ErrorKind::CudaUnavailable,
                    "expected an engine built with CUDA, got a CPU-only build; reinstall neuron "
                    "on a machine with the CUDA toolkit (nvcc on PATH), or pass CPU arrays");
}

}  // namespace

CudaReport cuda_report() {
  CudaReport report;
  report.reason = NEURON_NO_CUDA_REASON;
  return report;
}

void cuda_require_device() { not_built(); }

void cuda_softmax_forward(const float*, float*, std::int64_t, std::int64_t, bool, int,
                          std::uintptr_t) {
  not_built();
}

void cuda_softmax_backward(const float*, const float*, float*, std::int64_t, std::int64_t, bool,
                           int, std::uintptr_t) {
  not_built();
}

double cuda_word2vec_train_pairs(float*, float*, std::int64_t, std::int64_t, const std::int32_t*,
                                 const std::int32_t*, const std::int32_t*, const float*,
                                 std::int64_t, std::int64_t, int, std::uintptr_t) {
  not_built();
}

void cuda_attention_forward(int, const void*, const void*, const void*, void*, float*, std::int64_t,
                            std::int64_t, std::int64_t, std::int64_t, std::int64_t, float, bool,
                            int, std::uintptr_t) {
  not_built();
}

void cuda_attention_backward(int, const void*, const void*, const void*, const void*, const void*,
                             const float*, void*, void*, void*, std::int64_t, std::int64_t,
                             std::int64_t, std::int64_t, std::int64_t, float, bool, int,
                             std::uintptr_t) {
  not_built();
}

std::vector<std::pair<std::string, double>> cuda_self_test(int) { not_built(); }

}  // namespace neuron
