#include "autograd/kernels/hstu_attention.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "autograd/kernels/cuda/backend.hpp"
#include "autograd/kernels/gemm.hpp"
#include "autograd/kernels/scratch.hpp"

namespace recgrad::kernels {
namespace {

// Row i: z[j] += rab[j]; a[j] = SiLU(z[j]) · inv_n for visible j < n, 0 for the rest up to width.
template <class T>
void silu_row(T* z, T* a, const T* rab, long n, long width, const T* valid, T inv_n) {
  using V = xsimd::batch<T>;
  constexpr long W = static_cast<long>(V::size);
  const V one(T(1)), zero(T(0)), vn(inv_n);
  long j = 0;
  for (; j + W <= n; j += W) {
    const V zz = V::load_unaligned(z + j) + V::load_unaligned(rab + j);
    zz.store_unaligned(z + j);
    V s = zz / (one + xsimd::exp(-zz)) * vn;
    if (valid) s = xsimd::select(V::load_unaligned(valid + j) != zero, s, zero);
    s.store_unaligned(a + j);
  }
  for (; j < n; ++j) {
    z[j] += rab[j];
    a[j] = (!valid || valid[j] != T(0)) ? z[j] / (T(1) + std::exp(-z[j])) * inv_n : T(0);
  }
  std::fill(z + n, z + width, T(0));
  std::fill(a + n, a + width, T(0));
}

// Row i: dz[j] = da[j] · SiLU'(z[j]) · inv_n for visible j < n, 0 up to `width`.
// SiLU'(z) = σ(z) (1 + z (1 − σ(z)))
template <class T>
void silu_grad_row(T* dz, const T* z, long n, long width, const T* valid, T inv_n) {
  using V = xsimd::batch<T>;
  constexpr long W = static_cast<long>(V::size);
  const V one(T(1)), zero(T(0)), vn(inv_n);
  long j = 0;
  for (; j + W <= n; j += W) {
    const V zz = V::load_unaligned(z + j);
    const V sg = one / (one + xsimd::exp(-zz));
    V g = V::load_unaligned(dz + j) * sg * (one + zz * (one - sg)) * vn;
    if (valid) g = xsimd::select(V::load_unaligned(valid + j) != zero, g, zero);
    g.store_unaligned(dz + j);
  }
  for (; j < n; ++j) {
    const T sg = T(1) / (T(1) + std::exp(-z[j]));
    dz[j] = (!valid || valid[j] != T(0)) ? dz[j] * sg * (T(1) + z[j] * (T(1) - sg)) * inv_n : T(0);
  }
  std::fill(dz + n, dz + width, T(0));
}

}  // namespace

template <class T>
void hstu_attention_forward(const T* Q, const T* K, const T* V, const T* rab, bool rab_batched, const T* inv_n,
                            const T* key_valid, HstuAttentionDims d, T* Z, T* A, T* O) {
  const long BH = d.B * d.H, Tn = d.T, dh = d.dh, dv = d.v_width();
#pragma omp parallel
  {
    static thread_local Buffer<T> kbuf, vbuf;
#pragma omp for schedule(dynamic, 1)
    for (long bh = 0; bh < BH; ++bh) {
      const long b = bh / d.H;
      const T* valid = key_valid ? key_valid + b * Tn : nullptr;
      const auto [lo, hi] = live_window(valid, Tn);  // only the window's (n × n) causal block is computed
      const long n = hi - lo;
      const T *q = Q + (bh * Tn + lo) * dh, *k = K + (bh * Tn + lo) * dh, *v = V + (bh * Tn + lo) * dv;
      const T* vw = valid ? valid + lo : nullptr;
      const T* r = rab + (rab_batched ? b * Tn * Tn : 0) + lo * Tn + lo;
      T *z = Z + bh * Tn * Tn, *a = A + bh * Tn * Tn, *o = O + bh * Tn * dv;
      for (T* m : {z, a}) {  // rows outside the window are padding: 0
        zero_rows(m, 0, lo, Tn);
        zero_rows(m, hi, Tn, Tn);
      }
      zero_rows(o, 0, lo, dv);
      zero_rows(o, hi, Tn, dv);
      if (n == 0) continue;
      T* Kt = scratch(kbuf, packed_B_size<T>(dh, n));
      T* Vp = scratch(vbuf, packed_B_size<T>(n, dv));
      pack_B_full(dh, n, k, 1, dh, Kt);
      pack_B_full(n, dv, v, dv, 1, Vp);
      for (long i0 = 0; i0 < n; i0 += kCausalBlock) {
        const long i1 = std::min(n, i0 + kCausalBlock), rows = i1 - i0;
        gemm_prepacked(rows, i1, dh, q + i0 * dh, dh, 1, Kt, dh, 0, z + (lo + i0) * Tn + lo, Tn);  // Q Kᵀ
        for (long i = i0; i < i1; ++i) {
          T *zr = z + (lo + i) * Tn, *ar = a + (lo + i) * Tn;
          std::fill(zr, zr + lo, T(0));
          std::fill(ar, ar + lo, T(0));
          if (vw && vw[i] == T(0)) {  // a padding query
            std::fill(zr + lo, zr + Tn, T(0));
            std::fill(ar + lo, ar + Tn, T(0));
          } else {
            silu_row(zr + lo, ar + lo, r + i * Tn, i + 1, Tn - lo, vw, inv_n[b]);
          }
        }
        gemm_prepacked(rows, dv, i1, a + (lo + i0) * Tn + lo, Tn, 1, Vp, n, 0, o + (lo + i0) * dv, dv);  // A V
      }
    }
  }
}

template <class T>
void hstu_attention_backward(const T* dO, const T* Q, const T* K, const T* V, const T* Z, const T* A, const T* inv_n,
                             const T* key_valid, HstuAttentionDims d, T* dQ, T* dK, T* dV, T* dZ) {
  const long BH = d.B * d.H, Tn = d.T, dh = d.dh, dv = d.v_width();
#pragma omp parallel
  {
    static thread_local Buffer<T> vt_buf, do_buf, k_buf, q_buf;
#pragma omp for schedule(dynamic, 1)
    for (long bh = 0; bh < BH; ++bh) {
      const long b = bh / d.H;
      const T* valid = key_valid ? key_valid + b * Tn : nullptr;
      const auto [lo, hi] = live_window(valid, Tn);  // window coordinates, as in the forward
      const long n = hi - lo, off = (bh * Tn + lo) * dh, voff = (bh * Tn + lo) * dv;
      T* dz = dZ + bh * Tn * Tn;
      zero_rows(dz, 0, lo, Tn);
      zero_rows(dz, hi, Tn, Tn);
      for (T* g : {dQ, dK}) {
        zero_rows(g + bh * Tn * dh, 0, lo, dh);
        zero_rows(g + bh * Tn * dh, hi, Tn, dh);
      }
      zero_rows(dV + bh * Tn * dv, 0, lo, dv);
      zero_rows(dV + bh * Tn * dv, hi, Tn, dv);
      if (n == 0) continue;
      const T *q = Q + off, *k = K + off, *v = V + voff, *go = dO + voff;
      const T *z = Z + bh * Tn * Tn + lo * Tn + lo, *a = A + bh * Tn * Tn + lo * Tn + lo;  // row stride Tn
      const T* vw = valid ? valid + lo : nullptr;
      T* dzw = dz + lo * Tn + lo;
      T* Vt = scratch(vt_buf, packed_B_size<T>(dv, n));
      T* dOp = scratch(do_buf, packed_B_size<T>(n, dv));
      T* Kp = scratch(k_buf, packed_B_size<T>(n, dh));
      T* Qp = scratch(q_buf, packed_B_size<T>(n, dh));
      pack_B_full(dv, n, v, 1, dv, Vt);
      pack_B_full(n, dv, go, dv, 1, dOp);
      pack_B_full(n, dh, k, dh, 1, Kp);
      pack_B_full(n, dh, q, dh, 1, Qp);
      for (long i0 = 0; i0 < n; i0 += kCausalBlock) {
        const long i1 = std::min(n, i0 + kCausalBlock), rows = i1 - i0;
        gemm_prepacked(rows, i1, dv, go + i0 * dv, dv, 1, Vt, dv, 0, dzw + i0 * Tn, Tn);  // dA = dO Vᵀ
        for (long i = i0; i < i1; ++i) {
          T* row = dz + (lo + i) * Tn;
          std::fill(row, row + lo, T(0));
          if (vw && vw[i] == T(0))
            std::fill(row + lo, row + Tn, T(0));  // a padding query
          else
            silu_grad_row(row + lo, z + i * Tn, i + 1, Tn - lo, vw, inv_n[b]);
        }
        gemm_prepacked(rows, dh, i1, dzw + i0 * Tn, Tn, 1, Kp, n, 0, dQ + off + i0 * dh, dh);  // dQ = dZ K
      }
      for (long j0 = 0; j0 < n; j0 += kCausalBlock) {
        const long cols = std::min(n, j0 + kCausalBlock) - j0;
        // dK[j0:j1] = dZ[j0:n, j0:j1]ᵀ Q[j0:n];  dV[j0:j1] = A[j0:n, j0:j1]ᵀ dO[j0:n]
        gemm_prepacked(cols, dh, n - j0, dzw + j0 * Tn + j0, 1, Tn, Qp, n, j0, dK + off + j0 * dh, dh);
        gemm_prepacked(cols, dv, n - j0, a + j0 * Tn + j0, 1, Tn, dOp, n, j0, dV + voff + j0 * dv, dv);
      }
    }
  }
}

template void hstu_attention_forward<float>(const float*, const float*, const float*, const float*, bool, const float*,
                                            const float*, HstuAttentionDims, float*, float*, float*);
template void hstu_attention_forward<double>(const double*, const double*, const double*, const double*, bool,
                                             const double*, const double*, HstuAttentionDims, double*, double*,
                                             double*);
template void hstu_attention_backward<float>(const float*, const float*, const float*, const float*, const float*,
                                             const float*, const float*, const float*, HstuAttentionDims, float*,
                                             float*, float*, float*);
template void hstu_attention_backward<double>(const double*, const double*, const double*, const double*, const double*,
                                              const double*, const double*, const double*, HstuAttentionDims, double*,
                                              double*, double*, double*);

void hstu_attention_forward(const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& rab, bool rab_batched,
                            const Tensor& inv_n, const Tensor& key_valid, const HstuAttentionDims& d, Tensor& Z,
                            Tensor& A, Tensor& O) {
  check_same_device("hstu_attention", {&Q, &K, &V, &rab, &inv_n, &key_valid});
  if (Q.is_cuda()) return cuda().hstu_forward(Q, K, V, rab, rab_batched, inv_n, key_valid, d, Z, A, O);
  dispatch_float(Q.dtype(), "hstu_attention", [&](auto tag) {
    using F = decltype(tag);
    hstu_attention_forward<F>(Q.data<F>(), K.data<F>(), V.data<F>(), rab.data<F>(), rab_batched, inv_n.data<F>(),
                              key_valid.defined() ? key_valid.data<F>() : nullptr, d, Z.data<F>(), A.data<F>(),
                              O.data<F>());
  });
}

void hstu_attention_backward(const Tensor& dO, const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& Z,
                             const Tensor& A, const Tensor& inv_n, const Tensor& key_valid, const HstuAttentionDims& d,
                             Tensor& dQ, Tensor& dK, Tensor& dV, Tensor& dZ) {
  check_same_device("hstu_attention backward", {&dO, &Q, &K, &V});
  if (Q.is_cuda()) return cuda().hstu_backward(dO, Q, K, V, Z, A, inv_n, key_valid, d, dQ, dK, dV, dZ);
  dispatch_float(Q.dtype(), "hstu_attention backward", [&](auto tag) {
    using F = decltype(tag);
    hstu_attention_backward<F>(dO.data<F>(), Q.data<F>(), K.data<F>(), V.data<F>(), Z.data<F>(), A.data<F>(),
                               inv_n.data<F>(), key_valid.defined() ? key_valid.data<F>() : nullptr, d, dQ.data<F>(),
                               dK.data<F>(), dV.data<F>(), dZ.data<F>());
  });
}

}  // namespace recgrad::kernels
