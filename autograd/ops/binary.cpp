// Binary elementwise ops with NumPy broadcasting. A broadcast input's gradient is summed back to its
// own shape with sum_to (the adjoint of broadcasting).
#include "autograd/kernels/elementwise.hpp"
#include "autograd/ops/common.hpp"

namespace recgrad {

using kernels::Binary;

// c = a + b:  ∂c/∂a = 1, ∂c/∂b = 1
Tensor add(const Tensor& a, const Tensor& b) {
  Tensor c = kernels::binary(Binary::add, a, b, "add");
  return record("add", c, {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return Grads{sum_to(g, sa), sum_to(g, sb)};
  });
}

// c = a - b:  ∂c/∂a = 1, ∂c/∂b = -1
Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor c = kernels::binary(Binary::sub, a, b, "sub");
  return record("sub", c, {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return Grads{sum_to(g, sa), sum_to(neg(g), sb)};
  });
}

// c = a ⊙ b:  ∂c/∂a = b, ∂c/∂b = a
Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor c = kernels::binary(Binary::mul, a, b, "mul");
  return record("mul", c, {a, b}, [a, b](const Tensor& g) {
    return Grads{needs_grad_input(a) ? sum_to(g * b, a.shape()) : Tensor(),
                 needs_grad_input(b) ? sum_to(g * a, b.shape()) : Tensor()};
  });
}

// c = a / b:  ∂c/∂a = 1/b, ∂c/∂b = -a/b² = -c/b
Tensor div(const Tensor& a, const Tensor& b) {
  Tensor c = kernels::binary(Binary::div, a, b, "div");
  return record("div", c, {a, b}, [a, b, c = c.detach()](const Tensor& g) {
    return Grads{needs_grad_input(a) ? sum_to(g / b, a.shape()) : Tensor(),
                 needs_grad_input(b) ? sum_to(neg(g * c / b), b.shape()) : Tensor()};
  });
}

// c = a^b:  ∂c/∂a = b a^(b-1), ∂c/∂b = c ln a
Tensor pow(const Tensor& a, const Tensor& b) {
  Tensor c = kernels::binary(Binary::pow, a, b, "pow");
  return record("pow", c, {a, b}, [a, b, c = c.detach()](const Tensor& g) {
    return Grads{needs_grad_input(a) ? sum_to(g * b * pow(a, b - 1.0), a.shape()) : Tensor(),
                 needs_grad_input(b) ? sum_to(g * c * log(a), b.shape()) : Tensor()};
  });
}

// c = max(a, b):  the gradient goes to a where a >= b, else to b
Tensor maximum(const Tensor& a, const Tensor& b) {
  Tensor c = kernels::binary(Binary::maximum, a, b, "maximum");
  return record("maximum", c, {a, b}, [a, b](const Tensor& g) {
    const Tensor a_wins = kernels::binary(Binary::ge, a, b, "maximum");
    return Grads{sum_to(g * a_wins, a.shape()), sum_to(g * (1.0 - a_wins), b.shape())};
  });
}

// ---- scalar variants: the scalar is a constant -----------------------------------------------------

Tensor add(const Tensor& a, double s) {
  Tensor c = kernels::binary(Binary::add, a, scalar_like(s, a), "add");
  return record("add_scalar", c, {a}, [](const Tensor& g) { return Grads{g}; });
}

Tensor sub(const Tensor& a, double s) { return add(a, -s); }

// c = s - a:  ∂c/∂a = -1
Tensor rsub(double s, const Tensor& a) {
  Tensor c = kernels::binary(Binary::sub, scalar_like(s, a), a, "rsub");
  return record("rsub_scalar", c, {a}, [](const Tensor& g) { return Grads{neg(g)}; });
}

// c = s a:  ∂c/∂a = s
Tensor mul(const Tensor& a, double s) {
  Tensor c = kernels::binary(Binary::mul, a, scalar_like(s, a), "mul");
  return record("mul_scalar", c, {a}, [s](const Tensor& g) { return Grads{g * s}; });
}

Tensor div(const Tensor& a, double s) { return mul(a, 1.0 / s); }

// c = s / a:  ∂c/∂a = -s/a² = -c/a
Tensor rdiv(double s, const Tensor& a) {
  Tensor c = kernels::binary(Binary::div, scalar_like(s, a), a, "rdiv");
  return record("rdiv_scalar", c, {a}, [a, c = c.detach()](const Tensor& g) { return Grads{neg(g * c / a)}; });
}

// c = a^p:  ∂c/∂a = p a^(p-1)
Tensor pow(const Tensor& a, double p) {
  Tensor c = kernels::binary(Binary::pow, a, scalar_like(p, a), "pow");
  return record("pow_scalar", c, {a}, [a, p](const Tensor& g) { return Grads{g * (pow(a, p - 1.0) * p)}; });
}

}  // namespace recgrad
