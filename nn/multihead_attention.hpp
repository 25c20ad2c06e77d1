// recgrad/nn/multihead_attention.hpp — multi-head softmax attention for encoder–decoder models (TIGER's
// T5-style Transformer): bidirectional self-attention, causal self-attention and cross-attention.
//
//   Q = x_q W_Qᵀ, K = x_kv W_Kᵀ, V = x_kv W_Vᵀ, H heads of d_kv each, side by side: (B, T, H·d_kv)
//   A_h = Dropout(softmax(Q_h K_hᵀ / √d_kv + M)) V_h,  M = −∞ at padded keys (and at j > i when causal), else 0
//   out = [A_1 … A_H] W_Oᵀ                      (no biases, as in T5)
// The attention itself is the fused op `attention` (autograd/ops.hpp), which reads the heads in place; its
// gradient is checked against the composition of matmul, softmax and dropout. A padding query's output is 0.
#pragma once
#include "nn/layers.hpp"

namespace recgrad::nn {

class MultiHeadAttention : public Module {
 public:
  MultiHeadAttention(std::int64_t d, std::int64_t heads, std::int64_t d_kv, double dropout, Generator& gen);
  // query_in: (B, Tq, d), kv_in: (B, Tk, d); query_valid: (B, Tq), key_valid: (B, Tk), 1 = real, 0 = padding, or
  // undefined (all real). causal: query i sees keys j ≤ i only (self-attention, Tq == Tk). Returns (B, Tq, d).
  Tensor forward(const Tensor& query_in, const Tensor& kv_in, const Tensor& query_valid, const Tensor& key_valid,
                 bool causal) const;
  // The two halves of forward, for incremental decoding (a KV cache):
  // kv_in: (B, Tk, d) -> {K, V}: (B, Tk, H·d_kv)
  std::pair<Tensor, Tensor> keys_values(const Tensor& kv_in) const;
  // query_in: (B, Tq, d), K, V: (B, Tk, H·d_kv) from keys_values -> (B, Tq, d)
  Tensor attend(const Tensor& query_in, const Tensor& K, const Tensor& V, const Tensor& query_valid,
                const Tensor& key_valid, bool causal) const;
  Linear W_Q, W_K, W_V, W_O;
  Dropout attn_dropout;
  std::int64_t heads, d_kv;
};

}  // namespace recgrad::nn
