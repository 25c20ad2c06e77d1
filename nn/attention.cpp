#include "nn/attention.hpp"

#include <cmath>
#include <stdexcept>

#include "nn/heads.hpp"

namespace recgrad::nn {

CausalSelfAttention::CausalSelfAttention(std::int64_t d, std::int64_t h, double p, Generator& gen)
    : W_Q(d, d, gen), W_K(d, d, gen), W_V(d, d, gen), W_O(d, d, gen), attn_dropout(p, gen), heads(h) {
  if (d % h != 0)
    throw std::invalid_argument("CausalSelfAttention: d = " + std::to_string(d) +
                                " is not divisible by heads = " + std::to_string(h));
  register_module("W_Q", W_Q);
  register_module("W_K", W_K);
  register_module("W_V", W_V);
  register_module("W_O", W_O);
  register_module("attn_dropout", attn_dropout);
}

Tensor CausalSelfAttention::forward(const Tensor& query_in, const Tensor& kv_in, const Tensor& key_valid) const {
  const Tensor Q = split_heads(W_Q.forward(query_in), heads);  // (B, H, T, dh)
  const Tensor K = split_heads(W_K.forward(kv_in), heads);
  const Tensor V = split_heads(W_V.forward(kv_in), heads);
  // A = Dropout(softmax(Q Kᵀ / √dh + M)) V: (B, H, T, dh)
  const Tensor A = causal_attention(Q, K, V, key_valid, attn_dropout.p(), attn_dropout.training(),
                                    attn_dropout.generator(), &last_attention_);
  return W_O.forward(merge_heads(A));  // (B, T, d)
}

}  // namespace recgrad::nn
