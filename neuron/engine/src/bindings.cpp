// The Python module neuron.engine._engine: argument checks, dispatch to the CPU or CUDA kernels,
// and translation of C++ errors into the classes of neuron.errors.
//
// Arrays arrive as nanobind ndarrays (DLPack or the buffer protocol): NumPy arrays and PyTorch
// tensors, CPU or CUDA, never copied. The public wrappers in neuron/engine/__init__.py allocate
// outputs and give friendlier messages; the checks here are the last line and hold for any caller.
// Kernels run with the GIL released.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

#include "cpu_features.h"
#include "cuda_api.h"
#include "errors.h"
#include "attention_cpu.h"
#include "softmax_cpu.h"
#include "thread_pool.h"
#include "word2vec_cpu.h"

namespace nb = nanobind;
using neuron::EngineError;
using neuron::ErrorKind;

namespace {

using InArray = nb::ndarray<nb::ro>;
using OutArray = nb::ndarray<>;

const char* error_class(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::InvalidArgument:
      return "InvalidArgumentError";
    case ErrorKind::Shape:
      return "ShapeError";
    case ErrorKind::DType:
      return "DTypeError";
    case ErrorKind::Device:
      return "DeviceError";
    case ErrorKind::Layout:
      return "LayoutError";
    case ErrorKind::CudaUnavailable:
      return "CudaUnavailableError";
    case ErrorKind::Runtime:
      return nullptr;
  }
  return nullptr;
}

template <typename A>
std::string shape_string(const A& a) {
  std::string s = "(";
  for (size_t i = 0; i < a.ndim(); ++i) {
    s += std::to_string(a.shape(i));
    if (a.ndim() == 1 || i + 1 < a.ndim()) s += a.ndim() == 1 ? "," : ", ";
  }
  return s + ")";
}

std::string dtype_string(nb::dlpack::dtype d) {
  std::string kind;
  switch (static_cast<nb::dlpack::dtype_code>(d.code)) {
    case nb::dlpack::dtype_code::Int:
      kind = "int";
      break;
    case nb::dlpack::dtype_code::UInt:
      kind = "uint";
      break;
    case nb::dlpack::dtype_code::Float:
      kind = "float";
      break;
    case nb::dlpack::dtype_code::Bfloat:
      kind = "bfloat";
      break;
    case nb::dlpack::dtype_code::Complex:
      kind = "complex";
      break;
    case nb::dlpack::dtype_code::Bool:
      return "bool";
  }
  return kind + std::to_string(d.bits);
}

std::string device_string(int type, int id) {
  if (type == nb::device::cpu::value) return "cpu";
  if (type == nb::device::cuda::value) return "cuda:" + std::to_string(id);
  return "device type " + std::to_string(type);
}

template <typename A>
bool is_c_contiguous(const A& a) {
  // Size-1 dimensions may carry any stride; an empty array is contiguous.
  std::int64_t expected = 1;
  for (size_t i = a.ndim(); i-- > 0;) {
    if (a.shape(i) == 0) return true;
  }
  for (size_t i = a.ndim(); i-- > 0;) {
    if (a.shape(i) != 1 && a.stride(i) != expected) return false;
    expected *= static_cast<std::int64_t>(a.shape(i));
  }
  return true;
}

// Checks one array on its own: at least one dimension, float32/float64, C-contiguous.
template <typename A>
void check_array(const A& a, const char* name) {
  if (a.ndim() < 1) {
    throw EngineError(ErrorKind::Shape, std::string("expected ") + name +
                                            " with at least 1 dimension, got a 0-d array; "
                                            "reshape it to (1,) or more");
  }
  if (a.dtype() != nb::dtype<float>() && a.dtype() != nb::dtype<double>()) {
    throw EngineError(ErrorKind::DType, std::string("expected ") + name +
                                            " of dtype float32 or float64, got " +
                                            dtype_string(a.dtype()) + "; convert it first");
  }
  if (!is_c_contiguous(a)) {
    throw EngineError(ErrorKind::Layout, std::string("expected ") + name +
                                             " to be C-contiguous (row-major), got strides that "
                                             "are not; make a contiguous copy first");
  }
  if (a.device_type() != nb::device::cpu::value && a.device_type() != nb::device::cuda::value) {
    throw EngineError(ErrorKind::Device, std::string("expected ") + name +
                                             " on the CPU or a CUDA device, got " +
                                             device_string(a.device_type(), a.device_id()));
  }
}

// Checks that b matches a in shape, dtype and device.
template <typename A, typename B>
void check_same(const A& a, const char* a_name, const B& b, const char* b_name) {
  bool same_shape = a.ndim() == b.ndim();
  for (size_t i = 0; same_shape && i < a.ndim(); ++i) same_shape = a.shape(i) == b.shape(i);
  if (!same_shape) {
    throw EngineError(ErrorKind::Shape, std::string("expected ") + b_name + " of shape " +
                                            shape_string(a) + " like " + a_name + ", got " +
                                            shape_string(b) + "; pass arrays of the same shape");
  }
  if (a.dtype() != b.dtype()) {
    throw EngineError(ErrorKind::DType, std::string("expected ") + b_name + " of dtype " +
                                            dtype_string(a.dtype()) + " like " + a_name + ", got " +
                                            dtype_string(b.dtype()) + "; convert one of them");
  }
  if (a.device_type() != b.device_type() || a.device_id() != b.device_id()) {
    throw EngineError(ErrorKind::Device, std::string("expected ") + b_name + " on " +
                                             device_string(a.device_type(), a.device_id()) +
                                             " like " + a_name + ", got " +
                                             device_string(b.device_type(), b.device_id()) +
                                             "; move them to one device");
  }
}

