#include "autograd/kernels/softmax.hpp"

#include <xsimd/xsimd.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xreducer.hpp>

#include "autograd/kernels/cuda/backend.hpp"
#include "autograd/kernels/kernel_path.hpp"
#include "autograd/kernels/strided.hpp"

namespace recgrad::kernels {

// ---- reference (xtensor) --------------------------------------------------------------------------

template <class T>
void softmax_reference(const Tensor& x, Tensor& y, bool log) {
  auto X = xview_of<T>(x);
  auto Y = xview_of<T>(y);
  xt::xarray<T> m = xt::amax(X, {1}, xt::keep_dims);
  xt::xarray<T> e = xt::exp(X - m);
  xt::xarray<T> s = xt::sum(e, {1}, xt::keep_dims);
  if (log)
    xt::noalias(Y) = X - m - xt::log(s);
  else
    xt::noalias(Y) = e / s;
}

template <class T>
void softmax_backward_reference(const Tensor& y, const Tensor& g, Tensor& dx, bool log) {
  auto Y = xview_of<T>(y);
  auto G = xview_of<T>(g);
  auto DX = xview_of<T>(dx);
  if (log) {
    xt::xarray<T> gs = xt::sum(G, {1}, xt::keep_dims);
    xt::noalias(DX) = G - xt::exp(Y) * gs;
  } else {
    xt::xarray<T> dot = xt::sum(G * Y, {1}, xt::keep_dims);
    xt::noalias(DX) = Y * (G - dot);
  }
}

// ---- fast (xsimd per row, OpenMP over rows) -------------------------------------------------------

template <class T, class F>
T reduce_row(const T* p, long n, T init, F fn) {  // fn(batch_acc, batch) -> batch, then combines lanes
  using V = xsimd::batch<T>;
  constexpr long W = static_cast<long>(V::size);
  V acc(init);
  long i = 0;
  for (; i + W <= n; i += W) acc = fn(acc, V::load_unaligned(p + i));
  alignas(64) T lanes[W];
  acc.store_aligned(lanes);
  T r = lanes[0];
  for (long k = 1; k < W; ++k) r = fn(V(r), V(lanes[k])).get(0);
  for (; i < n; ++i) r = fn(V(r), V(p[i])).get(0);
  return r;
}

template <class T>
void softmax_fast(const T* x, T* y, long rows, long n, bool log) {
  using V = xsimd::batch<T>;
  constexpr long W = static_cast<long>(V::size);
#pragma omp parallel for schedule(static) if (rows * n >= kParallelGrain)
  for (long r = 0; r < rows; ++r) {
    const T* xr = x + r * n;
    T* yr = y + r * n;
    const T m = reduce_row(xr, n, -std::numeric_limits<T>::infinity(), [](V a, V b) { return xsimd::max(a, b); });
    const V mv(m);
    V acc(T(0));
    long i = 0;
    for (; i + W <= n; i += W) {
      V e = xsimd::exp(V::load_unaligned(xr + i) - mv);
      acc += e;
      if (!log) e.store_unaligned(yr + i);
    }
    T s = xsimd::hadd(acc);
    for (; i < n; ++i) {
      const T e = std::exp(xr[i] - m);
      s += e;
      if (!log) yr[i] = e;
    }
    if (log) {
      const V shift(m + std::log(s));
      for (i = 0; i + W <= n; i += W) (V::load_unaligned(xr + i) - shift).store_unaligned(yr + i);
      for (; i < n; ++i) yr[i] = xr[i] - (m + std::log(s));
    } else {
      const V inv(T(1) / s);
      for (i = 0; i + W <= n; i += W) (V::load_unaligned(yr + i) * inv).store_unaligned(yr + i);
      for (; i < n; ++i) yr[i] *= T(1) / s;
    }
  }
}

template <class T>
void softmax_backward_fast(const T* y, const T* g, T* dx, long rows, long n, bool log) {
  using V = xsimd::batch<T>;
  constexpr long W = static_cast<long>(V::size);
#pragma omp parallel for schedule(static) if (rows * n >= kParallelGrain)
  for (long r = 0; r < rows; ++r) {
    const T* yr = y + r * n;
    const T* gr = g + r * n;
    T* dr = dx + r * n;
    V acc(T(0));
    long i = 0;
    if (log)
      for (; i + W <= n; i += W) acc += V::load_unaligned(gr + i);
    else
      for (; i + W <= n; i += W) acc = xsimd::fma(V::load_unaligned(gr + i), V::load_unaligned(yr + i), acc);
    T s = xsimd::hadd(acc);
    for (; i < n; ++i) s += log ? gr[i] : gr[i] * yr[i];
    const V sv(s);
    for (i = 0; i + W <= n; i += W) {
      const V yv = V::load_unaligned(yr + i), gv = V::load_unaligned(gr + i);
      (log ? gv - xsimd::exp(yv) * sv : yv * (gv - sv)).store_unaligned(dr + i);
    }
    for (; i < n; ++i) dr[i] = log ? gr[i] - std::exp(yr[i]) * s : yr[i] * (gr[i] - s);
  }
}

// ---------------------------------------------------------------------------------------------------

Tensor softmax_rows(const Tensor& x, bool log) {
  if (x.is_cuda()) return cuda().softmax_rows(x, log);
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  dispatch_float(x.dtype(), "softmax", [&](auto tag) {
    using T = decltype(tag);
    if (use_fast()) return softmax_fast<T>(x.data<T>(), y.data<T>(), x.size(0), x.size(1), log);
    softmax_reference<T>(x, y, log);
  });
  return y;
}

Tensor softmax_rows_backward(const Tensor& y, const Tensor& g, bool log) {
  if (y.is_cuda()) return cuda().softmax_rows_backward(y, g, log);
  Tensor dx = Tensor::empty(y.shape(), y.dtype());
  dispatch_float(y.dtype(), "softmax backward", [&](auto tag) {
    using T = decltype(tag);
    if (use_fast()) return softmax_backward_fast<T>(y.data<T>(), g.data<T>(), dx.data<T>(), y.size(0), y.size(1), log);
    softmax_backward_reference<T>(y, g, dx, log);
  });
  return dx;
}

}  // namespace recgrad::kernels
