// recgrad/autograd/dtype.hpp — element types and the dispatch from a runtime dtype to a C++ type.
//
// Why a runtime dtype rather than a templated Tensor<T>: training runs in float32, gradient checks
// run the *same op functions* in float64, and the tape must hold both without templating every
// module, optimizer and model. So a Tensor carries a DType; each kernel is a template on the scalar
// type and `dispatch_float` picks the instantiation once per op call. Index tensors (embedding ids,
// argmin results, targets) use int64.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace recgrad {

enum class DType { f32, f64, i64 };

inline const char* dtype_name(DType d) {
  switch (d) {
    case DType::f32: return "float32";
    case DType::f64: return "float64";
    case DType::i64: return "int64";
  }
  return "?";
}

inline std::size_t dtype_size(DType d) { return d == DType::f32 ? 4 : 8; }
inline bool is_floating(DType d) { return d != DType::i64; }

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::f32;
}
template <>
constexpr DType dtype_of<double>() {
  return DType::f64;
}
template <>
constexpr DType dtype_of<std::int64_t>() {
  return DType::i64;
}

// Calls f(T{}) with T = float or double. `what` names the op for the error message.
template <class F>
decltype(auto) dispatch_float(DType d, const char* what, F&& f) {
  switch (d) {
    case DType::f32: return f(float{});
    case DType::f64: return f(double{});
    default: throw std::invalid_argument(std::string(what) + ": expected a floating tensor, got " + dtype_name(d));
  }
}

// Calls f(T{}) with T = float, double or int64_t.
template <class F>
decltype(auto) dispatch_any(DType d, F&& f) {
  switch (d) {
    case DType::f32: return f(float{});
    case DType::f64: return f(double{});
    default: return f(std::int64_t{});
  }
}

}  // namespace recgrad
