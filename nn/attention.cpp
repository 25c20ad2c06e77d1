#include "nn/attention.hpp"

#include <cmath>
#include <stdexcept>

namespace recgrad::nn {

CausalSelfAttention::CausalSelfAttention(std::int64_t d, std::int64_t h, double p, Generator& gen)
    : W_Q(d, d, gen), W_K(d, d, gen), W_V(d, d, gen), W_O(d, d, gen), attn_dropout(p, gen), heads(h) {
  if (d % h != 0) throw std::invalid_argument("CausalSelfAttention: d = " + std::to_string(d) +
                                              " is not divisible by heads = " + std::to_string(h));
  register_module("W_Q", W_Q);
  register_module("W_K", W_K);
  register_module("W_V", W_V);
  register_module("W_O", W_O);
  register_module("attn_dropout", attn_dropout);
}

// x: (B, T, d) -> (B, H, T, d/H)
static Tensor split_heads(const Tensor& x, std::int64_t H) {
  const std::int64_t B = x.size(0), T = x.size(1), d = x.size(2);
  return permute(reshape(x, {B, T, H, d / H}), {0, 2, 1, 3});
}

Tensor CausalSelfAttention::forward(const Tensor& query_in, const Tensor& kv_in, const Tensor& key_valid) const {
  const std::int64_t B = query_in.size(0), T = query_in.size(1), d = query_in.size(2);
  const Tensor Q = split_heads(W_Q.forward(query_in), heads);  // (B, H, T, dh)
  const Tensor K = split_heads(W_K.forward(kv_in), heads);
  const Tensor V = split_heads(W_V.forward(kv_in), heads);
  // A = Dropout(softmax(Q Kᵀ / √dh + M)) V: (B, H, T, dh)
  const Tensor A = causal_attention(Q, K, V, key_valid, attn_dropout.p(), attn_dropout.training(),
                                    attn_dropout.generator(), &last_attention_);
  return W_O.forward(reshape(permute(A, {0, 2, 1, 3}), {B, T, d}));
}

}  // namespace recgrad::nn
