// recgrad/autograd/kernels/elementwise.hpp — elementwise kernels (reference: xtensor; fast: xsimd).
// They compute values only; autograd lives in autograd/ops/.
#pragma once
#include "autograd/tensor.hpp"

namespace recgrad::kernels {

enum class Unary {
  neg,
  exp,
  log,
  sqrt,
  rsqrt,
  abs,
  relu,
  sigmoid,
  tanh,
  silu,
  gelu,
  softplus,  // log(1 + eˣ), computed as max(x, 0) + log(1 + e^-|x|)
  // derivative helpers used by backward rules
  step,       // x > 0 ? 1 : 0
  sign,       // -1, 0, 1
  silu_grad,  // d silu / dx = s (1 + x (1 - s)), s = sigmoid(x)
  gelu_grad,  // d gelu / dx = Φ(x) + x φ(x)
};

enum class Binary { add, sub, mul, div, pow, maximum, ge /* a >= b ? 1 : 0 */ };

// y = f(x), dense output of x's shape and dtype.
Tensor unary(Unary f, const Tensor& x);
// y = f(a, b) with NumPy broadcasting; `op` names the op in shape errors.
Tensor binary(Binary f, const Tensor& a, const Tensor& b, const char* op);
// y = (lo < x < hi) ? 1 : 0
Tensor inside_mask(const Tensor& x, double lo, double hi);

}  // namespace recgrad::kernels

namespace recgrad::kernels {
// y = min(max(x, lo), hi)
Tensor clamp_values(const Tensor& x, double lo, double hi);
}  // namespace recgrad::kernels