// Output buffers may be the input itself (in place) but must not partly overlap it.
template <typename A, typename B>
void check_no_partial_overlap(const A& in, const char* in_name, const B& out,
                              const char* out_name) {
  const auto* a = static_cast<const char*>(in.data());
  const auto* b = static_cast<const char*>(out.data());
  const size_t bytes = in.nbytes();
  if (a == b || bytes == 0) return;
  if (a < b + bytes && b < a + bytes) {
    throw EngineError(ErrorKind::InvalidArgument,
                      std::string("expected ") + out_name + " to be either " + in_name +
                          " itself or a separate buffer, got one that partly overlaps it; "
                          "pass a fresh array");
  }
}

template <typename A>
std::pair<std::int64_t, std::int64_t> rows_cols(const A& a) {
  const std::int64_t cols = static_cast<std::int64_t>(a.shape(a.ndim() - 1));
  std::int64_t rows = 1;
  for (size_t i = 0; i + 1 < a.ndim(); ++i) rows *= static_cast<std::int64_t>(a.shape(i));
  return {rows, cols};
}

void require_cuda_float32(const InArray& a, const char* name) {
  if (a.dtype() != nb::dtype<float>()) {
    throw EngineError(ErrorKind::DType, std::string("expected ") + name +
                                            " of dtype float32 for the CUDA kernels, got " +
                                            dtype_string(a.dtype()) + "; convert with .float()");
  }
}

void softmax_forward(const InArray& x, OutArray& y, bool log, std::uintptr_t stream) {
  check_array(x, "x");
  check_array(y, "out");
  check_same(x, "x", y, "out");
  check_no_partial_overlap(x, "x", y, "out");
  auto [rows, cols] = rows_cols(x);

  if (x.device_type() == nb::device::cuda::value) {
    require_cuda_float32(x, "x");
    neuron::cuda_softmax_forward(static_cast<const float*>(x.data()), static_cast<float*>(y.data()),
                                 rows, cols, log, x.device_id(), stream);
  } else if (x.dtype() == nb::dtype<float>()) {
    neuron::softmax_forward_cpu(static_cast<const float*>(x.data()), static_cast<float*>(y.data()),
                                rows, cols, log);
  } else {
    neuron::softmax_forward_cpu(static_cast<const double*>(x.data()),
                                static_cast<double*>(y.data()), rows, cols, log);
  }
}

void softmax_backward(const InArray& y, const InArray& dy, OutArray& dx, bool log,
                      std::uintptr_t stream) {
  check_array(y, "y");
  check_array(dy, "dy");
  check_array(dx, "out");
  check_same(y, "y", dy, "dy");
  check_same(y, "y", dx, "out");
  check_no_partial_overlap(y, "y", dx, "out");
  check_no_partial_overlap(dy, "dy", dx, "out");
  auto [rows, cols] = rows_cols(y);

  if (y.device_type() == nb::device::cuda::value) {
    require_cuda_float32(y, "y");
    neuron::cuda_softmax_backward(
        static_cast<const float*>(y.data()), static_cast<const float*>(dy.data()),
        static_cast<float*>(dx.data()), rows, cols, log, y.device_id(), stream);
  } else if (y.dtype() == nb::dtype<float>()) {
    neuron::softmax_backward_cpu(static_cast<const float*>(y.data()),
                                 static_cast<const float*>(dy.data()),
                                 static_cast<float*>(dx.data()), rows, cols, log);
  } else {
    neuron::softmax_backward_cpu(static_cast<const double*>(y.data()),
                                 static_cast<const double*>(dy.data()),
                                 static_cast<double*>(dx.data()), rows, cols, log);
  }
}

void vector_exp(const InArray& x, OutArray& y) {
  check_array(x, "x");
  check_array(y, "out");
  check_same(x, "x", y, "out");
  if (x.device_type() != nb::device::cpu::value) {
    throw EngineError(ErrorKind::Device, "expected x on the CPU, got " +
                                             device_string(x.device_type(), x.device_id()) +
                                             "; the polynomial exp is a CPU kernel");
  }
  const auto n = static_cast<std::int64_t>(x.size());
  if (x.dtype() == nb::dtype<float>()) {
    neuron::exp_cpu(static_cast<const float*>(x.data()), static_cast<float*>(y.data()), n);
  } else {
    neuron::exp_cpu(static_cast<const double*>(x.data()), static_cast<double*>(y.data()), n);
  }
}

// ---- word2vec -----------------------------------------------------------------------------------

