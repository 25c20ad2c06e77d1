#include "autograd/kernels/elementwise.hpp"

#include <cmath>
#include <stdexcept>

#include <xsimd/xsimd.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xoperation.hpp>

#include "autograd/kernels/kernel_path.hpp"
#include "autograd/kernels/strided.hpp"

namespace recgrad::kernels {

// ---------------------------------------------------------------------------------------------------
// Reference path: one xtensor expression per function, evaluated into the dense output.

template <class T, class X, class O>
void unary_reference(Unary f, const X& x, O& y) {
  const T half = T(0.5), one = T(1), inv_sqrt2 = T(0.70710678118654752440);
  const T inv_sqrt_2pi = T(0.39894228040143267794);
  switch (f) {
    case Unary::neg: xt::noalias(y) = -x; break;
    case Unary::exp: xt::noalias(y) = xt::exp(x); break;
    case Unary::log: xt::noalias(y) = xt::log(x); break;
    case Unary::sqrt: xt::noalias(y) = xt::sqrt(x); break;
    case Unary::rsqrt: xt::noalias(y) = one / xt::sqrt(x); break;
    case Unary::abs: xt::noalias(y) = xt::abs(x); break;
    case Unary::relu: xt::noalias(y) = xt::maximum(x, T(0)); break;
    case Unary::sigmoid: xt::noalias(y) = one / (one + xt::exp(-x)); break;
    case Unary::tanh: xt::noalias(y) = xt::tanh(x); break;
    case Unary::silu: xt::noalias(y) = x / (one + xt::exp(-x)); break;
    case Unary::gelu: xt::noalias(y) = half * x * (one + xt::erf(x * inv_sqrt2)); break;
    case Unary::softplus: xt::noalias(y) = xt::maximum(x, T(0)) + xt::log1p(xt::exp(-xt::abs(x))); break;
    case Unary::step: xt::noalias(y) = xt::where(x > T(0), one, T(0)); break;
    case Unary::sign: xt::noalias(y) = xt::sign(x); break;
    case Unary::silu_grad: {
      xt::xarray<T> s = one / (one + xt::exp(-x));
      xt::noalias(y) = s * (one + x * (one - s));
      break;
    }
    case Unary::gelu_grad:
      xt::noalias(y) = half * (one + xt::erf(x * inv_sqrt2)) + x * inv_sqrt_2pi * xt::exp(-half * x * x);
      break;
  }
}

template <class T, class A, class B, class O>
void binary_reference(Binary f, const A& a, const B& b, O& y) {
  switch (f) {
    case Binary::add: xt::noalias(y) = a + b; break;
    case Binary::sub: xt::noalias(y) = a - b; break;
    case Binary::mul: xt::noalias(y) = a * b; break;
    case Binary::div: xt::noalias(y) = a / b; break;
    case Binary::pow: xt::noalias(y) = xt::pow(a, b); break;
    case Binary::maximum: xt::noalias(y) = xt::maximum(a, b); break;
    case Binary::ge: xt::noalias(y) = xt::where(a >= b, T(1), T(0)); break;
  }
}

// ---------------------------------------------------------------------------------------------------
// Fast path: xsimd batches over dense float data, OpenMP over chunks. The same generic lambda serves
// the full batches and the tail (padded into one batch), so there is no scalar twin to keep in sync.

template <class T, class F>
void map_dense(const T* x, T* y, long n, F fn) {
  using V = xsimd::batch<T>;
  constexpr long W = static_cast<long>(V::size);
  const long full = n / W * W;
#pragma omp parallel for schedule(static) if (n >= kParallelGrain)
  for (long i = 0; i < full; i += W) fn(V::load_unaligned(x + i)).store_unaligned(y + i);
  if (full < n) {
    alignas(64) T tmp[W] = {};
    for (long i = full; i < n; ++i) tmp[i - full] = x[i];
    fn(V::load_aligned(tmp)).store_aligned(tmp);
    for (long i = full; i < n; ++i) y[i] = tmp[i - full];
  }
}

template <class T>
void unary_fast(Unary f, const T* x, T* y, long n) {
  using V = xsimd::batch<T>;
  const V one(T(1)), zero(T(0)), half(T(0.5)), inv_sqrt2(T(0.70710678118654752440));
  const V inv_sqrt_2pi(T(0.39894228040143267794));
  auto sigm = [one](V v) { return one / (one + xsimd::exp(-v)); };
  switch (f) {
    case Unary::neg: return map_dense(x, y, n, [](V v) { return -v; });
    case Unary::exp: return map_dense(x, y, n, [](V v) { return xsimd::exp(v); });
    case Unary::log: return map_dense(x, y, n, [](V v) { return xsimd::log(v); });
    case Unary::sqrt: return map_dense(x, y, n, [](V v) { return xsimd::sqrt(v); });
    case Unary::rsqrt: return map_dense(x, y, n, [one](V v) { return one / xsimd::sqrt(v); });
    case Unary::abs: return map_dense(x, y, n, [](V v) { return xsimd::abs(v); });
    case Unary::relu: return map_dense(x, y, n, [zero](V v) { return xsimd::max(v, zero); });
    case Unary::sigmoid: return map_dense(x, y, n, sigm);
    case Unary::tanh: return map_dense(x, y, n, [](V v) { return xsimd::tanh(v); });
    case Unary::silu: return map_dense(x, y, n, [one](V v) { return v / (one + xsimd::exp(-v)); });
    case Unary::gelu:
      return map_dense(x, y, n, [=](V v) { return half * v * (one + xsimd::erf(v * inv_sqrt2)); });
    case Unary::softplus:
      return map_dense(x, y, n, [=](V v) { return xsimd::max(v, zero) + xsimd::log1p(xsimd::exp(-xsimd::abs(v))); });
    case Unary::step: return map_dense(x, y, n, [=](V v) { return xsimd::select(v > zero, one, zero); });
    case Unary::sign:
      return map_dense(x, y, n, [=](V v) { return xsimd::select(v > zero, one, zero) - xsimd::select(v < zero, one, zero); });
    case Unary::silu_grad:
      return map_dense(x, y, n, [=](V v) { V s = sigm(v); return s * (one + v * (one - s)); });
    case Unary::gelu_grad:
      return map_dense(x, y, n, [=](V v) {
        return half * (one + xsimd::erf(v * inv_sqrt2)) + v * inv_sqrt_2pi * xsimd::exp(-half * v * v);
      });
  }
}

template <class T, class F>
void zip_dense(const T* a, const T* b, T* y, long n, F fn) {
  using V = xsimd::batch<T>;
  constexpr long W = static_cast<long>(V::size);
  const long full = n / W * W;
#pragma omp parallel for schedule(static) if (n >= kParallelGrain)
  for (long i = 0; i < full; i += W) fn(V::load_unaligned(a + i), V::load_unaligned(b + i)).store_unaligned(y + i);
  for (long i = full; i < n; ++i) y[i] = fn(V(a[i]), V(b[i])).get(0);
}

// y = f(a, b) for dense a (n) and b either dense (n) or one element broadcast (b_scalar).
template <class T>
void binary_fast(Binary f, const T* a, const T* b, T* y, long n, bool b_scalar) {
  using V = xsimd::batch<T>;
  auto run = [&](auto fn) {
    if (!b_scalar) return zip_dense(a, b, y, n, fn);
    const V bv(*b);
    map_dense(a, y, n, [&](V v) { return fn(v, bv); });
  };
  const V one(T(1)), zero(T(0));
  switch (f) {
    case Binary::add: return run([](V u, V v) { return u + v; });
    case Binary::sub: return run([](V u, V v) { return u - v; });
    case Binary::mul: return run([](V u, V v) { return u * v; });
    case Binary::div: return run([](V u, V v) { return u / v; });
    case Binary::pow: return run([](V u, V v) { return xsimd::pow(u, v); });
    case Binary::maximum: return run([](V u, V v) { return xsimd::max(u, v); });
    case Binary::ge: return run([=](V u, V v) { return xsimd::select(u >= v, one, zero); });
  }
}

// ---------------------------------------------------------------------------------------------------

Tensor unary(Unary f, const Tensor& x) {
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  dispatch_float(x.dtype(), "unary kernel", [&](auto tag) {
    using T = decltype(tag);
    if (use_fast() && x.is_contiguous()) return unary_fast<T>(f, x.data<T>(), y.data<T>(), x.numel());
    auto yv = xview_of<T>(y);
    unary_reference<T>(f, xview_of<T>(x), yv);
  });
  return y;
}

Tensor binary(Binary f, const Tensor& a, const Tensor& b, const char* op) {
  if (a.dtype() != b.dtype())
    throw std::invalid_argument(std::string(op) + ": dtypes differ: " + a.str() + " and " + b.str());
  const Shape out_shape = broadcast_shapes(a.shape(), b.shape(), op);
  Tensor y = Tensor::empty(out_shape, a.dtype());
  dispatch_float(a.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const bool dense_a = a.is_contiguous() && a.shape() == out_shape;
    if (use_fast() && dense_a && b.is_contiguous() && (b.shape() == out_shape || b.numel() == 1))
      return binary_fast<T>(f, a.data<T>(), b.data<T>(), y.data<T>(), y.numel(), b.shape() != out_shape);
    auto yv = xview_of<T>(y);
    binary_reference<T>(f, xview_of<T>(a), xview_of<T>(b), yv);
  });
  return y;
}

Tensor inside_mask(const Tensor& x, double lo, double hi) {
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  dispatch_float(x.dtype(), "clamp", [&](auto tag) {
    using T = decltype(tag);
    auto yv = xview_of<T>(y);
    auto xv = xview_of<T>(x);
    xt::noalias(yv) = xt::where(xv > T(lo) && xv < T(hi), T(1), T(0));
  });
  return y;
}

}  // namespace recgrad::kernels

namespace recgrad::kernels {
Tensor clamp_values(const Tensor& x, double lo, double hi) {
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  dispatch_float(x.dtype(), "clamp", [&](auto tag) {
    using T = decltype(tag);
    auto yv = xview_of<T>(y);
    xt::noalias(yv) = xt::clip(xview_of<T>(x), T(lo), T(hi));
  });
  return y;
}
}  // namespace recgrad::kernels
