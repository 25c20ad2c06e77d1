#include "autograd/kernels/embedding_dot.hpp"

#include <omp.h>

#include <algorithm>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "autograd/kernels/cuda/backend.hpp"
#include "autograd/kernels/kernel_path.hpp"

namespace recgrad::kernels {
namespace {

// ---- reference: the definitions, one scalar at a time -----------------------------------------------

template <class T>
T dot_reference(const T* a, const T* b, long D) {
  T acc = 0;
  for (long c = 0; c < D; ++c) acc += a[c] * b[c];
  return acc;
}

template <class T>
void axpy_reference(T alpha, const T* x, T* y, long D) {  // y += alpha x
  for (long c = 0; c < D; ++c) y[c] += alpha * x[c];
}

// ---- fast: xsimd batches over D, the tail element by element ---------------------------------------

template <class T>
T dot_fast(const T* a, const T* b, long D) {
  using V = xsimd::batch<T>;
  constexpr long W = static_cast<long>(V::size);
  V acc(T(0));
  long c = 0;
  for (; c + W <= D; c += W) acc = xsimd::fma(V::load_unaligned(a + c), V::load_unaligned(b + c), acc);
  T s = xsimd::hadd(acc);
  for (; c < D; ++c) s += a[c] * b[c];
  return s;
}

template <class T>
void axpy_fast(T alpha, const T* x, T* y, long D) {
  using V = xsimd::batch<T>;
  constexpr long W = static_cast<long>(V::size);
  const V av(alpha);
  long c = 0;
  for (; c + W <= D; c += W) xsimd::fma(av, V::load_unaligned(x + c), V::load_unaligned(y + c)).store_unaligned(y + c);
  for (; c < D; ++c) y[c] += alpha * x[c];
}

// y[j] = <h, W[ids[j]]> for j < K, with h held in registers. D up to 4 vectors; wider rows take dot_fast.
// (xsimd 8's haddp, which would reduce 16 batches at once, gives wrong sums on AVX-512 here: the
// K = 37 case of FastKernels.EmbeddingDot caught it, so each dot product is reduced on its own.)
template <class T>
void forward_row_fast(const T* h, const T* W, const std::int64_t* ids, T* y, long K, long D) {
  using V = xsimd::batch<T>;
  constexpr long Wd = static_cast<long>(V::size);
  const long full = D / Wd, tail0 = full * Wd;
  if (full > 4) {
    for (long j = 0; j < K; ++j) y[j] = dot_fast(h, W + ids[j] * D, D);
    return;
  }
  V hv[4];
  for (long c = 0; c < full; ++c) hv[c] = V::load_unaligned(h + c * Wd);
  for (long j = 0; j < K; ++j) {
    const T* w = W + ids[j] * D;
    V a(T(0));
    for (long c = 0; c < full; ++c) a = xsimd::fma(hv[c], V::load_unaligned(w + c * Wd), a);
    T s = xsimd::hadd(a);
    for (long c = tail0; c < D; ++c) s += h[c] * w[c];
    y[j] = s;
  }
}

// gh = Σ_j g[j] W[ids[j]], accumulated in registers. D up to 4 vectors; wider rows take axpy_fast.
template <class T>
void grad_h_row_fast(const T* g, const T* W, const std::int64_t* ids, T* gh, long K, long D) {
  using V = xsimd::batch<T>;
  constexpr long Wd = static_cast<long>(V::size);
  const long full = D / Wd, tail0 = full * Wd;
  if (full > 4) {
    std::fill(gh, gh + D, T(0));
    for (long j = 0; j < K; ++j) axpy_fast(g[j], W + ids[j] * D, gh, D);
    return;
  }
  V acc[4] = {V(T(0)), V(T(0)), V(T(0)), V(T(0))};
  T tail[Wd] = {};
  for (long j = 0; j < K; ++j) {
    const T* w = W + ids[j] * D;
    const V gv(g[j]);
    for (long c = 0; c < full; ++c) acc[c] = xsimd::fma(gv, V::load_unaligned(w + c * Wd), acc[c]);
    for (long c = tail0; c < D; ++c) tail[c - tail0] += g[j] * w[c];
  }
  for (long c = 0; c < full; ++c) acc[c].store_unaligned(gh + c * Wd);
  for (long c = tail0; c < D; ++c) gh[c] = tail[c - tail0];
}

}  // namespace

template <class T>
void embedding_dot_forward(const T* h, const T* W, const std::int64_t* ids, T* y, long N, long K, long D) {
  if (use_fast()) {
#pragma omp parallel for schedule(static) if (N * K * D >= kParallelGrain)
    for (long n = 0; n < N; ++n) forward_row_fast(h + n * D, W, ids + n * K, y + n * K, K, D);
    return;
  }
  for (long n = 0; n < N; ++n)
    for (long j = 0; j < K; ++j) y[n * K + j] = dot_reference(h + n * D, W + ids[n * K + j] * D, D);
}

template <class T>
void embedding_dot_backward(const T* g, const T* h, const T* W, const std::int64_t* ids, T* gh, T* gW, long N, long K,
                            long D, long V) {
  if (!use_fast()) {
    for (long n = 0; n < N; ++n) {  // gh[n] = Σ_j g[n, j] W[ids[n, j]]
      std::fill(gh + n * D, gh + (n + 1) * D, T(0));
      for (long j = 0; j < K; ++j) axpy_reference(g[n * K + j], W + ids[n * K + j] * D, gh + n * D, D);
    }
    for (long n = 0; n < N; ++n)  // gW[ids[n, j]] += g[n, j] h[n]
      for (long j = 0; j < K; ++j) axpy_reference(g[n * K + j], h + n * D, gW + ids[n * K + j] * D, D);
    return;
  }
  const bool par = N * K * D >= kParallelGrain;
#pragma omp parallel for schedule(static) if (par)
  for (long n = 0; n < N; ++n) grad_h_row_fast(g + n * K, W, ids + n * K, gh + n * D, K, D);
  // gW: each thread adds the rows n of its static share into a private table, then the tables are summed
  // in thread order. One thread adds straight into gW. Same seed and thread count, same sums.
  const int nt = par ? omp_get_max_threads() : 1;
  if (nt == 1) {
    for (long n = 0; n < N; ++n)
      for (long j = 0; j < K; ++j) axpy_fast(g[n * K + j], h + n * D, gW + ids[n * K + j] * D, D);
    return;
  }
  static thread_local std::vector<T> priv_buf;
  std::vector<T>& priv = priv_buf;
  priv.assign(static_cast<std::size_t>(nt) * V * D, T(0));
#pragma omp parallel num_threads(nt)
  {
    const long t = omp_get_thread_num(), n0 = N * t / nt, n1 = N * (t + 1) / nt;
    T* mine = priv.data() + t * V * D;
    for (long n = n0; n < n1; ++n)
      for (long j = 0; j < K; ++j) axpy_fast(g[n * K + j], h + n * D, mine + ids[n * K + j] * D, D);
#pragma omp barrier
#pragma omp for schedule(static)
    for (long e = 0; e < V * D; ++e)
      for (long u = 0; u < nt; ++u) gW[e] += priv[u * V * D + e];
  }
}

template void embedding_dot_forward<float>(const float*, const float*, const std::int64_t*, float*, long, long, long);
template void embedding_dot_forward<double>(const double*, const double*, const std::int64_t*, double*, long, long,
                                            long);
template void embedding_dot_backward<float>(const float*, const float*, const float*, const std::int64_t*, float*,
                                            float*, long, long, long, long);
template void embedding_dot_backward<double>(const double*, const double*, const double*, const std::int64_t*, double*,
                                             double*, long, long, long, long);

Tensor embedding_dot(const Tensor& h, const Tensor& W, const Tensor& ids) {
  check_same_device("embedding_dot", {&h, &W, &ids});
  if (h.is_cuda()) return cuda().embedding_dot(h, W, ids);
  const long N = h.size(0), D = h.size(1), K = ids.size(1);
  Tensor y = Tensor::empty({N, K}, h.dtype());
  dispatch_float(h.dtype(), "embedding_dot", [&](auto tag) {
    using T = decltype(tag);
    embedding_dot_forward<T>(h.data<T>(), W.data<T>(), ids.data<std::int64_t>(), y.data<T>(), N, K, D);
  });
  return y;
}

void embedding_dot_backward(const Tensor& g, const Tensor& h, const Tensor& W, const Tensor& ids, Tensor& gh,
                            Tensor& gW) {
  check_same_device("embedding_dot backward", {&g, &h, &W, &ids});
  if (g.is_cuda()) return cuda().embedding_dot_backward(g, h, W, ids, gh, gW);
  const long N = h.size(0), D = h.size(1), K = ids.size(1), V = W.size(0);
  gh = Tensor::empty(h.shape(), g.dtype());
  gW = Tensor::zeros(W.shape(), g.dtype());
  dispatch_float(g.dtype(), "embedding_dot backward", [&](auto tag) {
    using T = decltype(tag);
    embedding_dot_backward<T>(g.data<T>(), h.data<T>(), W.data<T>(), ids.data<std::int64_t>(), gh.data<T>(),
                              gW.data<T>(), N, K, D, V);
  });
}

}  // namespace recgrad::kernels