// Checks one word2vec argument: exact dtype, number of dimensions, C-contiguous, on `device`.
template <typename T, typename A>
void check_typed(const A& a, const char* name, size_t ndim, const char* dtype_name,
                 int device_type) {
  if (a.dtype() != nb::dtype<T>()) {
    throw EngineError(ErrorKind::DType, std::string("expected ") + name + " of dtype " +
                                            dtype_name + ", got " + dtype_string(a.dtype()) +
                                            "; convert it with .astype(np." + dtype_name + ")");
  }
  if (a.ndim() != ndim) {
    throw EngineError(ErrorKind::Shape, std::string("expected ") + name + " with " +
                                            std::to_string(ndim) + " dimension(s), got shape " +
                                            shape_string(a) + "; reshape it");
  }
  if (!is_c_contiguous(a)) {
    throw EngineError(ErrorKind::Layout, std::string("expected ") + name +
                                             " to be C-contiguous, got strides that are not; "
                                             "make a contiguous copy first");
  }
  if (a.device_type() != device_type) {
    throw EngineError(ErrorKind::Device, std::string("expected ") + name + " on " +
                                             device_string(device_type, 0).substr(0, 4) + ", got " +
                                             device_string(a.device_type(), a.device_id()) +
                                             "; move it to the device of the other arguments");
  }
}

template <typename A>
void check_length(const A& a, const char* name, std::int64_t n, const char* what) {
  if (static_cast<std::int64_t>(a.shape(0)) != n) {
    throw EngineError(ErrorKind::Shape, std::string("expected ") + name + " of length " +
                                            std::to_string(n) + " (" + what + "), got shape " +
                                            shape_string(a) + "; pass one entry per " + what);
  }
}

// w_in and w_out: float32 (V, D), same shape, separate buffers.
void check_vectors(const OutArray& w_in, const OutArray& w_out, int device_type) {
  check_typed<float>(w_in, "w_in", 2, "float32", device_type);
  check_typed<float>(w_out, "w_out", 2, "float32", device_type);
  check_same(w_in, "w_in", w_out, "w_out");
  const auto* a = static_cast<const char*>(w_in.data());
  const auto* b = static_cast<const char*>(w_out.data());
  const size_t bytes = w_in.nbytes();
  if (bytes != 0 && a < b + bytes && b < a + bytes) {
    throw EngineError(ErrorKind::InvalidArgument,
                      "expected w_in and w_out to be separate arrays, got overlapping ones; "
                      "initialise w_out with np.zeros_like(w_in)");
  }
}

// The pair arrays: inputs, outputs (P,) int32; negatives (P, k) int32; alphas (P,) float32.
std::pair<std::int64_t, std::int64_t> check_pairs(const InArray& inputs, const InArray& outputs,
                                                  const InArray& negatives, const InArray& alphas,
                                                  int device_type) {
  check_typed<std::int32_t>(inputs, "inputs", 1, "int32", device_type);
  check_typed<std::int32_t>(outputs, "outputs", 1, "int32", device_type);
  check_typed<std::int32_t>(negatives, "negatives", 2, "int32", device_type);
  check_typed<float>(alphas, "alphas", 1, "float32", device_type);
  const auto P = static_cast<std::int64_t>(inputs.shape(0));
  check_length(outputs, "outputs", P, "pair");
  check_length(negatives, "negatives", P, "pair");
  check_length(alphas, "alphas", P, "pair");
  return {P, static_cast<std::int64_t>(negatives.shape(1))};
}

double word2vec_train_pairs(OutArray& w_in, OutArray& w_out, const InArray& inputs,
                            const InArray& outputs, const InArray& negatives,
                            const InArray& alphas) {
  const int cpu = nb::device::cpu::value;
  check_vectors(w_in, w_out, cpu);
  auto [P, k] = check_pairs(inputs, outputs, negatives, alphas, cpu);
  const auto V = static_cast<std::int64_t>(w_in.shape(0));
  const auto D = static_cast<std::int64_t>(w_in.shape(1));
  const auto* c = static_cast<const std::int32_t*>(inputs.data());
  const auto* o = static_cast<const std::int32_t*>(outputs.data());
  const auto* n = static_cast<const std::int32_t*>(negatives.data());
  neuron::word2vec_check_ids(c, P, V, "inputs");
  neuron::word2vec_check_ids(o, P, V, "outputs");
  neuron::word2vec_check_ids(n, P * k, V, "negatives");
  return neuron::word2vec_train_pairs_cpu(static_cast<float*>(w_in.data()),
                                          static_cast<float*>(w_out.data()), V, D, c, o, n,
                                          static_cast<const float*>(alphas.data()), P, k);
}

double word2vec_train_pairs_cuda(OutArray& w_in, OutArray& w_out, const InArray& inputs,
                                 const InArray& outputs, const InArray& negatives,
                                 const InArray& alphas, std::uintptr_t stream) {
  const int cuda = nb::device::cuda::value;
  check_vectors(w_in, w_out, cuda);
  auto [P, k] = check_pairs(inputs, outputs, negatives, alphas, cuda);
  for (const InArray* a : {&inputs, &outputs, &negatives, &alphas}) {
    if (a->device_id() != w_in.device_id()) {
      throw EngineError(ErrorKind::Device,
                        "expected every pair array on " + device_string(cuda, w_in.device_id()) +
                            " like w_in, got one on " + device_string(cuda, a->device_id()) +
                            "; move them to one device");
    }
  }
  return neuron::cuda_word2vec_train_pairs(
      static_cast<float*>(w_in.data()), static_cast<float*>(w_out.data()),
      static_cast<std::int64_t>(w_in.shape(0)), static_cast<std::int64_t>(w_in.shape(1)),
      static_cast<const std::int32_t*>(inputs.data()),
      static_cast<const std::int32_t*>(outputs.data()),
      static_cast<const std::int32_t*>(negatives.data()), static_cast<const float*>(alphas.data()),
      P, k, w_in.device_id(), stream);
}

