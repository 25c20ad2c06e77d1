#include "autograd/kernels/attention.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "autograd/generator.hpp"
#include "autograd/kernels/gemm.hpp"
#include "autograd/kernels/scratch.hpp"

namespace recgrad::kernels {
namespace {

// Row i of the weights: P[0..n) = softmax of s[j]·scale over the visible keys j < n (valid[j] != 0 or no
// mask), 0 elsewhere up to `width`. A row that sees no key is all zeros.
template <class T>
void softmax_row(T* row, long n, long width, const T* valid, T scale) {
  using V = xsimd::batch<T>;
  constexpr long W = static_cast<long>(V::size);
  const T ninf = -std::numeric_limits<T>::infinity();
  const V vs(scale), vninf(ninf), zero(T(0));
  V vmax(ninf);
  long j = 0;
  for (; j + W <= n; j += W) {
    V s = V::load_unaligned(row + j) * vs;
    if (valid) s = xsimd::select(V::load_unaligned(valid + j) != zero, s, vninf);
    s.store_unaligned(row + j);
    vmax = xsimd::max(vmax, s);
  }
  alignas(64) T lanes[W];
  vmax.store_aligned(lanes);
  T m = *std::max_element(lanes, lanes + W);
  for (; j < n; ++j) {
    row[j] = (!valid || valid[j] != T(0)) ? row[j] * scale : ninf;
    m = std::max(m, row[j]);
  }
  if (m == ninf) {
    std::fill(row, row + width, T(0));
    return;
  }
  const V vm(m);
  V vsum(T(0));
  for (j = 0; j + W <= n; j += W) {
    const V e = xsimd::exp(V::load_unaligned(row + j) - vm);
    e.store_unaligned(row + j);
    vsum += e;
  }
  T sum = xsimd::hadd(vsum);
  for (; j < n; ++j) sum += (row[j] = std::exp(row[j] - m));
  const V inv(T(1) / sum);
  for (j = 0; j + W <= n; j += W) (V::load_unaligned(row + j) * inv).store_unaligned(row + j);
  for (; j < n; ++j) row[j] *= T(1) / sum;
  std::fill(row + n, row + width, T(0));
}

// pd[j] = p[j] / (1 - rate) when u(bits(base + j)) >= rate, else 0 (the dropout op's rule, inlined so
// the compiler can vectorise the hash).
template <class T>
void dropout_row(const T* p, T* pd, long n, double rate, std::uint64_t key, std::uint64_t base) {
  const T keep_scale = T(1.0 / (1.0 - rate));
  const float threshold = static_cast<float>(rate);
  for (long j = 0; j < n; ++j) {
    const float u = u01_from_bits(splitmix64(key ^ (base + static_cast<std::uint64_t>(j))));
    pd[j] = u >= threshold ? p[j] * keep_scale : T(0);
  }
}

}  // namespace

template <class T>
void causal_attention_forward(const T* Q, const T* K, const T* V, const T* key_valid, AttentionDims d, T scale,
                              AttentionDropout drop, T* P, T* Pd, T* O) {
  const long BH = d.B * d.H, Tn = d.T, dh = d.dh;
#pragma omp parallel
  {
    static thread_local Buffer<T> kbuf, vbuf;
#pragma omp for schedule(dynamic, 1)
    for (long bh = 0; bh < BH; ++bh) {
      const T* valid = key_valid ? key_valid + (bh / d.H) * Tn : nullptr;
      const auto [lo, hi] = live_window(valid, Tn);
      const long n = hi - lo;  // the work is the (n × n) causal block of the live window
      const T *q = Q + (bh * Tn + lo) * dh, *k = K + (bh * Tn + lo) * dh, *v = V + (bh * Tn + lo) * dh;
      const T* vw = valid ? valid + lo : nullptr;
      T *p = P + bh * Tn * Tn, *pd = Pd + bh * Tn * Tn, *o = O + bh * Tn * dh;
      for (T* m : {p, pd}) {  // rows outside the window are padding: 0
        zero_rows(m, 0, lo, Tn);
        zero_rows(m, hi, Tn, Tn);
      }
      zero_rows(o, 0, lo, dh);
      zero_rows(o, hi, Tn, dh);
      if (n == 0) continue;
      T* Kt = scratch(kbuf, packed_B_size<T>(dh, n));
      T* Vp = scratch(vbuf, packed_B_size<T>(n, dh));
      pack_B_full(dh, n, k, 1, dh, Kt);  // Kᵀ: (dh, n)
      pack_B_full(n, dh, v, dh, 1, Vp);  // V: (n, dh)
      for (long i0 = 0; i0 < n; i0 += kCausalBlock) {
        const long i1 = std::min(n, i0 + kCausalBlock), rows = i1 - i0;
        // S[i0:i1, 0:i1] = Q[i0:i1] Kᵀ[:, 0:i1]  (window coordinates; columns past i1 are masked for the block)
        gemm_prepacked(rows, i1, dh, q + i0 * dh, dh, 1, Kt, dh, 0, p + (lo + i0) * Tn + lo, Tn);
        for (long i = i0; i < i1; ++i) {
          T *row = p + (lo + i) * Tn, *drow = pd + (lo + i) * Tn;
          std::fill(row, row + lo, T(0));
          if (vw && vw[i] == T(0))
            std::fill(row + lo, row + Tn, T(0));  // a padding query
          else
            softmax_row(row + lo, i + 1, Tn - lo, vw, scale);
          if (drop.p > 0) {
            std::fill(drow, drow + lo, T(0));
            dropout_row(row + lo, drow + lo, i + 1, drop.p, drop.key,
                        drop.base + static_cast<std::uint64_t>((bh * Tn + lo + i) * Tn + lo));
            std::fill(drow + lo + i + 1, drow + Tn, T(0));
          }
        }
        // O[i0:i1] = Pd[i0:i1, 0:i1] V[0:i1]
        gemm_prepacked(rows, dh, i1, pd + (lo + i0) * Tn + lo, Tn, 1, Vp, n, 0, o + (lo + i0) * dh, dh);
      }
    }
  }
}

template <class T>
void causal_attention_backward(const T* dO, const T* Q, const T* K, const T* V, const T* P, const T* Pd,
                               const T* key_valid, AttentionDims d, T scale, double p_drop, T* dQ, T* dK, T* dV) {
  using Vec = xsimd::batch<T>;
  constexpr long W = static_cast<long>(Vec::size);
  const long BH = d.B * d.H, Tn = d.T, dh = d.dh;
  const T keep_scale = T(1.0 / (1.0 - p_drop));
#pragma omp parallel
  {
    static thread_local Buffer<T> vt_buf, do_buf, k_buf, q_buf, ds_buf;
#pragma omp for schedule(dynamic, 1)
    for (long bh = 0; bh < BH; ++bh) {
      const auto [lo, hi] = live_window(key_valid ? key_valid + (bh / d.H) * Tn : nullptr, Tn);
      const long n = hi - lo, off = (bh * Tn + lo) * dh;  // window coordinates, as in the forward
      for (T* g : {dQ, dK, dV}) {
        zero_rows(g + bh * Tn * dh, 0, lo, dh);
        zero_rows(g + bh * Tn * dh, hi, Tn, dh);
      }
      if (n == 0) continue;
      const T *q = Q + off, *k = K + off, *v = V + off, *go = dO + off;
      const T *p = P + bh * Tn * Tn + lo * Tn + lo, *pd = Pd + bh * Tn * Tn + lo * Tn + lo;  // row stride Tn
      T* Vt = scratch(vt_buf, packed_B_size<T>(dh, n));
      T* dOp = scratch(do_buf, packed_B_size<T>(n, dh));
      T* Kp = scratch(k_buf, packed_B_size<T>(n, dh));
      T* Qp = scratch(q_buf, packed_B_size<T>(n, dh));
      T* dS = scratch(ds_buf, static_cast<std::size_t>(n * n));  // row stride n
      pack_B_full(dh, n, v, 1, dh, Vt);                          // Vᵀ: (dh, n)
      pack_B_full(n, dh, go, dh, 1, dOp);                        // dO: (n, dh)
      pack_B_full(n, dh, k, dh, 1, Kp);                          // K: (n, dh)
      pack_B_full(n, dh, q, dh, 1, Qp);                          // Q: (n, dh)
      for (long i0 = 0; i0 < n; i0 += kCausalBlock) {
        const long i1 = std::min(n, i0 + kCausalBlock), rows = i1 - i0;
        // dPd[i0:i1, 0:i1] = dO[i0:i1] Vᵀ
        gemm_prepacked(rows, i1, dh, go + i0 * dh, dh, 1, Vt, dh, 0, dS + i0 * n, n);
        for (long i = i0; i < i1; ++i) {
          // dP = dPd ⊙ dropout mask;  dS = P ⊙ (dP − Σ_j dP P) · scale   (j ≤ i; zero up to i1)
          T* ds = dS + i * n;
          const T *pr = p + i * Tn, *pdr = pd + i * Tn;
          const long m = i + 1;
          if (p_drop > 0)
            for (long j = 0; j < m; ++j) ds[j] = pdr[j] != T(0) ? ds[j] * keep_scale : T(0);
          Vec acc(T(0));
          long j = 0;
          for (; j + W <= m; j += W) acc = xsimd::fma(Vec::load_unaligned(ds + j), Vec::load_unaligned(pr + j), acc);
          T dot = xsimd::hadd(acc);
          for (; j < m; ++j) dot += ds[j] * pr[j];
          const Vec vdot(dot), vscale(scale);
          for (j = 0; j + W <= m; j += W)
            (Vec::load_unaligned(pr + j) * (Vec::load_unaligned(ds + j) - vdot) * vscale).store_unaligned(ds + j);
          for (; j < m; ++j) ds[j] = pr[j] * (ds[j] - dot) * scale;
          std::fill(ds + m, ds + i1, T(0));
        }
        // dQ[i0:i1] = dS[i0:i1, 0:i1] K[0:i1]
        gemm_prepacked(rows, dh, i1, dS + i0 * n, n, 1, Kp, n, 0, dQ + off + i0 * dh, dh);
      }
      for (long j0 = 0; j0 < n; j0 += kCausalBlock) {
        const long cols = std::min(n, j0 + kCausalBlock) - j0;
        // dK[j0:j1] = dS[j0:n, j0:j1]ᵀ Q[j0:n];  dV[j0:j1] = Pd[j0:n, j0:j1]ᵀ dO[j0:n]  (rows i < j0 are zero)
        gemm_prepacked(cols, dh, n - j0, dS + j0 * n + j0, 1, n, Qp, n, j0, dK + off + j0 * dh, dh);
        gemm_prepacked(cols, dh, n - j0, pd + j0 * Tn + j0, 1, Tn, dOp, n, j0, dV + off + j0 * dh, dh);
      }
    }
  }
}

template void causal_attention_forward<float>(const float*, const float*, const float*, const float*, AttentionDims,
                                              float, AttentionDropout, float*, float*, float*);
template void causal_attention_forward<double>(const double*, const double*, const double*, const double*,
                                               AttentionDims, double, AttentionDropout, double*, double*, double*);
template void causal_attention_backward<float>(const float*, const float*, const float*, const float*, const float*,
                                               const float*, const float*, AttentionDims, float, double, float*, float*,
                                               float*);
template void causal_attention_backward<double>(const double*, const double*, const double*, const double*,
                                                const double*, const double*, const double*, AttentionDims, double,
                                                double, double*, double*, double*);

}  // namespace recgrad::kernels
