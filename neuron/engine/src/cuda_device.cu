// CUDA device queries and a self test of the softmax kernels and the float32 attention forward.
//
// The runtime is linked statically, so this code loads on a machine with no driver; every query
// then fails with a status, which cuda_report turns into a reason instead of an error.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "cuda_api.h"
#include "errors.h"

namespace neuron {
namespace {

std::string version_string(int v) {
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) {
    throw EngineError(ErrorKind::Runtime, std::string("CUDA error in ") + what + ": " +
                                              cudaGetErrorName(status) + " (" +
                                              cudaGetErrorString(status) + ")");
  }
}

struct DeviceBuffer {
  explicit DeviceBuffer(std::size_t n) { check(cudaMalloc(&ptr, n * sizeof(float)), "cudaMalloc"); }
  ~DeviceBuffer() { cudaFree(ptr); }
  float* ptr = nullptr;
};

}  // namespace

CudaReport cuda_report() {
  CudaReport report;
  report.compiled = true;
  cudaDriverGetVersion(&report.driver_version);
  cudaRuntimeGetVersion(&report.runtime_version);

  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();  // clear the sticky status so later calls start clean
    if (report.driver_version == 0) {
      report.reason = std::string("no CUDA driver found (cudaGetDeviceCount: ") +
                      cudaGetErrorName(status) + ")";
    } else if (status == cudaErrorNoDevice) {
      report.reason = "no CUDA device found";
    } else if (status == cudaErrorInsufficientDriver) {
      report.reason = "the CUDA driver (" + version_string(report.driver_version) +
                      ") is older than the runtime this engine was built with (" +
                      version_string(report.runtime_version) + "); update the driver";
    } else {
      report.reason = std::string("cudaGetDeviceCount failed: ") + cudaGetErrorName(status) + " (" +
                      cudaGetErrorString(status) + ")";
    }
    return report;
  }
  if (count == 0) {
    report.reason = "no CUDA device found";
    return report;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    CudaDeviceInfo info;
    info.index = i;
    info.name = prop.name;
    info.major = prop.major;
    info.minor = prop.minor;
    info.total_memory = prop.totalGlobalMem;
    info.multiprocessors = prop.multiProcessorCount;
    report.devices.push_back(info);
  }
  return report;
}

void cuda_require_device() {
  CudaReport report = cuda_report();
  if (report.devices.empty()) {
    throw EngineError(ErrorKind::CudaUnavailable,
                      "expected a CUDA device, got none: " + report.reason +
                          "; run on a machine with an NVIDIA GPU, or use CPU arrays");
  }
}