// (loss, pairs, words, kept_words, cancelled)
std::tuple<double, std::int64_t, std::int64_t, std::int64_t, bool> word2vec_train_corpus(
    OutArray& w_in, OutArray& w_out, const InArray& tokens, const InArray& offsets,
    const InArray& keep_prob, const InArray& noise, int window, int negative, double alpha_start,
    double alpha_end, std::uint64_t seed, int threads, std::optional<OutArray> control) {
  const int cpu = nb::device::cpu::value;
  check_vectors(w_in, w_out, cpu);
  check_typed<std::int32_t>(tokens, "tokens", 1, "int32", cpu);
  check_typed<std::int64_t>(offsets, "offsets", 1, "int64", cpu);
  check_typed<float>(keep_prob, "keep_prob", 1, "float32", cpu);
  check_typed<double>(noise, "noise", 1, "float64", cpu);
  const auto V = static_cast<std::int64_t>(w_in.shape(0));
  const auto D = static_cast<std::int64_t>(w_in.shape(1));
  const auto N = static_cast<std::int64_t>(tokens.shape(0));
  check_length(keep_prob, "keep_prob", V, "word, the rows of w_in");
  check_length(noise, "noise", V, "word, the rows of w_in");
  if (offsets.shape(0) < 1) {
    throw EngineError(ErrorKind::Shape,
                      "expected offsets of length S+1 >= 1 (the sentence boundaries), got "
                      "shape (0,); pass np.array([0, len(tokens)]) for one sentence");
  }
  const auto S = static_cast<std::int64_t>(offsets.shape(0)) - 1;
  std::int64_t* control_data = nullptr;
  if (control.has_value()) {
    check_typed<std::int64_t>(*control, "control", 1, "int64", cpu);
    check_length(*control, "control", 4, "slot: words, pairs, cancel, reserved");
    control_data = static_cast<std::int64_t*>(control->data());
  }

  neuron::Word2VecCorpusOptions options;
  options.window = window;
  options.negative = negative;
  options.alpha_start = alpha_start;
  options.alpha_end = alpha_end;
  options.seed = seed;
  options.threads = threads;
  neuron::word2vec_check_options(options);
  const auto* token_data = static_cast<const std::int32_t*>(tokens.data());
  const auto* offset_data = static_cast<const std::int64_t*>(offsets.data());
  neuron::word2vec_check_ids(token_data, N, V, "tokens");
  neuron::word2vec_check_offsets(offset_data, S, N);
  neuron::word2vec_check_keep_prob(static_cast<const float*>(keep_prob.data()), V);
  neuron::word2vec_check_noise(static_cast<const double*>(noise.data()), V);

  const neuron::Word2VecStats stats = neuron::word2vec_train_corpus_cpu(
      static_cast<float*>(w_in.data()), static_cast<float*>(w_out.data()), V, D, token_data, N,
      offset_data, S, static_cast<const float*>(keep_prob.data()),
      static_cast<const double*>(noise.data()), options, control_data);
  return {stats.loss, stats.pairs, stats.words, stats.kept_words, stats.cancelled};
}

void word2vec_fast_sigmoid(const InArray& s, OutArray& sigmoid, OutArray& log_sigmoid) {
  const int cpu = nb::device::cpu::value;
  check_typed<float>(s, "s", 1, "float32", cpu);
  check_typed<float>(sigmoid, "sigmoid", 1, "float32", cpu);
  check_typed<float>(log_sigmoid, "log_sigmoid", 1, "float32", cpu);
  check_same(s, "s", sigmoid, "sigmoid");
  check_same(s, "s", log_sigmoid, "log_sigmoid");
  neuron::word2vec_fast_sigmoid(
      static_cast<const float*>(s.data()), static_cast<float*>(sigmoid.data()),
      static_cast<float*>(log_sigmoid.data()), static_cast<std::int64_t>(s.shape(0)));
}

// ---- attention ----------------------------------------------------------------------------------

// The dtype code the CUDA kernels take (cuda_api.h): 0 float32, 1 float16, 2 bfloat16.
int cuda_dtype_code(const InArray& a) {
  if (a.dtype() == nb::dtype<float>()) return 0;
  if (a.dtype().code == static_cast<std::uint8_t>(nb::dlpack::dtype_code::Float) &&
      a.dtype().bits == 16) {
    return 1;
  }
  if (a.dtype().code == static_cast<std::uint8_t>(nb::dlpack::dtype_code::Bfloat) &&
      a.dtype().bits == 16) {
    return 2;
  }
  throw EngineError(ErrorKind::DType, "expected q of dtype float32, float16 or bfloat16 on CUDA, "
                                      "got " + dtype_string(a.dtype()) + "; convert it first");
}

// The shape of an attention problem: q (..., T, D), k and v (..., S, D), leading axes BH.
struct AttentionShape {
  std::int64_t BH = 1, T = 0, S = 0, D = 0;
  bool cuda = false;
};

