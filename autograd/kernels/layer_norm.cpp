#include "autograd/kernels/layer_norm.hpp"

#include <omp.h>

#include <xsimd/xsimd.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xreducer.hpp>
#include <xtensor/xview.hpp>

#include "autograd/kernels/cuda/backend.hpp"
#include "autograd/kernels/kernel_path.hpp"
#include "autograd/kernels/strided.hpp"

namespace recgrad::kernels {

// ---- reference (xtensor) --------------------------------------------------------------------------

template <class T>
void forward_reference(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps, LayerNormForward& f) {
  auto X = xview_of<T>(x);
  auto Y = xview_of<T>(f.y);
  auto XH = xview_of<T>(f.xhat);
  auto RS = xview_of<T>(f.rstd);
  xt::xarray<T> mu = xt::mean(X, {1}, xt::keep_dims);
  xt::xarray<T> var = xt::mean(xt::square(X - mu), {1}, xt::keep_dims);
  xt::xarray<T> rstd = T(1) / xt::sqrt(var + T(eps));
  xt::noalias(XH) = (X - mu) * rstd;
  xt::noalias(RS) = xt::flatten(rstd);
  if (gamma.defined())
    xt::noalias(Y) = XH * xview_of<T>(gamma) + xview_of<T>(beta);
  else
    xt::noalias(Y) = XH;
}

template <class T>
void backward_reference(const Tensor& g, const LayerNormForward& f, const Tensor& gamma, bool affine,
                        LayerNormBackward& b) {
  auto G = xview_of<T>(g);
  auto XH = xview_of<T>(f.xhat);
  const long R = g.size(0);
  auto RS = xt::reshape_view(xview_of<T>(f.rstd), {static_cast<std::size_t>(R), std::size_t(1)});
  xt::xarray<T> dxhat = G;
  if (gamma.defined()) dxhat = G * xview_of<T>(gamma);
  xt::xarray<T> m1 = xt::mean(dxhat, {1}, xt::keep_dims);
  xt::xarray<T> m2 = xt::mean(dxhat * XH, {1}, xt::keep_dims);
  auto DX = xview_of<T>(b.dx);
  xt::noalias(DX) = RS * (dxhat - m1 - XH * m2);
  if (affine) {
    auto DG = xview_of<T>(b.dgamma);
    auto DB = xview_of<T>(b.dbeta);
    xt::noalias(DG) = xt::sum(G * XH, {0});
    xt::noalias(DB) = xt::sum(G, {0});
  }
}

// ---- fast (xsimd per row, OpenMP over rows) -------------------------------------------------------

template <class T>
void forward_fast(const T* x, const T* gamma, const T* beta, T* y, T* xhat, T* rstd, long R, long D, double eps) {
  using V = xsimd::batch<T>;
  constexpr long W = static_cast<long>(V::size);
#pragma omp parallel for schedule(static) if (R * D >= kParallelGrain)
  for (long r = 0; r < R; ++r) {
    const T* xr = x + r * D;
    V acc(T(0));
    long i = 0;
    for (; i + W <= D; i += W) acc += V::load_unaligned(xr + i);
    T s = xsimd::hadd(acc);
    for (; i < D; ++i) s += xr[i];
    const T mu = s / T(D);
    V acc2(T(0));
    const V muv(mu);
    for (i = 0; i + W <= D; i += W) {
      V d = V::load_unaligned(xr + i) - muv;
      acc2 = xsimd::fma(d, d, acc2);
    }
    T ss = xsimd::hadd(acc2);
    for (; i < D; ++i) ss += (xr[i] - mu) * (xr[i] - mu);
    const T rs = T(1) / std::sqrt(ss / T(D) + T(eps));
    rstd[r] = rs;
    T* hr = xhat + r * D;
    T* yr = y + r * D;
    const V rsv(rs);
    for (i = 0; i + W <= D; i += W) {
      const V h = (V::load_unaligned(xr + i) - muv) * rsv;
      h.store_unaligned(hr + i);
      (gamma ? xsimd::fma(h, V::load_unaligned(gamma + i), V::load_unaligned(beta + i)) : h).store_unaligned(yr + i);
    }
    for (; i < D; ++i) {
      hr[i] = (xr[i] - mu) * rs;
      yr[i] = gamma ? hr[i] * gamma[i] + beta[i] : hr[i];
    }
  }
}

template <class T>
void backward_fast(const T* g, const T* xhat, const T* rstd, const T* gamma, T* dx, T* dgamma, T* dbeta, long R,
                   long D) {
  using V = xsimd::batch<T>;
  constexpr long W = static_cast<long>(V::size);
  const int nt = (R * D >= kParallelGrain) ? omp_get_max_threads() : 1;
  // dγ and dβ: one partial sum per thread, added in a fixed order (deterministic for a thread count).
  std::vector<T> part(dgamma ? static_cast<std::size_t>(nt) * 2 * D : 0, T(0));
#pragma omp parallel num_threads(nt)
  {
    const int tid = omp_get_thread_num();
    T* pg = dgamma ? part.data() + static_cast<std::size_t>(tid) * 2 * D : nullptr;
    T* pb = dgamma ? pg + D : nullptr;
#pragma omp for schedule(static)
    for (long r = 0; r < R; ++r) {
      const T* gr = g + r * D;
      const T* hr = xhat + r * D;
      T* dr = dx + r * D;
      V a1(T(0)), a2(T(0));
      long i = 0;
      for (; i + W <= D; i += W) {
        V dh = V::load_unaligned(gr + i);
        if (gamma) dh *= V::load_unaligned(gamma + i);
        a1 += dh;
        a2 = xsimd::fma(dh, V::load_unaligned(hr + i), a2);
      }
      T m1 = xsimd::hadd(a1), m2 = xsimd::hadd(a2);
      for (; i < D; ++i) {
        const T dh = gamma ? gr[i] * gamma[i] : gr[i];
        m1 += dh;
        m2 += dh * hr[i];
      }
      m1 /= T(D);
      m2 /= T(D);
      const T rs = rstd[r];
      for (i = 0; i < D; ++i) {
        const T dh = gamma ? gr[i] * gamma[i] : gr[i];
        dr[i] = rs * (dh - m1 - hr[i] * m2);
        if (pg) {
          pg[i] += gr[i] * hr[i];
          pb[i] += gr[i];
        }
      }
    }
  }
  if (!dgamma) return;
  for (long i = 0; i < D; ++i) {
    dgamma[i] = 0;
    dbeta[i] = 0;
  }
  for (int t = 0; t < nt; ++t)
    for (long i = 0; i < D; ++i) {
      dgamma[i] += part[static_cast<std::size_t>(t) * 2 * D + i];
      dbeta[i] += part[static_cast<std::size_t>(t) * 2 * D + D + i];
    }
}

// ---------------------------------------------------------------------------------------------------

LayerNormForward layer_norm_rows(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps) {
  check_same_device("layer_norm", {&x, &gamma, &beta});
  if (x.is_cuda()) return cuda().layer_norm_rows(x, gamma, beta, eps);
  const long R = x.size(0), D = x.size(1);
  LayerNormForward f{Tensor::empty({R, D}, x.dtype()), Tensor::empty({R, D}, x.dtype()), Tensor::empty({R}, x.dtype())};
  dispatch_float(x.dtype(), "layer_norm", [&](auto tag) {
    using T = decltype(tag);
    if (!use_fast()) return forward_reference<T>(x, gamma, beta, eps, f);
    forward_fast<T>(x.data<T>(), gamma.defined() ? gamma.data<T>() : nullptr, beta.defined() ? beta.data<T>() : nullptr,
                    f.y.data<T>(), f.xhat.data<T>(), f.rstd.data<T>(), R, D, eps);
  });
  return f;
}

LayerNormBackward layer_norm_rows_backward(const Tensor& g, const LayerNormForward& saved, const Tensor& gamma,
                                           bool affine) {
  if (g.is_cuda()) return cuda().layer_norm_rows_backward(g, saved, gamma, affine);
  const long R = g.size(0), D = g.size(1);
  LayerNormBackward b{Tensor::empty({R, D}, g.dtype()), Tensor(), Tensor()};
  if (affine) {
    b.dgamma = Tensor::empty({D}, g.dtype());
    b.dbeta = Tensor::empty({D}, g.dtype());
  }
  dispatch_float(g.dtype(), "layer_norm backward", [&](auto tag) {
    using T = decltype(tag);
    if (!use_fast()) return backward_reference<T>(g, saved, gamma, affine, b);
    backward_fast<T>(g.data<T>(), saved.xhat.data<T>(), saved.rstd.data<T>(),
                     gamma.defined() ? gamma.data<T>() : nullptr, b.dx.data<T>(), affine ? b.dgamma.data<T>() : nullptr,
                     affine ? b.dbeta.data<T>() : nullptr, R, D);
  });
  return b;
}

}  // namespace recgrad::kernels
