// Softmax attention as one op: the fused kernel (kernels/attention.cpp) on the fast path, the composition
// of primitive ops on the reference path; tests check one against the other. Two entry points share it:
// causal_attention (SASRec: Q, K, V already split into heads) and attention (TIGER: the projections'
// (B, T, H·d) outputs, bidirectional, causal or cross-attention).
#include <cmath>

#include "autograd/generator.hpp"
#include "autograd/kernels/attention.hpp"
#include "autograd/kernels/kernel_path.hpp"
#include "autograd/ops/common.hpp"

namespace recgrad {

// Subtracted from the score of a key a query may not see: exp(s − 1e30 − max) is exactly 0 in float32 and float64.
constexpr double kHidden = 1e30;

namespace {

// A (B, T) mask as doubles: its values, or all 1 when undefined.
std::vector<double> mask_values(const Tensor& valid, std::int64_t B, std::int64_t T) {
  return valid.defined() ? valid.to_vector<double>() : std::vector<double>(static_cast<std::size_t>(B * T), 1.0);
}

// The composition on (B, H, Tq, d) heads: S = Q Kᵀ · scale + mask (−1e30 where key j is hidden from query i),
// P = softmax(S) with the rows of padding queries (and rows that see no key) set to 0, O = dropout(P) V.
Tensor attention_composed(const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& query_valid,
                          const Tensor& key_valid, bool causal, double p, bool training, Generator& gen,
                          Tensor* weights) {
  const std::int64_t B = Q.size(0), Tq = Q.size(2), Tk = K.size(2);
  const auto kv = mask_values(key_valid, B, Tk);
  const auto qv = causal ? kv : mask_values(query_valid, B, Tq);
  std::vector<double> visible(static_cast<std::size_t>(B * Tq * Tk), 0.0), alive(static_cast<std::size_t>(B * Tq), 0.0);
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t i = 0; i < Tq; ++i)
      for (std::int64_t j = 0; j < (causal ? i + 1 : Tk); ++j)
        if (kv[b * Tk + j] != 0 && qv[b * Tq + i] != 0) visible[(b * Tq + i) * Tk + j] = 1, alive[b * Tq + i] = 1;
  const Tensor vis = Tensor::from_vector(visible, {B, 1, Tq, Tk}).to(Q.dtype());
  const Tensor S = matmul(Q, transpose(K, -1, -2)) * (1.0 / std::sqrt(static_cast<double>(Q.size(3))));
  const Tensor P = softmax(S + (vis - 1.0) * kHidden, -1) * Tensor::from_vector(alive, {B, 1, Tq, 1}).to(Q.dtype());
  if (weights) *weights = P.detach();
  return matmul(dropout(P, p, training, gen), V);
}

void check_mask(const char* op, const char* name, const Tensor& valid, std::int64_t B, std::int64_t T) {
  if (valid.defined() && valid.shape() != Shape{B, T})
    throw std::invalid_argument(std::string(op) + ": " + name + " must be (B, T) = " + shape_str({B, T}) + ", got " +
                                shape_str(valid.shape()));
}

// What the fused kernel needs besides the operands.
struct FusedAttention {
  kernels::AttentionDims dims;
  Tensor query_valid, key_valid;  // contiguous, in the operands' dtype (or undefined)
  double scale, rate;
};

// Runs the kernel on contiguous q, k, v and records its backward. -> O in the layout dims.o, shape `out_shape`
Tensor fused_attention(const char* name, const Tensor& q, const Tensor& k, const Tensor& v, const FusedAttention& f,
                       const Shape& out_shape, Generator& gen, Tensor* weights) {
  const kernels::AttentionDims& d = f.dims;
  const Shape p_shape{d.B, d.H, d.Tq, d.Tk};
  Tensor P = Tensor::empty(p_shape, q.dtype(), q.device());
  Tensor Pd = f.rate > 0 ? Tensor::empty(p_shape, q.dtype(), q.device()) : P;
  Tensor O = Tensor::empty(out_shape, q.dtype(), q.device());
  kernels::AttentionDropout drop;
  if (f.rate > 0) drop = {f.rate, splitmix64(gen.seed()), gen.advance_rows(static_cast<std::uint64_t>(P.numel()))};
  kernels::attention_forward(q, k, v, f.query_valid, f.key_valid, d, f.scale, drop, P, Pd, O);
  if (weights) *weights = P;
  return record(name, O, {q, k, v}, [q, k, v, f, P, Pd](const Tensor& g) {
    const Tensor gc = g.contiguous();
    Tensor dQ = Tensor::empty(q.shape(), q.dtype(), q.device()), dK = Tensor::empty(k.shape(), k.dtype(), q.device()),
           dV = Tensor::empty(v.shape(), v.dtype(), q.device());
    kernels::attention_backward(gc, q, k, v, P, Pd, f.query_valid, f.key_valid, f.dims, f.scale, f.rate, dQ, dK, dV);
    return Grads{dQ, dK, dV};
  });
}

// The mask on the operands' device, dtype and dense (a mask built on the host may join a GPU op).
Tensor contiguous_mask(const Tensor& valid, const Tensor& like) {
  return valid.defined() ? valid.detach().to(like.device()).to(like.dtype()).contiguous() : Tensor();
}

}  // namespace

