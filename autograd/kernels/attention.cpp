#include "autograd/kernels/attention.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "autograd/generator.hpp"
#include "autograd/kernels/cuda/backend.hpp"
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

// Rows [r0, r1) of one head of a strided operand: each `width` wide, `row` apart.
template <class T>
void zero_head_rows(T* base, long row, long r0, long r1, long width) {
  for (long i = r0; i < r1; ++i) std::fill(base + i * row, base + i * row + width, T(0));
}

// The live windows of one (batch, head): queries [q.lo, q.hi), keys [k.lo, k.hi), and the masks inside them.
template <class T>
struct Windows {
  LiveWindow q, k;
  const T *qvalid, *kvalid;  // the masks of the whole rows (nullptr: all real)
  long nq() const { return q.size(); }
  long nk() const { return k.size(); }
  bool padding_query(long i) const { return qvalid && qvalid[q.lo + i] == T(0); }  // i in window coordinates
};

template <class T>
Windows<T> windows_of(long b, const T* query_valid, const T* key_valid, const AttentionDims& d) {
  const T* kvalid = key_valid ? key_valid + b * d.Tk : nullptr;
  const T* qvalid = d.causal ? kvalid : (query_valid ? query_valid + b * d.Tq : nullptr);
  Windows<T> w{live_window(qvalid, d.Tq), live_window(kvalid, d.Tk), qvalid, kvalid};
  if (w.nq() == 0 || w.nk() == 0) w.q = w.k = {0, 0};  // nothing to compute: every output is 0
  return w;
}

// The keys a query row of a block sees, in window coordinates: all nk, or up to the diagonal when causal.
inline long visible_keys(bool causal, long i, long nk) { return causal ? i + 1 : nk; }

// One (batch, head) of the forward: P, Pd rows (row stride Tk) and O rows.
template <class T>
void forward_one(long bh, const T* q, const T* k, const T* v, const Windows<T>& w, const AttentionDims& d, T scale,
                 const AttentionDropout& drop, T* p, T* pd, T* o, Buffer<T>& kbuf, Buffer<T>& vbuf) {
  const long nq = w.nq(), nk = w.nk(), Tk = d.Tk;
  for (T* m : {p, pd}) {  // rows outside the query window are padding: 0
    zero_rows(m, 0, w.q.lo, Tk);
    zero_rows(m, w.q.hi, d.Tq, Tk);
  }
  zero_head_rows(o, d.o.row, 0, w.q.lo, d.dv);
  zero_head_rows(o, d.o.row, w.q.hi, d.Tq, d.dv);
  if (nq == 0) return;
  const T *qw = q + w.q.lo * d.q.row, *kw = k + w.k.lo * d.k.row, *vw = v + w.k.lo * d.v.row;
  const T* kvalid = w.kvalid ? w.kvalid + w.k.lo : nullptr;
  T* Kt = scratch(kbuf, packed_B_size<T>(d.dh, nk));
  T* Vp = scratch(vbuf, packed_B_size<T>(nk, d.dv));
  pack_B_full(d.dh, nk, kw, 1, d.k.row, Kt);  // Kᵀ: (dh, nk)
  pack_B_full(nk, d.dv, vw, d.v.row, 1, Vp);  // V: (nk, dv)
  for (long i0 = 0; i0 < nq; i0 += kCausalBlock) {
    const long i1 = std::min(nq, i0 + kCausalBlock), rows = i1 - i0, cols = d.causal ? i1 : nk;
    T *prow0 = p + (w.q.lo + i0) * Tk, *pdrow0 = pd + (w.q.lo + i0) * Tk;
    // S[i0:i1, 0:cols] = Q[i0:i1] Kᵀ[:, 0:cols]  (window coordinates)
    gemm_prepacked(rows, cols, d.dh, qw + i0 * d.q.row, d.q.row, 1, Kt, d.dh, 0, prow0 + w.k.lo, Tk);
    for (long i = i0; i < i1; ++i) {
      T *row = p + (w.q.lo + i) * Tk, *drow = pd + (w.q.lo + i) * Tk;
      const long n = visible_keys(d.causal, i, nk);
      std::fill(row, row + w.k.lo, T(0));
      if (w.padding_query(i))
        std::fill(row + w.k.lo, row + Tk, T(0));
      else
        softmax_row(row + w.k.lo, n, Tk - w.k.lo, kvalid, scale);
      if (drop.p > 0) {
        std::fill(drow, drow + w.k.lo, T(0));
        dropout_row(row + w.k.lo, drow + w.k.lo, n, drop.p, drop.key,
                    drop.base + static_cast<std::uint64_t>((bh * d.Tq + w.q.lo + i) * Tk + w.k.lo));
        std::fill(drow + w.k.lo + n, drow + Tk, T(0));
      }
    }
    // O[i0:i1] = Pd[i0:i1, 0:cols] V[0:cols]
    gemm_prepacked(rows, d.dv, cols, pdrow0 + w.k.lo, Tk, 1, Vp, nk, 0, o + (w.q.lo + i0) * d.o.row, d.o.row);
  }
}