std::vector<std::pair<std::string, double>> cuda_self_test(int device) {
  cuda_require_device();
  check(cudaSetDevice(device), "cudaSetDevice");

  // Odd sizes on purpose: columns not a multiple of the warp, one column, one wide row.
  std::vector<std::pair<std::string, double>> worst = {{"softmax_fwd", 0.0},
                                                       {"log_softmax_fwd", 0.0},
                                                       {"softmax_bwd", 0.0},
                                                       {"log_softmax_bwd", 0.0}};
  std::mt19937 rng(0);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (auto [rows, cols] : {std::pair<int, int>{7, 1}, {33, 77}, {5, 1000}, {2, 5003}}) {
    const std::size_t n = static_cast<std::size_t>(rows) * cols;
    std::vector<float> x(n), dy(n), out(n), y_host(n);
    for (auto& v : x) v = normal(rng);
    for (auto& v : dy) v = normal(rng);

    DeviceBuffer x_buf(n), dy_buf(n), y_buf(n), out_buf(n);
    check(cudaMemcpy(x_buf.ptr, x.data(), n * sizeof(float), cudaMemcpyHostToDevice), "copy x");
    check(cudaMemcpy(dy_buf.ptr, dy.data(), n * sizeof(float), cudaMemcpyHostToDevice), "copy dy");

    for (bool log : {false, true}) {
      // Host reference in double.
      std::vector<double> y_ref(n), dx_ref(n);
      for (int r = 0; r < rows; ++r) {
        const float* xr = &x[static_cast<std::size_t>(r) * cols];
        double m = -INFINITY, s = 0.0, dot = 0.0, total = 0.0;
        for (int j = 0; j < cols; ++j) m = std::fmax(m, xr[j]);
        for (int j = 0; j < cols; ++j) s += std::exp(xr[j] - m);
        for (int j = 0; j < cols; ++j) {
          const std::size_t k = static_cast<std::size_t>(r) * cols + j;
          y_ref[k] = log ? (xr[j] - m) - std::log(s) : std::exp(xr[j] - m) / s;
          dot += dy[k] * y_ref[k];
          total += dy[k];
        }
        for (int j = 0; j < cols; ++j) {
          const std::size_t k = static_cast<std::size_t>(r) * cols + j;
          dx_ref[k] = log ? dy[k] - std::exp(y_ref[k]) * total : y_ref[k] * (dy[k] - dot);
        }
      }

      cuda_softmax_forward(x_buf.ptr, y_buf.ptr, rows, cols, log, device, 0);
      check(cudaMemcpy(y_host.data(), y_buf.ptr, n * sizeof(float), cudaMemcpyDeviceToHost),
            "copy y");
      cuda_softmax_backward(y_buf.ptr, dy_buf.ptr, out_buf.ptr, rows, cols, log, device, 0);
      check(cudaMemcpy(out.data(), out_buf.ptr, n * sizeof(float), cudaMemcpyDeviceToHost),
            "copy dx");

      double& fwd = worst[log ? 1 : 0].second;
      double& bwd = worst[log ? 3 : 2].second;
      for (std::size_t k = 0; k < n; ++k) {
        fwd = std::fmax(fwd, std::fabs(y_host[k] - y_ref[k]));
        bwd = std::fmax(bwd, std::fabs(out[k] - dx_ref[k]));
      }
    }
  }

  // Attention forward, float32: out and lse against a double host computation, causal and not,
  // with T and S not multiples of the kernel's 32-row tiles and T != S both ways.
  worst.emplace_back("attention_fwd", 0.0);
  double& attention = worst.back().second;
  for (auto [T, S, causal] : {std::tuple<int, int, bool>{37, 45, false}, {45, 37, true}}) {
    const int BH = 2, D = 64;
    const double scale = 1.0 / std::sqrt(static_cast<double>(D));
    const std::size_t nq = static_cast<std::size_t>(BH) * T * D;
    const std::size_t nk = static_cast<std::size_t>(BH) * S * D;
    std::vector<float> q(nq), k(nk), v(nk), out(nq), lse(static_cast<std::size_t>(BH) * T);
    std::normal_distribution<float> unit(0.0f, 1.0f);
    for (auto* a : {&q, &k, &v}) {
      for (auto& x : *a) x = unit(rng);
    }

    DeviceBuffer q_buf(nq), k_buf(nk), v_buf(nk), out_buf(nq), lse_buf(lse.size());
    check(cudaMemcpy(q_buf.ptr, q.data(), nq * sizeof(float), cudaMemcpyHostToDevice), "copy q");
    check(cudaMemcpy(k_buf.ptr, k.data(), nk * sizeof(float), cudaMemcpyHostToDevice), "copy k");
    check(cudaMemcpy(v_buf.ptr, v.data(), nk * sizeof(float), cudaMemcpyHostToDevice), "copy v");
    cuda_attention_forward(0, q_buf.ptr, k_buf.ptr, v_buf.ptr, out_buf.ptr, lse_buf.ptr, BH, 1, T,
                           S, D, static_cast<float>(scale), causal, device, 0);
    check(cudaMemcpy(out.data(), out_buf.ptr, nq * sizeof(float), cudaMemcpyDeviceToHost),
          "copy out");
    check(cudaMemcpy(lse.data(), lse_buf.ptr, lse.size() * sizeof(float), cudaMemcpyDeviceToHost),
          "copy lse");

    std::vector<double> s(S);
    for (int bh = 0; bh < BH; ++bh) {
      for (int i = 0; i < T; ++i) {
        const float* qi = &q[(static_cast<std::size_t>(bh) * T + i) * D];
        const int visible = causal ? std::min(S, i + 1) : S;  // keys 0 .. visible - 1
        double m = -INFINITY, total = 0.0;
        for (int j = 0; j < visible; ++j) {
          const float* kj = &k[(static_cast<std::size_t>(bh) * S + j) * D];
          double dot = 0.0;
          for (int d = 0; d < D; ++d) dot += static_cast<double>(qi[d]) * kj[d];
          s[j] = scale * dot;
          m = std::fmax(m, s[j]);
        }
        for (int j = 0; j < visible; ++j) total += std::exp(s[j] - m);
        const std::size_t row = static_cast<std::size_t>(bh) * T + i;
        attention = std::fmax(attention, std::fabs(lse[row] - (m + std::log(total))));
        for (int d = 0; d < D; ++d) {
          double o = 0.0;
          for (int j = 0; j < visible; ++j) {
            o += std::exp(s[j] - m) / total * v[(static_cast<std::size_t>(bh) * S + j) * D + d];
          }
          attention = std::fmax(attention, std::fabs(out[row * D + d] - o));
        }
      }
    }
  }
  return worst;
}

}  // namespace neuron
