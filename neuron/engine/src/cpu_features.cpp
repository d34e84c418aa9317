#include "cpu_features.h"

#include <atomic>

#include "errors.h"

namespace neuron {
namespace {

#if defined(__x86_64__) || defined(__i386__)
#if defined(__GNUC__) || defined(__clang__)
#define NEURON_X86_DETECT 1
#endif
#endif

[[maybe_unused]] bool cpu_has(const char* feature) {
#if defined(NEURON_X86_DETECT)
  // __builtin_cpu_supports needs a string literal, hence the explicit list.
  std::string f(feature);
  if (f == "sse2") return __builtin_cpu_supports("sse2");
  if (f == "avx") return __builtin_cpu_supports("avx");
  if (f == "avx2") return __builtin_cpu_supports("avx2");
  if (f == "fma") return __builtin_cpu_supports("fma");
  if (f == "avx512f") return __builtin_cpu_supports("avx512f");
  if (f == "avx512dq") return __builtin_cpu_supports("avx512dq");
  return false;
#else
  (void)feature;
  return false;
#endif
}

bool level_supported(SimdLevel level) {
  switch (level) {
    case SimdLevel::Scalar:
      return true;
    case SimdLevel::Neon:
#if defined(NEURON_HAVE_NEON)
      return true;
#else
      return false;
#endif
    case SimdLevel::Avx2:
#if defined(NEURON_HAVE_AVX2)
      return cpu_has("avx2") && cpu_has("fma");
#else
      return false;
#endif
    case SimdLevel::Avx512:
#if defined(NEURON_HAVE_AVX512)
      return cpu_has("avx512f") && cpu_has("avx512dq") && cpu_has("avx2") && cpu_has("fma");
#else
      return false;
#endif
  }
  return false;
}

SimdLevel best_level() {
  auto levels = available_simd_levels();
  return levels.back();
}

std::atomic<int>& active_level_storage() {
  static std::atomic<int> level{static_cast<int>(best_level())};
  return level;
}

}  // namespace

std::vector<std::pair<std::string, bool>> cpu_features() {
  std::vector<std::pair<std::string, bool>> out;
#if defined(NEURON_X86_DETECT)
  for (const char* f : {"sse2", "avx", "avx2", "fma", "avx512f", "avx512dq"}) {
    out.emplace_back(f, cpu_has(f));
  }
#elif defined(__aarch64__)
  out.emplace_back("neon", true);
#endif
  return out;
}

std::vector<SimdLevel> available_simd_levels() {
  std::vector<SimdLevel> out;
  for (SimdLevel l : {SimdLevel::Scalar, SimdLevel::Neon, SimdLevel::Avx2, SimdLevel::Avx512}) {
    if (level_supported(l)) out.push_back(l);
  }
  return out;
}

SimdLevel active_simd_level() { return static_cast<SimdLevel>(active_level_storage().load()); }

void set_simd_level(SimdLevel level) {
  if (!level_supported(level)) {
    std::string have;
    for (SimdLevel l : available_simd_levels()) {
      have += std::string(have.empty() ? "" : ", ") + simd_level_name(l);
    }
    throw EngineError(ErrorKind::InvalidArgument,
                      std::string("expected a SIMD level this build and CPU support (") + have +
                          "), got " + simd_level_name(level) + "; pick one of those");
  }
  active_level_storage().store(static_cast<int>(level));
}

const char* simd_level_name(SimdLevel level) {
  switch (level) {
    case SimdLevel::Scalar:
      return "scalar";
    case SimdLevel::Neon:
      return "neon";
    case SimdLevel::Avx2:
      return "avx2";
    case SimdLevel::Avx512:
      return "avx512";
  }
  return "unknown";
}

SimdLevel parse_simd_level(const std::string& name) {
  if (name == "scalar") return SimdLevel::Scalar;
  if (name == "neon") return SimdLevel::Neon;
  if (name == "avx2") return SimdLevel::Avx2;
  if (name == "avx512") return SimdLevel::Avx512;
  throw EngineError(ErrorKind::InvalidArgument,
                    "expected a SIMD level of scalar, neon, avx2 or avx512, got '" + name +
                        "'; pass one of those names");
}

}  // namespace neuron
