// Errors raised by the engine's C++ code.
//
// C++ never exits or aborts on bad input: it throws EngineError, and the binding translates the
// kind into the matching class of neuron.errors (ShapeError, DTypeError, ...). Messages follow the
// project's pattern: what was expected, what was got, how to fix it.
#pragma once

#include <stdexcept>
#include <string>

namespace neuron {

enum class ErrorKind { InvalidArgument, Shape, DType, Device, Layout, CudaUnavailable, Runtime };

class EngineError : public std::runtime_error {
 public:
  EngineError(ErrorKind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

}  // namespace neuron