// dS = P ⊙ (dP − Σ_j dP P) · scale on one row of m visible keys, with dP = dPd ⊙ the dropout mask
// (kept where Pd ≠ 0, scaled by 1 / (1 − p)).
template <class T>
void softmax_grad_row(T* ds, const T* pr, const T* pdr, long m, double p_drop, T scale) {
  using Vec = xsimd::batch<T>;
  constexpr long W = static_cast<long>(Vec::size);
  if (p_drop > 0) {
    const T keep_scale = T(1.0 / (1.0 - p_drop));
    for (long j = 0; j < m; ++j) ds[j] = pdr[j] != T(0) ? ds[j] * keep_scale : T(0);
  }
  Vec acc(T(0));
  long j = 0;
  for (; j + W <= m; j += W) acc = xsimd::fma(Vec::load_unaligned(ds + j), Vec::load_unaligned(pr + j), acc);
  T dot = xsimd::hadd(acc);
  for (; j < m; ++j) dot += ds[j] * pr[j];
  const Vec vdot(dot), vscale(scale);
  for (j = 0; j + W <= m; j += W)
    (Vec::load_unaligned(pr + j) * (Vec::load_unaligned(ds + j) - vdot) * vscale).store_unaligned(ds + j);
  for (; j < m; ++j) ds[j] = pr[j] * (ds[j] - dot) * scale;
}

template <class T>
struct BackwardScratch {
  Buffer<T> vt, dout, k, q, ds;
};

