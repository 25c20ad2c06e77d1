// Causal softmax attention as one op: the fused kernel (kernels/attention.cpp) on the fast path, the
// composition of primitive ops on the reference path; tests check one against the other.
#include <cmath>

#include "autograd/generator.hpp"
#include "autograd/kernels/attention.hpp"
#include "autograd/kernels/kernel_path.hpp"
#include "autograd/ops/common.hpp"

namespace recgrad {

// Subtracted from the score of a key a query may not see: exp(s − 1e30 − max) is exactly 0 in float32 and float64.
constexpr double kHidden = 1e30;

namespace {

void check_attention_inputs(const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& key_valid) {
  if (Q.dim() != 4 || K.shape() != Q.shape() || V.shape() != Q.shape())
    throw std::invalid_argument("causal_attention: expected Q, K, V of one shape (B, H, T, dh), got " +
                                shape_str(Q.shape()) + ", " + shape_str(K.shape()) + ", " + shape_str(V.shape()));
  if (K.dtype() != Q.dtype() || V.dtype() != Q.dtype())
    throw std::invalid_argument("causal_attention: dtypes differ: " + Q.str() + ", " + K.str() + ", " + V.str());
  if (key_valid.defined() && key_valid.shape() != Shape{Q.size(0), Q.size(2)})
    throw std::invalid_argument("causal_attention: key_valid must be (B, T) = " + shape_str({Q.size(0), Q.size(2)}) +
                                ", got " + shape_str(key_valid.shape()));
}

// The composition: S = Q Kᵀ · scale + mask (−∞ where j > i or key j is padding), P = softmax(S) with
// the rows of padding queries (and rows that see no key) set to 0, A = dropout(P) V.
Tensor attention_composed(const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& key_valid, double p,
                          bool training, Generator& gen, Tensor* weights) {
  const std::int64_t B = Q.size(0), T = Q.size(2);
  std::vector<double> visible(static_cast<std::size_t>(B * T * T), 0.0), alive(static_cast<std::size_t>(B * T), 0.0);
  const auto valid = key_valid.defined() ? key_valid.to_vector<double>() : std::vector<double>(B * T, 1.0);
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t i = 0; i < T; ++i)
      for (std::int64_t j = 0; j <= i; ++j)
        if (valid[b * T + j] != 0 && valid[b * T + i] != 0) visible[(b * T + i) * T + j] = 1, alive[b * T + i] = 1;
  const Tensor vis = Tensor::from_vector(visible, {B, 1, T, T}).to(Q.dtype());
  const Tensor S = matmul(Q, transpose(K, -1, -2)) * (1.0 / std::sqrt(static_cast<double>(Q.size(3))));
  const Tensor P = softmax(S + (vis - 1.0) * kHidden, -1) *
                   reshape(Tensor::from_vector(alive, {B, 1, T, 1}).to(Q.dtype()), {B, 1, T, 1});
  if (weights) *weights = P.detach();
  return matmul(dropout(P, p, training, gen), V);
}

}  // namespace

// Q, K, V: (B, H, T, dh), key_valid: (B, T) 1 for real items or undefined -> (B, H, T, dh); a padding
// position's output is 0 (its query sees nothing), so only the live window of each sequence costs work.
//   A = Dropout(softmax(Q Kᵀ / √dh + causal and key mask)) V
// ∂L/∂V = Pdᵀ G,  ∂L/∂Pd = G Vᵀ,  ∂L/∂S = P ⊙ (∂L/∂P − Σ_j ∂L/∂P ⊙ P),  ∂L/∂Q = ∂L/∂S K / √dh,  ∂L/∂K = ∂L/∂Sᵀ Q / √dh
Tensor causal_attention(const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& key_valid, double p,
                        bool training, Generator& gen, Tensor* weights) {
  check_attention_inputs(Q, K, V, key_valid);
  if (p < 0.0 || p >= 1.0)
    throw std::invalid_argument("causal_attention: dropout p must be in [0, 1), got " + std::to_string(p));
  if (!kernels::use_fast()) return attention_composed(Q, K, V, key_valid, p, training, gen, weights);
  const std::int64_t B = Q.size(0), H = Q.size(1), T = Q.size(2), dh = Q.size(3);
  const double rate = training ? p : 0.0;
  const Tensor q = Q.contiguous(), k = K.contiguous(), v = V.contiguous();
  const Tensor valid = key_valid.defined() ? key_valid.to(Q.dtype()).contiguous() : Tensor();
  Tensor P = Tensor::empty({B, H, T, T}, Q.dtype());
  Tensor Pd = rate > 0 ? Tensor::empty({B, H, T, T}, Q.dtype()) : P;
  Tensor O = Tensor::empty(Q.shape(), Q.dtype());
  kernels::AttentionDropout drop;
  if (rate > 0) drop = {rate, splitmix64(gen.seed()), gen.advance(static_cast<std::uint64_t>(B * H * T * T))};
  const kernels::AttentionDims dims{B, H, T, dh};
  const double scale = 1.0 / std::sqrt(static_cast<double>(dh));
  dispatch_float(Q.dtype(), "causal_attention", [&](auto tag) {
    using F = decltype(tag);
    kernels::causal_attention_forward<F>(q.data<F>(), k.data<F>(), v.data<F>(),
                                         valid.defined() ? valid.data<F>() : nullptr, dims, F(scale), drop, P.data<F>(),
                                         Pd.data<F>(), O.data<F>());
  });
  if (weights) *weights = P;
  return record("causal_attention", O, {q, k, v}, [q, k, v, valid, P, Pd, dims, scale, rate](const Tensor& g) {
    const Tensor gc = g.contiguous();
    Tensor dQ = Tensor::empty(q.shape(), q.dtype()), dK = Tensor::empty(q.shape(), q.dtype()),
           dV = Tensor::empty(q.shape(), q.dtype());
    dispatch_float(q.dtype(), "causal_attention backward", [&](auto tag) {
      using F = decltype(tag);
      kernels::causal_attention_backward<F>(gc.data<F>(), q.data<F>(), k.data<F>(), v.data<F>(), P.data<F>(),
                                            Pd.data<F>(), valid.defined() ? valid.data<F>() : nullptr, dims, F(scale),
                                            rate, dQ.data<F>(), dK.data<F>(), dV.data<F>());
    });
    return Grads{dQ, dK, dV};
  });
}

}  // namespace recgrad
