#include "autograd/kernels/elementwise.hpp"

#include <cmath>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include <xsimd/xsimd.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xoperation.hpp>

#include "autograd/kernels/cuda/backend.hpp"
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
    case Unary::gelu: return map_dense(x, y, n, [=](V v) { return half * v * (one + xsimd::erf(v * inv_sqrt2)); });
    case Unary::softplus:
      return map_dense(x, y, n, [=](V v) { return xsimd::max(v, zero) + xsimd::log1p(xsimd::exp(-xsimd::abs(v))); });
    case Unary::step: return map_dense(x, y, n, [=](V v) { return xsimd::select(v > zero, one, zero); });
    case Unary::sign:
      return map_dense(x, y, n,
                       [=](V v) { return xsimd::select(v > zero, one, zero) - xsimd::select(v < zero, one, zero); });
    case Unary::silu_grad:
      return map_dense(x, y, n, [=](V v) {
        V s = sigm(v);
        return s * (one + v * (one - s));
      });
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

// One output row of n elements: a and b each either run along the row (step 1) or hold one value for it.
template <class T, bool VA, bool VB, class F>
void zip_row(const T* a, const T* b, T* y, long n, F fn) {
  using V = xsimd::batch<T>;
  constexpr long W = static_cast<long>(V::size);
  long i = 0;
  for (; i + W <= n; i += W) {
    const V u = VA ? V::load_unaligned(a + i) : V(*a);
    const V v = VB ? V::load_unaligned(b + i) : V(*b);
    fn(u, v).store_unaligned(y + i);
  }
  for (; i < n; ++i) y[i] = fn(V(VA ? a[i] : *a), V(VB ? b[i] : *b)).get(0);
}

// The broadcast plan of a binary op: the output as `rows` rows of n elements; row r reads a from
// a_off[r] and b from b_off[r], each stepping by 1 along the row (va/vb) or repeating one value.
struct RowPlan {
  long n = 1;
  bool va = true, vb = true;
  std::vector<std::int64_t> a_off, b_off;
};

// Strides of t over `out` after broadcasting (0 on broadcast axes), axes aligned on the right.
inline Strides broadcast_strides(const Tensor& t, const Shape& out) {
  Strides s(out.size(), 0);
  const std::size_t lead = out.size() - t.shape().size();
  for (std::size_t d = 0; d < t.shape().size(); ++d)
    if (t.shape()[d] != 1) s[lead + d] = t.strides()[d];
  return s;
}

// Merges adjacent axes that both operands walk evenly, then takes the last axis as the row. False when
// an operand's row step is neither 0 nor 1 (a transposed view): the reference path handles that.
inline bool plan_rows(const Tensor& a, const Tensor& b, const Shape& out, RowPlan& plan) {
  Shape shape;
  Strides sa, sb;
  const Strides fa = broadcast_strides(a, out), fb = broadcast_strides(b, out);
  for (std::size_t d = 0; d < out.size(); ++d) {
    if (out[d] == 1) continue;
    if (!shape.empty() && sa.back() == fa[d] * out[d] && sb.back() == fb[d] * out[d]) {
      shape.back() *= out[d];
      sa.back() = fa[d];
      sb.back() = fb[d];
      continue;
    }
    shape.push_back(out[d]);
    sa.push_back(fa[d]);
    sb.push_back(fb[d]);
  }
  if (shape.empty()) shape = {1}, sa = {0}, sb = {0};
  if ((sa.back() != 0 && sa.back() != 1) || (sb.back() != 0 && sb.back() != 1)) return false;
  plan.n = shape.back();
  plan.va = sa.back() == 1 || plan.n == 1;
  plan.vb = sb.back() == 1 || plan.n == 1;
  shape.pop_back(), sa.pop_back(), sb.pop_back();
  const std::int64_t rows = numel(shape);
  plan.a_off.resize(rows);
  plan.b_off.resize(rows);
  for_each_offset(shape, sa, a.offset(), [&](std::int64_t i, std::int64_t off) { plan.a_off[i] = off; });
  for_each_offset(shape, sb, b.offset(), [&](std::int64_t i, std::int64_t off) { plan.b_off[i] = off; });
  return true;
}

// y = f(a, b) row by row over the plan; a_base/b_base are the storages' first elements.
template <class T, class F>
void zip_rows(const T* a_base, const T* b_base, T* y, const RowPlan& p, F fn) {
  const long rows = static_cast<long>(p.a_off.size()), n = p.n;
  auto run = [&](auto va, auto vb) {
#pragma omp parallel for schedule(static) if (rows * n >= kParallelGrain)
    for (long r = 0; r < rows; ++r)
      zip_row<T, decltype(va)::value, decltype(vb)::value>(a_base + p.a_off[r], b_base + p.b_off[r], y + r * n, n, fn);
  };
  using Yes = std::true_type;
  using No = std::false_type;
  if (p.va && p.vb)
    run(Yes{}, Yes{});
  else if (p.va)
    run(Yes{}, No{});
  else if (p.vb)
    run(No{}, Yes{});
  else
    run(No{}, No{});
}

// y = f(a, b) by the row plan (a single dense row runs in parallel chunks instead).
template <class T>
void binary_fast(Binary f, const T* a, const T* b, T* y, const RowPlan& p) {
  using V = xsimd::batch<T>;
  auto run = [&](auto fn) {
    if (p.a_off.size() == 1 && p.va && p.vb) return zip_dense(a + p.a_off[0], b + p.b_off[0], y, p.n, fn);
    if (p.a_off.size() == 1 && p.va) {
      const V bv(b[p.b_off[0]]);
      return map_dense(a + p.a_off[0], y, p.n, [&](V u) { return fn(u, bv); });
    }
    zip_rows(a, b, y, p, fn);
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
  if (x.is_cuda()) return cuda().unary(f, x);
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
  check_same_device(op, {&a, &b}, true);
  if (a.is_cuda() || b.is_cuda()) return cuda().binary(f, a, b, out_shape);
  Tensor y = Tensor::empty(out_shape, a.dtype());
  dispatch_float(a.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    RowPlan plan;
    if (use_fast() && plan_rows(a, b, out_shape, plan)) {
      const T* a_base = static_cast<const T*>(a.impl()->storage->data);
      const T* b_base = static_cast<const T*>(b.impl()->storage->data);
      return binary_fast<T>(f, a_base, b_base, y.data<T>(), plan);
    }
    auto yv = xview_of<T>(y);
    binary_reference<T>(f, xview_of<T>(a), xview_of<T>(b), yv);
  });
  return y;
}

Tensor inside_mask(const Tensor& x, double lo, double hi) {
  if (x.is_cuda()) return cuda().inside_mask(x, lo, hi);
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
  if (x.is_cuda()) return cuda().clamp(x, lo, hi);
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  dispatch_float(x.dtype(), "clamp", [&](auto tag) {
    using T = decltype(tag);
    auto yv = xview_of<T>(y);
    xt::noalias(yv) = xt::clip(xview_of<T>(x), T(lo), T(hi));
  });
  return y;
}
}  // namespace recgrad::kernels
