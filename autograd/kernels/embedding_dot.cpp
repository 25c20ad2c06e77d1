#include "autograd/kernels/embedding_dot.hpp"

#include <xsimd/xsimd.hpp>

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

}  // namespace

template <class T>
void embedding_dot_forward(const T* h, const T* W, const std::int64_t* ids, T* y, long N, long K, long D) {
  const bool fast = use_fast();
#pragma omp parallel for schedule(static) if (fast && N * K * D >= kParallelGrain)
  for (long n = 0; n < N; ++n)
    for (long j = 0; j < K; ++j) {
      const T* w = W + ids[n * K + j] * D;
      y[n * K + j] = fast ? dot_fast(h + n * D, w, D) : dot_reference(h + n * D, w, D);
    }
}

template <class T>
void embedding_dot_backward(const T* g, const T* h, const T* W, const std::int64_t* ids, T* gh, T* gW, long N, long K,
                            long D) {
  const bool fast = use_fast();
  auto axpy = [fast](T a, const T* x, T* yv, long d) { fast ? axpy_fast(a, x, yv, d) : axpy_reference(a, x, yv, d); };
  // gh[n] = Σ_j g[n, j] W[ids[n, j]]: each thread owns its rows
#pragma omp parallel for schedule(static) if (fast && N * K * D >= kParallelGrain)
  for (long n = 0; n < N; ++n) {
    T* row = gh + n * D;
    for (long c = 0; c < D; ++c) row[c] = T(0);
    for (long j = 0; j < K; ++j) axpy(g[n * K + j], W + ids[n * K + j] * D, row, D);
  }
  // gW[v] += Σ g[n, j] h[n] over (n, j) with ids[n, j] = v: serial, so repeated ids add in a fixed order
  for (long n = 0; n < N; ++n)
    for (long j = 0; j < K; ++j) axpy(g[n * K + j], h + n * D, gW + ids[n * K + j] * D, D);
}

template void embedding_dot_forward<float>(const float*, const float*, const std::int64_t*, float*, long, long, long);
template void embedding_dot_forward<double>(const double*, const double*, const std::int64_t*, double*, long, long, long);
template void embedding_dot_backward<float>(const float*, const float*, const float*, const std::int64_t*, float*,
                                            float*, long, long, long);
template void embedding_dot_backward<double>(const double*, const double*, const double*, const std::int64_t*, double*,
                                             double*, long, long, long);

}  // namespace recgrad::kernels