template <typename A>
std::string leading_string(const A& a) {
  std::string s = "(";
  for (size_t i = 0; i + 2 < a.ndim(); ++i) s += std::to_string(a.shape(i)) + ", ";
  return s;
}

template <typename A>
void check_attention_array(const A& a, const char* name, bool cuda, size_t min_ndim = 2) {
  if (a.ndim() < min_ndim) {
    throw EngineError(ErrorKind::Shape,
                      std::string("expected ") + name + " with at least " +
                          std::to_string(min_ndim) + " dimension(s) (" +
                          (min_ndim == 2 ? "..., T, D" : "..., T") + "), got shape " +
                          shape_string(a));
  }
  if (!is_c_contiguous(a)) {
    throw EngineError(ErrorKind::Layout, std::string("expected ") + name +
                                             " to be C-contiguous (row-major), got strides that "
                                             "are not; call .contiguous() first");
  }
  const int want = cuda ? nb::device::cuda::value : nb::device::cpu::value;
  if (a.device_type() != want) {
    throw EngineError(ErrorKind::Device, std::string("expected ") + name + " on " +
                                             (cuda ? "the CUDA device" : "the CPU") +
                                             " like q, got " +
                                             device_string(a.device_type(), a.device_id()) +
                                             "; move every argument to one device");
  }
}

// Checks q, k, v together and returns the problem's shape.
AttentionShape attention_shape(const InArray& q, const InArray& k, const InArray& v) {
  AttentionShape sh;
  sh.cuda = q.device_type() == nb::device::cuda::value;
  if (!sh.cuda && q.device_type() != nb::device::cpu::value) {
    throw EngineError(ErrorKind::Device, "expected q on the CPU or a CUDA device, got " +
                                             device_string(q.device_type(), q.device_id()));
  }
  check_attention_array(q, "q", sh.cuda);
  check_attention_array(k, "k", sh.cuda);
  check_attention_array(v, "v", sh.cuda);
  if (sh.cuda) {
    cuda_dtype_code(q);
  } else if (q.dtype() != nb::dtype<float>() && q.dtype() != nb::dtype<double>()) {
    throw EngineError(ErrorKind::DType, "expected q of dtype float32 or float64 on the CPU, got " +
                                            dtype_string(q.dtype()) +
                                            " (float16 and bfloat16 run on CUDA); convert it");
  }
  for (const auto& [a, name] : {std::pair{&k, "k"}, std::pair{&v, "v"}}) {
    if (a->dtype() != q.dtype()) {
      throw EngineError(ErrorKind::DType, std::string("expected ") + name + " of dtype " +
                                              dtype_string(q.dtype()) + " like q, got " +
                                              dtype_string(a->dtype()) + "; convert it");
    }
    if (a->device_id() != q.device_id()) {
      throw EngineError(ErrorKind::Device, std::string("expected ") + name + " on " +
                                               device_string(q.device_type(), q.device_id()) +
                                               " like q, got " +
                                               device_string(a->device_type(), a->device_id()));
    }
  }
  const size_t n = q.ndim();
  sh.T = static_cast<std::int64_t>(q.shape(n - 2));
  sh.D = static_cast<std::int64_t>(q.shape(n - 1));
  sh.S = static_cast<std::int64_t>(k.shape(k.ndim() - 2));
  for (size_t i = 0; i + 2 < n; ++i) sh.BH *= static_cast<std::int64_t>(q.shape(i));
  const std::string expected_kv = leading_string(q) + "S, " + std::to_string(sh.D) + ")";
  for (const auto& [a, name] : {std::pair{&k, "k"}, std::pair{&v, "v"}}) {
    bool ok = a->ndim() == n && static_cast<std::int64_t>(a->shape(n - 1)) == sh.D &&
              static_cast<std::int64_t>(a->shape(n - 2)) == sh.S;
    for (size_t i = 0; ok && i + 2 < n; ++i) ok = a->shape(i) == q.shape(i);
    if (!ok) {
      throw EngineError(ErrorKind::Shape, std::string("expected ") + name + " of shape " +
                                              expected_kv + " to match q " + shape_string(q) +
                                              " and k, got " + shape_string(*a));
    }
  }
  if (sh.D < 1) {
    throw EngineError(ErrorKind::Shape, "expected a head dimension D >= 1, got q of shape " +
                                            shape_string(q));
  }
  if (sh.T > 0 && sh.S < 1) {
    throw EngineError(ErrorKind::Shape,
                      "expected at least one key (S >= 1), got k of shape " + shape_string(k) +
                          "; attention over no keys is undefined");
  }
  return sh;
}

