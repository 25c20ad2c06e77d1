#include "nn/multihead_attention.hpp"

#include <stdexcept>

namespace recgrad::nn {

MultiHeadAttention::MultiHeadAttention(std::int64_t d, std::int64_t h, std::int64_t dkv, double p, Generator& gen)
    : W_Q(d, h * dkv, gen, false),
      W_K(d, h * dkv, gen, false),
      W_V(d, h * dkv, gen, false),
      W_O(h * dkv, d, gen, false),
      attn_dropout(p, gen),
      heads(h),
      d_kv(dkv) {
  register_module("W_Q", W_Q);
  register_module("W_K", W_K);
  register_module("W_V", W_V);
  register_module("W_O", W_O);
  register_module("attn_dropout", attn_dropout);
}

Tensor MultiHeadAttention::forward(const Tensor& query_in, const Tensor& kv_in, const Tensor& query_valid,
                                   const Tensor& key_valid, bool causal) const {
  if (causal && query_in.size(1) != kv_in.size(1))
    throw std::invalid_argument("MultiHeadAttention: causal attention needs Tq == Tk, got " + query_in.str() + " and " +
                                kv_in.str());
  const auto [K, V] = keys_values(kv_in);
  return attend(query_in, K, V, query_valid, key_valid, causal);
}

std::pair<Tensor, Tensor> MultiHeadAttention::keys_values(const Tensor& kv_in) const {
  return {W_K.forward(kv_in), W_V.forward(kv_in)};  // (B, Tk, H·d_kv) each
}

Tensor MultiHeadAttention::attend(const Tensor& query_in, const Tensor& K, const Tensor& V, const Tensor& query_valid,
                                  const Tensor& key_valid, bool causal) const {
  const Tensor Q = W_Q.forward(query_in);  // (B, Tq, H·d_kv)
  // A_h = Dropout(softmax(Q_h K_hᵀ / √d_kv + M)) V_h, heads side by side: (B, Tq, H·d_kv)
  const Tensor A = attention(Q, K, V, heads, query_valid, key_valid, causal, attn_dropout.p(), attn_dropout.training(),
                             attn_dropout.generator());
  return W_O.forward(A);  // (B, Tq, d)
}

}  // namespace recgrad::nn
