// Fused attention on the GPU, forward and backward, for the same two rules as the CPU kernels
// (autograd/kernels/attention.cpp and hstu_attention.cpp), with the same masks, the same dropout counters and
// the same saved weights, so the backward rules of the ops run unchanged.
//
// Forward: one block per query row (b, h, i). The row's scores sit in shared memory, so the (T × T) weights are
// written once (the backward needs them) and never read back in the forward.
// Backward: one block per query row computes dS (or dZ) and dQ; one block per key row then sums dK and dV down
// the columns of dS and of the saved weights. No atomics: every output element has one writer.
#include "autograd/kernels/cuda/common.cuh"

namespace recgrad::kernels::gpu {

namespace {

constexpr int kThreads = 128;

// ---- softmax attention:  S = Q Kᵀ · scale (masked),  P = softmax(S),  Pd = dropout(P),  O = Pd V ----

template <class T>
__global__ void attention_forward_kernel(const T* Q, const T* K, const T* V, const T* query_valid, const T* key_valid,
                                         AttentionDims d, T scale, AttentionDropout drop, T* P, T* Pd, T* O) {
  extern __shared__ unsigned char smem[];
  T* s = reinterpret_cast<T*>(smem);  // Tk scores, then dh of Q's row
  T* q = s + d.Tk;
  __shared__ T red[32];
  const long row = blockIdx.x, i = row % d.Tq, bh = row / d.Tq, b = bh / d.H, h = bh % d.H;
  const T* qvalid = d.causal ? key_valid : query_valid;
  const bool padding_query = qvalid && qvalid[b * (d.causal ? d.Tk : d.Tq) + i] == T(0);
  const T* qrow = Q + b * d.q.batch + h * d.q.head + i * d.q.row;
  const T* kbase = K + b * d.k.batch + h * d.k.head;
  const T* vbase = V + b * d.v.batch + h * d.v.head;
  for (long c = threadIdx.x; c < d.dh; c += blockDim.x) q[c] = qrow[c];
  __syncthreads();
  T m = T(-INFINITY);
  for (long j = threadIdx.x; j < d.Tk; j += blockDim.x) {
    const bool visible = !padding_query && (!d.causal || j <= i) && (!key_valid || key_valid[b * d.Tk + j] != T(0));
    T acc = T(0);
    if (visible)
      for (long c = 0; c < d.dh; ++c) acc += q[c] * kbase[j * d.k.row + c];
    s[j] = visible ? acc * scale : T(-INFINITY);
    m = max(m, s[j]);
  }
  m = block_max(m, red);
  T sum = T(0);
  for (long j = threadIdx.x; j < d.Tk; j += blockDim.x) {
    s[j] = m == T(-INFINITY) ? T(0) : exp(s[j] - m);  // a row that sees no key: all weights 0
    sum += s[j];
  }
  sum = block_sum(sum, red);
  const T inv = sum > T(0) ? T(1) / sum : T(0);
  const T keep_scale = T(1.0 / (1.0 - drop.p));
  const float threshold = static_cast<float>(drop.p);
  T* prow = P + row * d.Tk;
  T* pdrow = Pd + row * d.Tk;
  for (long j = threadIdx.x; j < d.Tk; j += blockDim.x) {
    const T p = s[j] * inv;
    prow[j] = p;
    T pd = p;
    if (drop.p > 0) {
      const std::uint64_t counter = drop.base + static_cast<std::uint64_t>(row * d.Tk + j);
      pd = u01_d(splitmix64_d(drop.key ^ counter)) >= threshold ? p * keep_scale : T(0);
    }
    pdrow[j] = pd;
    s[j] = pd;
  }
  __syncthreads();
  T* orow = O + b * d.o.batch + h * d.o.head + i * d.o.row;
  for (long c = threadIdx.x; c < d.dv; c += blockDim.x) {
    T acc = T(0);
    for (long j = 0; j < d.Tk; ++j) acc += s[j] * vbase[j * d.v.row + c];
    orow[c] = acc;
  }
}

// Per query row: dPd = dO Vᵀ, dP = dPd ⊙ mask, dS = P ⊙ (dP − Σ dP P) · scale (saved), dQ = dS K.
template <class T>
__global__ void attention_backward_rows(const T* dO, const T* K, const T* V, const T* P, const T* Pd, AttentionDims d,
                                        T scale, double p_drop, T* dS, T* dQ) {
  extern __shared__ unsigned char smem[];
  T* ds = reinterpret_cast<T*>(smem);  // Tk, then dv of dO's row
  T* go = ds + d.Tk;
  __shared__ T red[32];
  const long row = blockIdx.x, i = row % d.Tq, bh = row / d.Tq, b = bh / d.H, h = bh % d.H;
  const T* gorow = dO + b * d.o.batch + h * d.o.head + i * d.o.row;
  const T* kbase = K + b * d.k.batch + h * d.k.head;
  const T* vbase = V + b * d.v.batch + h * d.v.head;
  for (long c = threadIdx.x; c < d.dv; c += blockDim.x) go[c] = gorow[c];
  __syncthreads();
  const T *prow = P + row * d.Tk, *pdrow = Pd + row * d.Tk;
  const T keep_scale = T(1.0 / (1.0 - p_drop));
  T t = T(0);
  for (long j = threadIdx.x; j < d.Tk; j += blockDim.x) {
    T dp = T(0);
    if (prow[j] != T(0)) {
      for (long c = 0; c < d.dv; ++c) dp += go[c] * vbase[j * d.v.row + c];
      if (p_drop > 0) dp = pdrow[j] != T(0) ? dp * keep_scale : T(0);
    }
    ds[j] = dp;
    t += dp * prow[j];
  }
  t = block_sum(t, red);
  for (long j = threadIdx.x; j < d.Tk; j += blockDim.x) {
    ds[j] = prow[j] * (ds[j] - t) * scale;
    dS[row * d.Tk + j] = ds[j];
  }
  __syncthreads();
  T* dqrow = dQ + b * d.q.batch + h * d.q.head + i * d.q.row;
  for (long c = threadIdx.x; c < d.dh; c += blockDim.x) {
    T acc = T(0);
    for (long j = 0; j < d.Tk; ++j) acc += ds[j] * kbase[j * d.k.row + c];
    dqrow[c] = acc;
  }
}

// Per key row j: dK[j] = Σ_i dS[i, j] Q[i],  dV[j] = Σ_i Pd[i, j] dO[i].
template <class T>
__global__ void attention_backward_keys(const T* dO, const T* Q, const T* Pd, const T* dS, AttentionDims d, T* dK,
                                        T* dV) {
  const long key = blockIdx.x, j = key % d.Tk, bh = key / d.Tk, b = bh / d.H, h = bh % d.H;
  const long i0 = d.causal ? j : 0;  // causal: only queries i ≥ j saw key j
  const T* qbase = Q + b * d.q.batch + h * d.q.head;
  const T* obase = dO + b * d.o.batch + h * d.o.head;
  const T *ds = dS + bh * d.Tq * d.Tk + j, *pd = Pd + bh * d.Tq * d.Tk + j;
  T* dkrow = dK + b * d.k.batch + h * d.k.head + j * d.k.row;
  T* dvrow = dV + b * d.v.batch + h * d.v.head + j * d.v.row;
  for (long c = threadIdx.x; c < d.dh; c += blockDim.x) {
    T acc = T(0);
    for (long i = i0; i < d.Tq; ++i) acc += ds[i * d.Tk] * qbase[i * d.q.row + c];
    dkrow[c] = acc;
  }
  for (long c = threadIdx.x; c < d.dv; c += blockDim.x) {
    T acc = T(0);
    for (long i = i0; i < d.Tq; ++i) acc += pd[i * d.Tk] * obase[i * d.o.row + c];
    dvrow[c] = acc;
  }
}

// ---- HSTU:  Z = Q Kᵀ + rab,  A = SiLU(Z) / n on visible (j ≤ i, both real), 0 elsewhere,  O = A V ----

template <class T>
__device__ inline bool hstu_visible(const T* valid, long T_len, long b, long i, long j) {
  return j <= i && (!valid || (valid[b * T_len + i] != T(0) && valid[b * T_len + j] != T(0)));
}

template <class T>
__global__ void hstu_forward_kernel(const T* Q, const T* K, const T* V, const T* rab, bool rab_batched, const T* inv_n,
                                    const T* key_valid, HstuAttentionDims d, T* Z, T* A, T* O) {
  extern __shared__ unsigned char smem[];
  T* a = reinterpret_cast<T*>(smem);  // T weights, then dh of Q's row
  T* q = a + d.T;
  const long dv = d.dv > 0 ? d.dv : d.dh, row = blockIdx.x, i = row % d.T, bh = row / d.T, b = bh / d.H;
  const T* qrow = Q + row * d.dh;
  const T* kbase = K + bh * d.T * d.dh;
  const T* vbase = V + bh * d.T * dv;
  const T* rrow = rab + (rab_batched ? b : 0) * d.T * d.T + i * d.T;
  for (long c = threadIdx.x; c < d.dh; c += blockDim.x) q[c] = qrow[c];
  __syncthreads();
  for (long j = threadIdx.x; j < d.T; j += blockDim.x) {
    T z = T(0), w = T(0);
    if (hstu_visible(key_valid, d.T, b, i, j)) {
      for (long c = 0; c < d.dh; ++c) z += q[c] * kbase[j * d.dh + c];
      z += rrow[j];
      w = z / (T(1) + exp(-z)) * inv_n[b];
    }
    Z[row * d.T + j] = z;
    A[row * d.T + j] = w;
    a[j] = w;
  }
  __syncthreads();
  for (long c = threadIdx.x; c < dv; c += blockDim.x) {
    T acc = T(0);
    for (long j = 0; j <= i; ++j) acc += a[j] * vbase[j * dv + c];
    O[row * dv + c] = acc;
  }
}

// Per query row: dA = dO Vᵀ, dZ = dA · SiLU'(Z) / n (visible only; saved), dQ = dZ K.
template <class T>
__global__ void hstu_backward_rows(const T* dO, const T* K, const T* V, const T* Z, const T* inv_n, const T* key_valid,
                                   HstuAttentionDims d, T* dZ, T* dQ) {
  extern __shared__ unsigned char smem[];
  T* dz = reinterpret_cast<T*>(smem);  // T, then dv of dO's row
  T* go = dz + d.T;
  const long dv = d.dv > 0 ? d.dv : d.dh, row = blockIdx.x, i = row % d.T, bh = row / d.T, b = bh / d.H;
  const T* kbase = K + bh * d.T * d.dh;
  const T* vbase = V + bh * d.T * dv;
  for (long c = threadIdx.x; c < dv; c += blockDim.x) go[c] = dO[row * dv + c];
  __syncthreads();
  for (long j = threadIdx.x; j < d.T; j += blockDim.x) {
    T g = T(0);
    if (hstu_visible(key_valid, d.T, b, i, j)) {
      T da = T(0);
      for (long c = 0; c < dv; ++c) da += go[c] * vbase[j * dv + c];
      const T z = Z[row * d.T + j], s = T(1) / (T(1) + exp(-z));
      g = da * inv_n[b] * s * (T(1) + z * (T(1) - s));
    }
    dz[j] = g;
    dZ[row * d.T + j] = g;
  }
  __syncthreads();
  for (long c = threadIdx.x; c < d.dh; c += blockDim.x) {
    T acc = T(0);
    for (long j = 0; j <= i; ++j) acc += dz[j] * kbase[j * d.dh + c];
    dQ[row * d.dh + c] = acc;
  }
}

// Per key row j: dK[j] = Σ_{i ≥ j} dZ[i, j] Q[i],  dV[j] = Σ_{i ≥ j} A[i, j] dO[i].
template <class T>
__global__ void hstu_backward_keys(const T* dO, const T* Q, const T* A, const T* dZ, HstuAttentionDims d, T* dK,
                                   T* dV) {
  const long dv = d.dv > 0 ? d.dv : d.dh, key = blockIdx.x, j = key % d.T, bh = key / d.T;
  const T* qbase = Q + bh * d.T * d.dh;
  const T* obase = dO + bh * d.T * dv;
  const T *dz = dZ + bh * d.T * d.T + j, *a = A + bh * d.T * d.T + j;
  for (long c = threadIdx.x; c < d.dh; c += blockDim.x) {
    T acc = T(0);
    for (long i = j; i < d.T; ++i) acc += dz[i * d.T] * qbase[i * d.dh + c];
    dK[key * d.dh + c] = acc;
  }
  for (long c = threadIdx.x; c < dv; c += blockDim.x) {
    T acc = T(0);
    for (long i = j; i < d.T; ++i) acc += a[i * d.T] * obase[i * dv + c];
    dV[key * dv + c] = acc;
  }
}

template <class T>
const T* opt(const Tensor& t) {
  return t.defined() ? ptr<T>(t) : nullptr;
}

unsigned grid_of(long n) {
  if (n > 0x7fffffffL) throw std::invalid_argument("CUDA attention: too many rows for one launch");
  return static_cast<unsigned>(n > 0 ? n : 1);
}

}  // namespace

void attention_forward(const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& query_valid,
                       const Tensor& key_valid, const AttentionDims& d, double scale, const AttentionDropout& drop,
                       Tensor& P, Tensor& Pd, Tensor& O) {
  if (d.B * d.H * d.Tq == 0) return;
  float_types(Q.dtype(), "attention", [&](auto tag) {
    using T = decltype(tag);
    const std::size_t shared = static_cast<std::size_t>(d.Tk + d.dh) * sizeof(T);
    attention_forward_kernel<T><<<grid_of(d.B * d.H * d.Tq), kThreads, shared, stream()>>>(
        ptr<T>(Q), ptr<T>(K), ptr<T>(V), opt<T>(query_valid), opt<T>(key_valid), d, T(scale), drop, ptr<T>(P),
        ptr<T>(Pd), ptr<T>(O));
  });
  RECGRAD_CUDA_LAUNCHED("attention");
}

void attention_backward(const Tensor& dO, const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& P,
                        const Tensor& Pd, const Tensor& query_valid, const Tensor& key_valid, const AttentionDims& d,
                        double scale, double p, Tensor& dQ, Tensor& dK, Tensor& dV) {
  (void)query_valid;  // the saved P already holds the masks: hidden weights are 0
  (void)key_valid;
  if (d.B * d.H * d.Tq * d.Tk == 0) return;
  Tensor dS = empty_on_gpu({d.B * d.H, d.Tq, d.Tk}, Q.dtype());
  float_types(Q.dtype(), "attention backward", [&](auto tag) {
    using T = decltype(tag);
    const std::size_t shared = static_cast<std::size_t>(d.Tk + d.dv) * sizeof(T);
    attention_backward_rows<T><<<grid_of(d.B * d.H * d.Tq), kThreads, shared, stream()>>>(
        ptr<T>(dO), ptr<T>(K), ptr<T>(V), ptr<T>(P), ptr<T>(Pd), d, T(scale), p, ptr<T>(dS), ptr<T>(dQ));
    attention_backward_keys<T><<<grid_of(d.B * d.H * d.Tk), kThreads, 0, stream()>>>(
        ptr<T>(dO), ptr<T>(Q), ptr<T>(Pd), ptr<T>(dS), d, ptr<T>(dK), ptr<T>(dV));
  });
  RECGRAD_CUDA_LAUNCHED("attention backward");
}

void hstu_forward(const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& rab, bool rab_batched,
                  const Tensor& inv_n, const Tensor& key_valid, const HstuAttentionDims& d, Tensor& Z, Tensor& A,
                  Tensor& O) {
  if (d.B * d.H * d.T == 0) return;
  float_types(Q.dtype(), "hstu_attention", [&](auto tag) {
    using T = decltype(tag);
    const std::size_t shared = static_cast<std::size_t>(d.T + d.dh) * sizeof(T);
    hstu_forward_kernel<T><<<grid_of(d.B * d.H * d.T), kThreads, shared, stream()>>>(
        ptr<T>(Q), ptr<T>(K), ptr<T>(V), ptr<T>(rab), rab_batched, ptr<T>(inv_n), opt<T>(key_valid), d, ptr<T>(Z),
        ptr<T>(A), ptr<T>(O));
  });
  RECGRAD_CUDA_LAUNCHED("hstu_attention");
}

void hstu_backward(const Tensor& dO, const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& Z,
                   const Tensor& A, const Tensor& inv_n, const Tensor& key_valid, const HstuAttentionDims& d,
                   Tensor& dQ, Tensor& dK, Tensor& dV, Tensor& dZ) {
  if (d.B * d.H * d.T == 0) return;
  float_types(Q.dtype(), "hstu_attention backward", [&](auto tag) {
    using T = decltype(tag);
    const std::size_t shared = static_cast<std::size_t>(d.T + d.v_width()) * sizeof(T);
    hstu_backward_rows<T><<<grid_of(d.B * d.H * d.T), kThreads, shared, stream()>>>(
        ptr<T>(dO), ptr<T>(K), ptr<T>(V), ptr<T>(Z), ptr<T>(inv_n), opt<T>(key_valid), d, ptr<T>(dZ), ptr<T>(dQ));
    hstu_backward_keys<T><<<grid_of(d.B * d.H * d.T), kThreads, 0, stream()>>>(ptr<T>(dO), ptr<T>(Q), ptr<T>(A),
                                                                               ptr<T>(dZ), d, ptr<T>(dK), ptr<T>(dV));
  });
  RECGRAD_CUDA_LAUNCHED("hstu_attention backward");
}

}  // namespace recgrad::kernels::gpu