// An output: the given shape (leading axes of q, then `last`), dtype and q's device.
template <typename A>
void check_attention_output(const A& out, const char* name, const InArray& like,
                            std::int64_t rows, std::int64_t cols, bool float32, bool cuda) {
  const bool matrix = cols >= 0;  // (..., rows, cols) or (..., rows)
  check_attention_array(out, name, cuda, matrix ? 2 : 1);
  const size_t n = like.ndim();
  bool ok = out.ndim() == (matrix ? n : n - 1);
  for (size_t i = 0; ok && i + 2 < n; ++i) ok = out.shape(i) == like.shape(i);
  if (ok) {
    const size_t m = out.ndim();
    ok = static_cast<std::int64_t>(out.shape(matrix ? m - 2 : m - 1)) == rows &&
         (!matrix || static_cast<std::int64_t>(out.shape(m - 1)) == cols);
  }
  if (!ok) {
    std::string want = leading_string(like) + std::to_string(rows);
    want += matrix ? ", " + std::to_string(cols) + ")" : ")";
    throw EngineError(ErrorKind::Shape, std::string("expected ") + name + " of shape " + want +
                                            ", got " + shape_string(out));
  }
  const bool dtype_ok = float32 ? out.dtype() == nb::dtype<float>() : out.dtype() == like.dtype();
  if (!dtype_ok) {
    throw EngineError(ErrorKind::DType, std::string("expected ") + name + " of dtype " +
                                            (float32 ? "float32" : dtype_string(like.dtype())) +
                                            ", got " + dtype_string(out.dtype()));
  }
  if (out.device_id() != like.device_id()) {
    throw EngineError(ErrorKind::Device, std::string("expected ") + name + " on " +
                                             device_string(like.device_type(), like.device_id()) +
                                             ", got " +
                                             device_string(out.device_type(), out.device_id()));
  }
}

// Outputs are written while every input is still read: they must not overlap any of them.
template <typename A, typename B>
void check_disjoint(const A& in, const char* in_name, const B& out, const char* out_name) {
  const auto* a = static_cast<const char*>(in.data());
  const auto* b = static_cast<const char*>(out.data());
  if (in.nbytes() == 0 || out.nbytes() == 0) return;
  if (a < b + out.nbytes() && b < a + in.nbytes()) {
    throw EngineError(ErrorKind::InvalidArgument,
                      std::string("expected ") + out_name + " to be a separate buffer from " +
                          in_name + ", got memory that overlaps it; pass a fresh array");
  }
}

void attention_forward(const InArray& q, const InArray& k, const InArray& v, OutArray& out,
                       OutArray& lse, double scale, bool causal, std::uintptr_t stream) {
  const AttentionShape sh = attention_shape(q, k, v);
  check_attention_output(out, "out", q, sh.T, sh.D, false, sh.cuda);
  check_attention_output(lse, "lse", q, sh.T, -1, sh.cuda, sh.cuda);
  for (const auto& [in, name] : {std::pair{&q, "q"}, std::pair{&k, "k"}, std::pair{&v, "v"}}) {
    check_disjoint(*in, name, out, "out");
    check_disjoint(*in, name, lse, "lse");
  }
  check_disjoint(out, "out", lse, "lse");
  nb::gil_scoped_release release;
  if (sh.cuda) {
    neuron::cuda_attention_forward(cuda_dtype_code(q), q.data(), k.data(), v.data(), out.data(),
                                   static_cast<float*>(lse.data()), sh.BH, 1, sh.T, sh.S, sh.D,
                                   static_cast<float>(scale), causal, q.device_id(), stream);
  } else if (q.dtype() == nb::dtype<float>()) {
    neuron::attention_forward_cpu(
        static_cast<const float*>(q.data()), static_cast<const float*>(k.data()),
        static_cast<const float*>(v.data()), static_cast<float*>(out.data()),
        static_cast<float*>(lse.data()), sh.BH, sh.T, sh.S, sh.D, static_cast<float>(scale),
        causal);
  } else {
    neuron::attention_forward_cpu(
        static_cast<const double*>(q.data()), static_cast<const double*>(k.data()),
        static_cast<const double*>(v.data()), static_cast<double*>(out.data()),
        static_cast<double*>(lse.data()), sh.BH, sh.T, sh.S, sh.D, scale, causal);
  }
}

void attention_backward(const InArray& q, const InArray& k, const InArray& v, const InArray& out,
                        const InArray& dout, const InArray& lse, OutArray& dq, OutArray& dk,
                        OutArray& dv, double scale, bool causal, std::uintptr_t stream) {
  const AttentionShape sh = attention_shape(q, k, v);
  check_attention_output(out, "out", q, sh.T, sh.D, false, sh.cuda);
  check_attention_output(dout, "dout", q, sh.T, sh.D, false, sh.cuda);
  check_attention_output(lse, "lse", q, sh.T, -1, sh.cuda, sh.cuda);
  check_attention_output(dq, "dq", q, sh.T, sh.D, false, sh.cuda);
  check_attention_output(dk, "dk", q, sh.S, sh.D, false, sh.cuda);
  check_attention_output(dv, "dv", q, sh.S, sh.D, false, sh.cuda);
  const std::pair<const InArray*, const char*> inputs[] = {
      {&q, "q"}, {&k, "k"}, {&v, "v"}, {&out, "out"}, {&dout, "dout"}, {&lse, "lse"}};
  for (const auto& [in, name] : inputs) {
    check_disjoint(*in, name, dq, "dq");
    check_disjoint(*in, name, dk, "dk");
    check_disjoint(*in, name, dv, "dv");
  }
  check_disjoint(dq, "dq", dk, "dk");
  check_disjoint(dq, "dq", dv, "dv");
  check_disjoint(dk, "dk", dv, "dv");
  nb::gil_scoped_release release;
  if (sh.cuda) {
    neuron::cuda_attention_backward(cuda_dtype_code(q), q.data(), k.data(), v.data(), out.data(),
                                    dout.data(), static_cast<const float*>(lse.data()), dq.data(),
                                    dk.data(), dv.data(), sh.BH, 1, sh.T, sh.S, sh.D,
                                    static_cast<float>(scale), causal, q.device_id(), stream);
  } else if (q.dtype() == nb::dtype<float>()) {
    neuron::attention_backward_cpu(
        static_cast<const float*>(q.data()), static_cast<const float*>(k.data()),
        static_cast<const float*>(v.data()), static_cast<const float*>(out.data()),
        static_cast<const float*>(dout.data()), static_cast<const float*>(lse.data()),
        static_cast<float*>(dq.data()), static_cast<float*>(dk.data()),
        static_cast<float*>(dv.data()), sh.BH, sh.T, sh.S, sh.D, static_cast<float>(scale),
        causal);
  } else {
    neuron::attention_backward_cpu(
        static_cast<const double*>(q.data()), static_cast<const double*>(k.data()),
        static_cast<const double*>(v.data()), static_cast<const double*>(out.data()),
        static_cast<const double*>(dout.data()), static_cast<const double*>(lse.data()),
        static_cast<double*>(dq.data()), static_cast<double*>(dk.data()),
        static_cast<double*>(dv.data()), sh.BH, sh.T, sh.S, sh.D, scale, causal);
  }
}