// One (batch, head) of the backward: dQ, dK, dV rows.
template <class T>
void backward_one(const T* go, const T* q, const T* k, const T* v, const T* p, const T* pd, const Windows<T>& w,
                  const AttentionDims& d, T scale, double p_drop, T* dq, T* dk, T* dv, BackwardScratch<T>& b) {
  const long nq = w.nq(), nk = w.nk(), Tk = d.Tk;
  zero_head_rows(dq, d.q.row, 0, w.q.lo, d.dh);
  zero_head_rows(dq, d.q.row, w.q.hi, d.Tq, d.dh);
  zero_head_rows(dk, d.k.row, 0, w.k.lo, d.dh);
  zero_head_rows(dk, d.k.row, w.k.hi, d.Tk, d.dh);
  zero_head_rows(dv, d.v.row, 0, w.k.lo, d.dv);
  zero_head_rows(dv, d.v.row, w.k.hi, d.Tk, d.dv);
  if (nq == 0) return;
  q += w.q.lo * d.q.row, go += w.q.lo * d.o.row, dq += w.q.lo * d.q.row;
  k += w.k.lo * d.k.row, v += w.k.lo * d.v.row, dk += w.k.lo * d.k.row, dv += w.k.lo * d.v.row;
  p += w.q.lo * Tk + w.k.lo, pd += w.q.lo * Tk + w.k.lo;  // window coordinates, row stride Tk
  T* Vt = scratch(b.vt, packed_B_size<T>(d.dv, nk));
  T* dOp = scratch(b.dout, packed_B_size<T>(nq, d.dv));
  T* Kp = scratch(b.k, packed_B_size<T>(nk, d.dh));
  T* Qp = scratch(b.q, packed_B_size<T>(nq, d.dh));
  T* dS = scratch(b.ds, static_cast<std::size_t>(nq * nk));  // row stride nk
  pack_B_full(d.dv, nk, v, 1, d.v.row, Vt);                  // Vᵀ: (dv, nk)
  pack_B_full(nq, d.dv, go, d.o.row, 1, dOp);                // dO: (nq, dv)
  pack_B_full(nk, d.dh, k, d.k.row, 1, Kp);                  // K: (nk, dh)
  pack_B_full(nq, d.dh, q, d.q.row, 1, Qp);                  // Q: (nq, dh)
  for (long i0 = 0; i0 < nq; i0 += kCausalBlock) {
    const long i1 = std::min(nq, i0 + kCausalBlock), rows = i1 - i0, cols = d.causal ? i1 : nk;
    // dPd[i0:i1, 0:cols] = dO[i0:i1] Vᵀ
    gemm_prepacked(rows, cols, d.dv, go + i0 * d.o.row, d.o.row, 1, Vt, d.dv, 0, dS + i0 * nk, nk);
    for (long i = i0; i < i1; ++i) {
      const long m = visible_keys(d.causal, i, nk);
      softmax_grad_row(dS + i * nk, p + i * Tk, pd + i * Tk, m, p_drop, scale);
      std::fill(dS + i * nk + m, dS + i * nk + cols, T(0));
    }
    // dQ[i0:i1] = dS[i0:i1, 0:cols] K[0:cols]
    gemm_prepacked(rows, d.dh, cols, dS + i0 * nk, nk, 1, Kp, nk, 0, dq + i0 * d.q.row, d.q.row);
  }
  for (long j0 = 0; j0 < nk; j0 += kCausalBlock) {
    const long cols = std::min(nk, j0 + kCausalBlock) - j0, r0 = d.causal ? j0 : 0;
    // dK[j0:j1] = dS[r0:nq, j0:j1]ᵀ Q[r0:nq];  dV[j0:j1] = Pd[r0:nq, j0:j1]ᵀ dO[r0:nq]  (causal: rows i < j0 see no
    // key of the block)
    gemm_prepacked(cols, d.dh, nq - r0, dS + r0 * nk + j0, 1, nk, Qp, nq, r0, dk + j0 * d.k.row, d.k.row);
    gemm_prepacked(cols, d.dv, nq - r0, pd + r0 * Tk + j0, 1, Tk, dOp, nq, r0, dv + j0 * d.v.row, d.v.row);
  }
}

}  // namespace

template <class T>
void attention_forward(const T* Q, const T* K, const T* V, const T* query_valid, const T* key_valid, AttentionDims d,
                       T scale, AttentionDropout drop, T* P, T* Pd, T* O) {
  const long BH = d.B * d.H;
#pragma omp parallel
  {
    static thread_local Buffer<T> kbuf, vbuf;
#pragma omp for schedule(dynamic, 1)
    for (long bh = 0; bh < BH; ++bh) {
      const long b = bh / d.H, h = bh % d.H;
      const Windows<T> w = windows_of(b, query_valid, key_valid, d);
      forward_one(bh, Q + b * d.q.batch + h * d.q.head, K + b * d.k.batch + h * d.k.head,
                  V + b * d.v.batch + h * d.v.head, w, d, scale, drop, P + bh * d.Tq * d.Tk, Pd + bh * d.Tq * d.Tk,
                  O + b * d.o.batch + h * d.o.head, kbuf, vbuf);
    }
  }
}

