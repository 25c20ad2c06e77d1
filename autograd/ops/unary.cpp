// Unary elementwise ops. Each forward is one kernel call; each backward is g times the derivative.
#include <limits>

#include "autograd/kernels/elementwise.hpp"
#include "autograd/ops/common.hpp"

namespace recgrad {

using kernels::Unary;

static Tensor apply(Unary f, const Tensor& x) { return kernels::unary(f, x); }

// y = -x:  dy/dx = -1
Tensor neg(const Tensor& x) {
  return record("neg", apply(Unary::neg, x), {x}, [](const Tensor& g) { return Grads{apply(Unary::neg, g)}; });
}

// y = eˣ:  dy/dx = y
Tensor exp(const Tensor& x) {
  Tensor y = apply(Unary::exp, x);
  return record("exp", y, {x}, [y = y.detach()](const Tensor& g) { return Grads{g * y}; });
}

// y = ln x:  dy/dx = 1/x
Tensor log(const Tensor& x) {
  return record("log", apply(Unary::log, x), {x}, [x](const Tensor& g) { return Grads{g / x}; });
}

// y = √x:  dy/dx = 1 / (2y)
Tensor sqrt(const Tensor& x) {
  Tensor y = apply(Unary::sqrt, x);
  return record("sqrt", y, {x}, [y = y.detach()](const Tensor& g) { return Grads{g / y * 0.5}; });
}

// y = 1/√x:  dy/dx = -y³/2
Tensor rsqrt(const Tensor& x) {
  Tensor y = apply(Unary::rsqrt, x);
  return record("rsqrt", y, {x}, [y = y.detach()](const Tensor& g) { return Grads{g * y * y * y * -0.5}; });
}

// y = |x|:  dy/dx = sign(x)
Tensor abs(const Tensor& x) {
  return record("abs", apply(Unary::abs, x), {x}, [x](const Tensor& g) { return Grads{g * apply(Unary::sign, x)}; });
}

// y = max(x, 0):  dy/dx = [x > 0]
Tensor relu(const Tensor& x) {
  return record("relu", apply(Unary::relu, x), {x}, [x](const Tensor& g) { return Grads{g * apply(Unary::step, x)}; });
}

// y = σ(x) = 1 / (1 + e⁻ˣ):  dy/dx = y (1 - y)
Tensor sigmoid(const Tensor& x) {
  Tensor y = apply(Unary::sigmoid, x);
  return record("sigmoid", y, {x}, [y = y.detach()](const Tensor& g) { return Grads{g * y * (1.0 - y)}; });
}

// y = tanh x:  dy/dx = 1 - y²
Tensor tanh(const Tensor& x) {
  Tensor y = apply(Unary::tanh, x);
  return record("tanh", y, {x}, [y = y.detach()](const Tensor& g) { return Grads{g * (1.0 - y * y)}; });
}

// y = x σ(x):  dy/dx = σ(x) (1 + x (1 - σ(x)))
Tensor silu(const Tensor& x) {
  return record("silu", apply(Unary::silu, x), {x},
                [x](const Tensor& g) { return Grads{g * apply(Unary::silu_grad, x)}; });
}

// y = x Φ(x), Φ the standard normal CDF:  dy/dx = Φ(x) + x φ(x)
Tensor gelu(const Tensor& x) {
  return record("gelu", apply(Unary::gelu, x), {x},
                [x](const Tensor& g) { return Grads{g * apply(Unary::gelu_grad, x)}; });
}

// y = log(1 + eˣ) (stable form):  dy/dx = σ(x)
Tensor softplus(const Tensor& x) {
  return record("softplus", apply(Unary::softplus, x), {x},
                [x](const Tensor& g) { return Grads{g * apply(Unary::sigmoid, x)}; });
}

// y = min(max(x, lo), hi):  dy/dx = [lo < x < hi]
Tensor clamp(const Tensor& x, double lo, double hi) {
  return record("clamp", kernels::clamp_values(x, lo, hi), {x},
                [x, lo, hi](const Tensor& g) { return Grads{g * kernels::inside_mask(x, lo, hi)}; });
}

Tensor clamp_min(const Tensor& x, double lo) { return clamp(x, lo, std::numeric_limits<double>::infinity()); }

}  // namespace recgrad