void attention_probabilities(const InArray& q, const InArray& k, const InArray& lse,
                             OutArray& probs, double scale, bool causal) {
  const AttentionShape sh = attention_shape(q, k, k);
  if (sh.cuda) {
    throw EngineError(ErrorKind::Device,
                      "expected q and k on the CPU, got CUDA tensors; the probabilities are a CPU "
                      "kernel for plots of short sequences, so move them with .cpu()");
  }
  check_attention_output(lse, "lse", q, sh.T, -1, false, false);
  check_attention_output(probs, "probs", q, sh.T, sh.S, false, false);
  check_disjoint(q, "q", probs, "probs");
  check_disjoint(k, "k", probs, "probs");
  check_disjoint(lse, "lse", probs, "probs");
  nb::gil_scoped_release release;
  if (q.dtype() == nb::dtype<float>()) {
    neuron::attention_probabilities_cpu(
        static_cast<const float*>(q.data()), static_cast<const float*>(k.data()),
        static_cast<const float*>(lse.data()), static_cast<float*>(probs.data()), sh.BH, sh.T,
        sh.S, sh.D, static_cast<float>(scale), causal);
  } else {
    neuron::attention_probabilities_cpu(
        static_cast<const double*>(q.data()), static_cast<const double*>(k.data()),
        static_cast<const double*>(lse.data()), static_cast<double*>(probs.data()), sh.BH, sh.T,
        sh.S, sh.D, scale, causal);
  }
}

nb::dict build_info() {
  nb::dict d;
  d["compiler"] = std::string(NEURON_COMPILER_ID) + " " + NEURON_COMPILER_VERSION;
  d["build_type"] = NEURON_BUILD_TYPE;
  d["target_processor"] = NEURON_SYSTEM_PROCESSOR;
  nb::list isas;
  isas.append("scalar");
#if defined(NEURON_HAVE_NEON)
  isas.append("neon");
#endif
#if defined(NEURON_HAVE_AVX2)
  isas.append("avx2");
#endif
#if defined(NEURON_HAVE_AVX512)
  isas.append("avx512");
#endif
  d["compiled_simd"] = isas;
#if defined(NEURON_WITH_CUDA)
  d["cuda_compiled"] = true;
#else
  d["cuda_compiled"] = false;
#endif
  d["cuda_architectures"] = std::string(NEURON_CUDA_ARCHS);
  d["cuda_version"] = std::string(NEURON_CUDA_VERSION);
  return d;
}

nb::dict cuda_report_dict() {
  neuron::CudaReport r = neuron::cuda_report();
  nb::dict d;
  d["compiled"] = r.compiled;
  d["runtime_version"] = r.runtime_version;
  d["driver_version"] = r.driver_version;
  d["reason"] = r.reason;
  nb::list devices;
  for (const auto& dev : r.devices) {
    nb::dict e;
    e["index"] = dev.index;
    e["name"] = dev.name;
    e["compute_capability"] = std::to_string(dev.major) + "." + std::to_string(dev.minor);
    e["total_memory_bytes"] = dev.total_memory;
    e["multiprocessors"] = dev.multiprocessors;
    devices.append(e);
  }
  d["devices"] = devices;
  return d;
}

}  // namespace