template <class T>
void attention_backward(const T* dO, const T* Q, const T* K, const T* V, const T* P, const T* Pd, const T* query_valid,
                        const T* key_valid, AttentionDims d, T scale, double p_drop, T* dQ, T* dK, T* dV) {
  const long BH = d.B * d.H;
#pragma omp parallel
  {
    static thread_local BackwardScratch<T> buffers;
#pragma omp for schedule(dynamic, 1)
    for (long bh = 0; bh < BH; ++bh) {
      const long b = bh / d.H, h = bh % d.H;
      const Windows<T> w = windows_of(b, query_valid, key_valid, d);
      const long qo = b * d.q.batch + h * d.q.head, ko = b * d.k.batch + h * d.k.head,
                 vo = b * d.v.batch + h * d.v.head;
      backward_one(dO + b * d.o.batch + h * d.o.head, Q + qo, K + ko, V + vo, P + bh * d.Tq * d.Tk,
                   Pd + bh * d.Tq * d.Tk, w, d, scale, p_drop, dQ + qo, dK + ko, dV + vo, buffers);
    }
  }
}

template void attention_forward<float>(const float*, const float*, const float*, const float*, const float*,
                                       AttentionDims, float, AttentionDropout, float*, float*, float*);
template void attention_forward<double>(const double*, const double*, const double*, const double*, const double*,
                                        AttentionDims, double, AttentionDropout, double*, double*, double*);
template void attention_backward<float>(const float*, const float*, const float*, const float*, const float*,
                                        const float*, const float*, const float*, AttentionDims, float, double, float*,
                                        float*, float*);
template void attention_backward<double>(const double*, const double*, const double*, const double*, const double*,
                                         const double*, const double*, const double*, AttentionDims, double, double,
                                         double*, double*, double*);

void attention_forward(const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& query_valid,
                       const Tensor& key_valid, const AttentionDims& d, double scale, const AttentionDropout& drop,
                       Tensor& P, Tensor& Pd, Tensor& O) {
  check_same_device("attention", {&Q, &K, &V, &query_valid, &key_valid});
  if (Q.is_cuda()) return cuda().attention_forward(Q, K, V, query_valid, key_valid, d, scale, drop, P, Pd, O);
  dispatch_float(Q.dtype(), "attention", [&](auto tag) {
    using F = decltype(tag);
    const F* qv = query_valid.defined() ? query_valid.data<F>() : nullptr;
    const F* kv = key_valid.defined() ? key_valid.data<F>() : nullptr;
    attention_forward<F>(Q.data<F>(), K.data<F>(), V.data<F>(), qv, kv, d, F(scale), drop, P.data<F>(), Pd.data<F>(),
                         O.data<F>());
  });
}

void attention_backward(const Tensor& dO, const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& P,
                        const Tensor& Pd, const Tensor& query_valid, const Tensor& key_valid, const AttentionDims& d,
                        double scale, double p, Tensor& dQ, Tensor& dK, Tensor& dV) {
  check_same_device("attention backward", {&dO, &Q, &K, &V});
  if (Q.is_cuda())
    return cuda().attention_backward(dO, Q, K, V, P, Pd, query_valid, key_valid, d, scale, p, dQ, dK, dV);
  dispatch_float(Q.dtype(), "attention backward", [&](auto tag) {
    using F = decltype(tag);
    const F* qv = query_valid.defined() ? query_valid.data<F>() : nullptr;
    const F* kv = key_valid.defined() ? key_valid.data<F>() : nullptr;
    attention_backward<F>(dO.data<F>(), Q.data<F>(), K.data<F>(), V.data<F>(), P.data<F>(), Pd.data<F>(), qv, kv, d,
                          F(scale), p, dQ.data<F>(), dK.data<F>(), dV.data<F>());
  });
}

}  // namespace recgrad::kernels
