// recgrad/nn/multihead_attention.hpp — multi-head softmax attention for encoder–decoder models (TIGER's
// T5-style Transformer): bidirectional self-attention, causal self-attention and cross-attention.
//
//   Q = x_q W_Qᵀ, K = x_kv W_Kᵀ, V = x_kv W_Vᵀ, split into H heads of d_kv each
//   A = Dropout(softmax(Q Kᵀ / √d_kv + M)) V,  M = −1e9 at padded keys (and at j > i when causal), else 0
//   out = concat_heads(A) W_Oᵀ                  (no biases, as in T5)
// Composed from differentiable primitives (matmul, softmax, dropout), so its gradient follows from theirs.
#pragma once
#include "nn/layers.hpp"

namespace recgrad::nn {

class MultiHeadAttention : public Module {
 public:
  MultiHeadAttention(std::int64_t d, std::int64_t heads, std::int64_t d_kv, double dropout, Generator& gen);
  // query_in: (B, Tq, d), kv_in: (B, Tk, d); key_valid: (B, Tk) 1 = real, 0 = padding, or undefined (all real).
  // causal: query i sees keys j ≤ i only (self-attention, Tq == Tk). Returns (B, Tq, d).
  Tensor forward(const Tensor& query_in, const Tensor& kv_in, const Tensor& key_valid, bool causal) const;
  // The two halves of forward, for incremental decoding (a KV cache):
  // kv_in: (B, Tk, d) -> {K, V}: (B, H, Tk, d_kv)
  std::pair<Tensor, Tensor> keys_values(const Tensor& kv_in) const;
  // query_in: (B, Tq, d), K, V: (B, H, Tk, d_kv) from keys_values -> (B, Tq, d)
  Tensor attend(const Tensor& query_in, const Tensor& K, const Tensor& V, const Tensor& key_valid, bool causal) const;
  Linear W_Q, W_K, W_V, W_O;
  Dropout attn_dropout;
  std::int64_t heads, d_kv;
};

// The additive mask M of the attention above: (B or 1, 1, Tq or 1, Tk), 0 where a key may be seen and −1e9
// where not. key_valid: (B, Tk) or undefined.
Tensor attention_mask(const Tensor& key_valid, std::int64_t Tq, std::int64_t Tk, bool causal, DType dtype);

}  // namespace recgrad::nn