NB_MODULE(_engine, m) {
  m.doc() = "neuron's compiled engine (use the wrappers in neuron.engine).";

  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const EngineError& e) {
      const char* cls_name = error_class(e.kind());
      if (cls_name == nullptr) {
        PyErr_SetString(PyExc_RuntimeError, e.what());
        return;
      }
      try {
        nb::object cls = nb::module_::import_("neuron.errors").attr(cls_name);
        PyErr_SetString(cls.ptr(), e.what());
      } catch (const nb::python_error&) {
        PyErr_SetString(PyExc_RuntimeError, e.what());
      }
    }
  });

  m.def("build_info", &build_info, "What was compiled into this module.");
  m.def("cuda_report", &cuda_report_dict, "CUDA driver, runtime and devices; never raises.");
  m.def("cuda_require_device", &neuron::cuda_require_device,
        "Raise CudaUnavailableError unless a CUDA device can be used.");
  m.def("cuda_self_test", &neuron::cuda_self_test, nb::arg("device") = 0,
        nb::call_guard<nb::gil_scoped_release>(),
        "Run the CUDA kernels on a small input; largest absolute error per kernel.");

  m.def("cpu_features", &neuron::cpu_features, "(feature, present) pairs seen at run time.");
  m.def(
      "available_simd_levels",
      [] {
        std::vector<std::string> out;
        for (auto l : neuron::available_simd_levels()) out.emplace_back(neuron::simd_level_name(l));
        return out;
      },
      "SIMD levels compiled in and supported by this CPU, best last.");
  m.def(
      "simd_level",
      [] { return std::string(neuron::simd_level_name(neuron::active_simd_level())); },
      "The SIMD level the kernels use now.");
  m.def(
      "set_simd_level",
      [](const std::string& name) { neuron::set_simd_level(neuron::parse_simd_level(name)); },
      nb::arg("name"), "Force a SIMD level: scalar, neon, avx2 or avx512.");

  m.def(
      "num_threads", [] { return neuron::ThreadPool::instance().num_threads(); },
      "Threads the CPU kernels use.");
  m.def(
      "set_num_threads", [](int n) { neuron::ThreadPool::instance().set_num_threads(n); },
      nb::arg("n"), nb::call_guard<nb::gil_scoped_release>(),
      "Set the threads the CPU kernels use.");
  m.def("default_num_threads", &neuron::ThreadPool::default_num_threads,
        "Cores available to this process.");

  m.def("softmax_forward", &softmax_forward, nb::arg("x"), nb::arg("out"), nb::arg("log"),
        nb::arg("stream") = 0, nb::call_guard<nb::gil_scoped_release>(),
        "out = softmax(x) (or log_softmax when log) over the last axis.");
  m.def("softmax_backward", &softmax_backward, nb::arg("y"), nb::arg("dy"), nb::arg("out"),
        nb::arg("log"), nb::arg("stream") = 0, nb::call_guard<nb::gil_scoped_release>(),
        "out = backward of softmax (or log_softmax) at output y with gradient dy.");
  m.def("vector_exp", &vector_exp, nb::arg("x"), nb::arg("out"),
        nb::call_guard<nb::gil_scoped_release>(),
        "out = exp(x) with the CPU kernels' polynomial exp at the active SIMD level.");

  m.def("word2vec_train_pairs", &word2vec_train_pairs, nb::arg("w_in"), nb::arg("w_out"),
        nb::arg("inputs"), nb::arg("outputs"), nb::arg("negatives"), nb::arg("alphas"),
        nb::call_guard<nb::gil_scoped_release>(),
        "Skip-gram negative-sampling SGD on pairs in order, exact sigmoid; the float64 loss.");
  m.def("word2vec_train_pairs_cuda", &word2vec_train_pairs_cuda, nb::arg("w_in"), nb::arg("w_out"),
        nb::arg("inputs"), nb::arg("outputs"), nb::arg("negatives"), nb::arg("alphas"),
        nb::arg("stream") = 0, nb::call_guard<nb::gil_scoped_release>(),
        "train_pairs on CUDA arrays, one warp per pair (Hogwild within the batch).");
  m.def("word2vec_train_corpus", &word2vec_train_corpus, nb::arg("w_in"), nb::arg("w_out"),
        nb::arg("tokens"), nb::arg("offsets"), nb::arg("keep_prob"), nb::arg("noise"),
        nb::arg("window"), nb::arg("negative"), nb::arg("alpha_start"), nb::arg("alpha_end"),
        nb::arg("seed"), nb::arg("threads"), nb::arg("control").none(),
        nb::call_guard<nb::gil_scoped_release>(),
        "The skip-gram loop over sentences: (loss, pairs, words, kept_words, cancelled).");
  m.def("word2vec_fast_sigmoid", &word2vec_fast_sigmoid, nb::arg("s"), nb::arg("sigmoid"),
        nb::arg("log_sigmoid"),
        "sigmoid and log sigmoid by the table of the word2vec corpus loop (for accuracy tests).");
  m.def("attention_forward", &attention_forward, nb::arg("q"), nb::arg("k"), nb::arg("v"),
        nb::arg("out"), nb::arg("lse"), nb::arg("scale"), nb::arg("causal"),
        nb::arg("stream") = 0,
        "out = softmax(scale q k^T, causal) v and lse, the log-sum-exp of each score row.");
  m.def("attention_backward", &attention_backward, nb::arg("q"), nb::arg("k"), nb::arg("v"),
        nb::arg("out"), nb::arg("dout"), nb::arg("lse"), nb::arg("dq"), nb::arg("dk"),
        nb::arg("dv"), nb::arg("scale"), nb::arg("causal"), nb::arg("stream") = 0,
        "dq, dk, dv of attention from the forward's out and lse and the gradient dout.");
  m.def("attention_probabilities", &attention_probabilities, nb::arg("q"), nb::arg("k"),
        nb::arg("lse"), nb::arg("probs"), nb::arg("scale"), nb::arg("causal"),
        "probs = softmax(scale q k^T, causal), recomputed from the forward's lse (CPU).");
}
