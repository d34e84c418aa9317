// CPU feature detection and the choice of SIMD kernels.
//
// x86: every instruction set the build compiled a kernel file for is checked at run time with
// __builtin_cpu_supports, so one binary runs on any x86-64 CPU. AArch64: NEON is part of the
// baseline, so it is chosen at compile time. Anything else uses the portable scalar kernels.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace neuron {

enum class SimdLevel { Scalar = 0, Neon = 1, Avx2 = 2, Avx512 = 3 };

// (feature name, present) for the features this engine cares about, in a fixed order.
std::vector<std::pair<std::string, bool>> cpu_features();

// Levels that were compiled into this build and that this CPU supports, best last.
std::vector<SimdLevel> available_simd_levels();

// The level the kernels use now: the best available one unless set_simd_level chose another.
SimdLevel active_simd_level();

// Force a level (for tests and comparisons); throws EngineError if it is not available here.
void set_simd_level(SimdLevel level);

const char* simd_level_name(SimdLevel level);

// Parses "scalar", "neon", "avx2", "avx512"; throws EngineError on anything else.
SimdLevel parse_simd_level(const std::string& name);

}  // namespace neuron
