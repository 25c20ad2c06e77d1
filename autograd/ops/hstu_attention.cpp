// HSTU's pointwise attention as one op: the fused kernel (kernels/hstu_attention.cpp) on the fast path,
// the composition of primitive ops on the reference path; tests check one against the other.
#include "autograd/kernels/hstu_attention.hpp"
#include "autograd/kernels/kernel_path.hpp"
#include "autograd/ops/common.hpp"

namespace recgrad {

namespace {

void check_hstu_inputs(const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& rab, const Tensor& key_valid,
                       const Tensor& n) {
  if (Q.dim() != 4 || K.shape() != Q.shape() || V.dim() != 4 || V.size(0) != Q.size(0) || V.size(1) != Q.size(1) ||
      V.size(2) != Q.size(2))
    throw std::invalid_argument("hstu_attention: expected Q, K (B, H, T, d_qk) and V (B, H, T, d_v), got " +
                                shape_str(Q.shape()) + ", " + shape_str(K.shape()) + ", " + shape_str(V.shape()));
  const std::int64_t B = Q.size(0), T = Q.size(2);
  if (rab.shape() != Shape{B, 1, T, T} && rab.shape() != Shape{1, 1, T, T})
    throw std::invalid_argument("hstu_attention: rab must be (B, 1, T, T) or (1, 1, T, T) = " +
                                shape_str({B, 1, T, T}) + ", got " + shape_str(rab.shape()));
  if (key_valid.defined() && key_valid.shape() != Shape{B, T})
    throw std::invalid_argument("hstu_attention: key_valid must be (B, T) = " + shape_str({B, T}) + ", got " +
                                shape_str(key_valid.shape()));
  if (n.shape() != Shape{B})
    throw std::invalid_argument("hstu_attention: n must be (B) = " + shape_str({B}) + ", got " + shape_str(n.shape()));
  for (const Tensor* t : {&K, &V, &rab})
    if (t->dtype() != Q.dtype())
      throw std::invalid_argument("hstu_attention: dtypes differ: " + Q.str() + ", " + t->str());
}

// The composition: A = SiLU(Q Kᵀ + rab) ⊙ visible / n, O = A V (visible: j ≤ i, key j and query i real).
Tensor hstu_composed(const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& rab, const Tensor& key_valid,
                     const Tensor& n, Tensor* weights) {
  const std::int64_t B = Q.size(0), T = Q.size(2);
  std::vector<double> visible(static_cast<std::size_t>(B * T * T), 0.0);
  const auto valid = key_valid.defined() ? key_valid.to_vector<double>() : std::vector<double>(B * T, 1.0);
  const auto nv = n.to_vector<double>();
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t i = 0; i < T; ++i)
      for (std::int64_t j = 0; j <= i; ++j)
        if (valid[b * T + j] != 0 && valid[b * T + i] != 0) visible[(b * T + i) * T + j] = 1.0 / nv[b];
  const Tensor A =
      silu(matmul(Q, transpose(K, -1, -2)) + rab) * Tensor::from_vector(visible, {B, 1, T, T}).to(Q.dtype());
  if (weights) *weights = A.detach();
  return matmul(A, V);
}

}  // namespace

// Q, K: (B, H, T, d_qk), V: (B, H, T, d_v), rab: (B or 1, 1, T, T), key_valid: (B, T) or undefined, n: (B) -> (B, H, T,
// d_v)
//   Z = Q Kᵀ + rab,  A = SiLU(Z) / n on j ≤ i with key j and query i real (0 elsewhere),  O = A V
// ∂L/∂V = Aᵀ G,  ∂L/∂Z = (G Vᵀ) ⊙ SiLU'(Z) / n (masked),  ∂L/∂Q = ∂L/∂Z K,  ∂L/∂K = ∂L/∂Zᵀ Q,
// ∂L/∂rab = ∂L/∂Z summed over heads (and over the batch when rab is shared)
Tensor hstu_attention(const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& rab, const Tensor& key_valid,
                      const Tensor& n, Tensor* weights) {
  check_hstu_inputs(Q, K, V, rab, key_valid, n);
  if (!kernels::use_fast() && !Q.is_cuda()) return hstu_composed(Q, K, V, rab, key_valid, n, weights);  // CPU reference
  const std::int64_t B = Q.size(0), H = Q.size(1), T = Q.size(2), dh = Q.size(3);
  const Tensor q = Q.contiguous(), k = K.contiguous(), v = V.contiguous(), r = rab.contiguous();
  const Tensor valid = key_valid.defined() ? key_valid.detach().to(Q.device()).to(Q.dtype()).contiguous() : Tensor();
  const Tensor inv_n = (1.0 / n.detach().to(Q.device()).to(Q.dtype())).contiguous();
  const Device dev = Q.device();
  Tensor Z = Tensor::empty({B, H, T, T}, Q.dtype(), dev), A = Tensor::empty({B, H, T, T}, Q.dtype(), dev);
  Tensor O = Tensor::empty(V.shape(), Q.dtype(), dev);
  const kernels::HstuAttentionDims dims{B, H, T, dh, V.size(3)};
  const bool batched = rab.size(0) == B && B > 1;
  kernels::hstu_attention_forward(q, k, v, r, batched, inv_n, valid, dims, Z, A, O);
  if (weights) *weights = A;
  return record("hstu_attention", O, {q, k, v, r}, [q, k, v, r, Z, A, inv_n, valid, dims](const Tensor& g) {
    const Tensor gc = g.contiguous();
    const Device dev = q.device();
    Tensor dQ = Tensor::empty(q.shape(), q.dtype(), dev), dK = Tensor::empty(q.shape(), q.dtype(), dev),
           dV = Tensor::empty(v.shape(), q.dtype(), dev), dZ = Tensor::empty(Z.shape(), q.dtype(), dev);
    kernels::hstu_attention_backward(gc, q, k, v, Z, A, inv_n, valid, dims, dQ, dK, dV, dZ);
    return Grads{dQ, dK, dV, sum_to(dZ, r.shape())};
  });
}

}  // namespace recgrad
