#include <nanobind/nanobind.h>

namespace nb = nanobind;

NB_MODULE(_engine, m) {
  m.def("compiler", [] { return std::string(__VERSION__); });
}
