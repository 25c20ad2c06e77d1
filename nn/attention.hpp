// recgrad/nn/attention.hpp — causal multi-head self-attention with softmax (SASRec's block).
//
//   Q = x W_Qᵀ, K = x W_Kᵀ, V = x W_Vᵀ, split into H heads of d/H
//   A = Dropout(softmax(Q Kᵀ / √(d/H) + M)) V,  M[i, j] = 0 for j ≤ i and key j valid, else −∞
//   out = concat_heads(A) W_Oᵀ + b_O
// The attention itself is the fused op causal_attention (autograd/ops.hpp); a query that sees no key
// (a padding position before the first item) gets zero weights.
#pragma once
#include "nn/layers.hpp"

namespace recgrad::nn {

class CausalSelfAttention : public Module {
 public:
  CausalSelfAttention(std::int64_t d, std::int64_t heads, double dropout, Generator& gen);
  // query_in, kv_in: (B, T, d); key_valid: (B, T) 0/1 mask of real (non-padding) positions, or
  // undefined (all valid). Returns (B, T, d). SASRec passes LayerNorm(x) as query_in and x as kv_in.
  Tensor forward(const Tensor& query_in, const Tensor& kv_in, const Tensor& key_valid = Tensor()) const;
  // The attention probabilities of the last forward call, (B, H, T, T) (for plots).
  const Tensor& last_attention() const { return last_attention_; }

  Linear W_Q, W_K, W_V, W_O;
  Dropout attn_dropout;
  std::int64_t heads;

 private:
  mutable Tensor last_attention_;
};

}  // namespace recgrad::nn