// Q, K, V: (B, H, T, dh), key_valid: (B, T) 1 for real items or undefined -> (B, H, T, dh); a padding
// position's output is 0 (its query sees nothing), so only the live window of each sequence costs work.
//   A = Dropout(softmax(Q Kᵀ / √dh + causal and key mask)) V
// ∂L/∂V = Pdᵀ G,  ∂L/∂Pd = G Vᵀ,  ∂L/∂S = P ⊙ (∂L/∂P − Σ_j ∂L/∂P ⊙ P),  ∂L/∂Q = ∂L/∂S K / √dh,  ∂L/∂K = ∂L/∂Sᵀ Q / √dh
Tensor causal_attention(const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& key_valid, double p,
                        bool training, Generator& gen, Tensor* weights) {
  if (Q.dim() != 4 || K.shape() != Q.shape() || V.shape() != Q.shape())
    throw std::invalid_argument("causal_attention: expected Q, K, V of one shape (B, H, T, dh), got " +
                                shape_str(Q.shape()) + ", " + shape_str(K.shape()) + ", " + shape_str(V.shape()));
  if (K.dtype() != Q.dtype() || V.dtype() != Q.dtype())
    throw std::invalid_argument("causal_attention: dtypes differ: " + Q.str() + ", " + K.str() + ", " + V.str());
  check_mask("causal_attention", "key_valid", key_valid, Q.size(0), Q.size(2));
  if (p < 0.0 || p >= 1.0)
    throw std::invalid_argument("causal_attention: dropout p must be in [0, 1), got " + std::to_string(p));
  if (!kernels::use_fast() && !Q.is_cuda())  // the composition is the CPU's reference path
    return attention_composed(Q, K, V, Tensor(), key_valid, true, p, training, gen, weights);
  const std::int64_t B = Q.size(0), H = Q.size(1), T = Q.size(2), dh = Q.size(3);
  const auto layout = kernels::HeadLayout::heads_first(H, T, dh);
  const FusedAttention f{{B, H, T, T, dh, dh, true, layout, layout, layout, layout},
                         Tensor(),
                         contiguous_mask(key_valid, Q),
                         1.0 / std::sqrt(static_cast<double>(dh)),
                         training ? p : 0.0};
  return fused_attention("causal_attention", Q.contiguous(), K.contiguous(), V.contiguous(), f, Q.shape(), gen,
                         weights);
}

// Q: (B, Tq, H·dk), K: (B, Tk, H·dk), V: (B, Tk, H·dv); query_valid: (B, Tq), key_valid: (B, Tk) or undefined
// -> (B, Tq, H·dv), heads side by side. The same rule as causal_attention per head; a padding query's output is 0.
Tensor attention(const Tensor& Q, const Tensor& K, const Tensor& V, std::int64_t heads, const Tensor& query_valid,
                 const Tensor& key_valid, bool causal, double p, bool training, Generator& gen, Tensor* weights) {
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument("attention: " + why + " (Q " + shape_str(Q.shape()) + ", K " + shape_str(K.shape()) +
                                 ", V " + shape_str(V.shape()) + ", " + std::to_string(heads) + " heads)");
  };
  if (Q.dim() != 3 || K.dim() != 3 || V.dim() != 3) throw bad("expected (B, T, H·d) operands");
  const std::int64_t B = Q.size(0), Tq = Q.size(1), Tk = K.size(1);
  if (heads < 1 || Q.size(2) % heads != 0 || V.size(2) % heads != 0) throw bad("widths not divisible by the heads");
  if (K.size(0) != B || V.size(0) != B || V.size(1) != Tk || K.size(2) != Q.size(2)) throw bad("shapes do not match");
  if (causal && Tq != Tk) throw bad("causal attention needs Tq == Tk");
  if (K.dtype() != Q.dtype() || V.dtype() != Q.dtype()) throw bad("dtypes differ");
  check_mask("attention", "query_valid", query_valid, B, Tq);
  check_mask("attention", "key_valid", key_valid, B, Tk);
  if (p < 0.0 || p >= 1.0) throw bad("dropout p must be in [0, 1), got " + std::to_string(p));
  const std::int64_t dk = Q.size(2) / heads, dv = V.size(2) / heads;
  if (!kernels::use_fast() && !Q.is_cuda()) {                  // the composition is the CPU's reference path
    const auto split = [&](const Tensor& x, std::int64_t d) {  // (B, T, H·d) -> (B, H, T, d)
      return transpose(reshape(x, {B, x.size(1), heads, d}), 1, 2);
    };
    const Tensor O =
        attention_composed(split(Q, dk), split(K, dk), split(V, dv), query_valid, key_valid, causal, p, training, gen,
                           weights);                          // (B, H, Tq, dv)
    return reshape(transpose(O, 1, 2), {B, Tq, heads * dv});  // heads side by side
  }
  using kernels::HeadLayout;
  const FusedAttention f{{B, heads, Tq, Tk, dk, dv, causal, HeadLayout::heads_inside(heads, Tq, dk),
                          HeadLayout::heads_inside(heads, Tk, dk), HeadLayout::heads_inside(heads, Tk, dv),
                          HeadLayout::heads_inside(heads, Tq, dv)},
                         causal ? Tensor() : contiguous_mask(query_valid, Q),
                         contiguous_mask(key_valid, Q),
                         1.0 / std::sqrt(static_cast<double>(dk)),
                         training ? p : 0.0};
  return fused_attention("attention", Q.contiguous(), K.contiguous(), V.contiguous(), f, {B, Tq, heads * dv}, gen,
                         weights);
}

}  // namespace recgrad
