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

Tensor causal_mask(std::int64_t T, DType dtype) {
  std::vector<double> m(static_cast<std::size_t>(T * T), 0.0);
  for (std::int64_t i = 0; i < T; ++i)
    for (std::int64_t j = i + 1; j < T; ++j) m[i * T + j] = -1e9;
  return Tensor::from_vector(m, {T, T}).to(dtype);
}

// x: (B, T, d) -> (B, H, T, d/H)
static Tensor split_heads(const Tensor& x, std::int64_t H) {
  const std::int64_t B = x.size(0), T = x.size(1), d = x.size(2);
  return permute(reshape(x, {B, T, H, d / H}), {0, 2, 1, 3});
}

Tensor attention_mask(const Tensor& key_valid, DType dtype) {
  const std::int64_t B = key_valid.size(0), T = key_valid.size(1);
  const auto valid = key_valid.to_vector<double>();
  std::vector<double> m(static_cast<std::size_t>(B * T * T), 0.0);
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t i = 0; i < T; ++i)
      for (std::int64_t j = 0; j < T; ++j)
        if (j > i || valid[b * T + j] == 0) m[(b * T + i) * T + j] = -1e9;
  return Tensor::from_vector(m, {B, 1, T, T}).to(dtype);
}

Tensor CausalSelfAttention::forward(const Tensor& query_in, const Tensor& kv_in, const Tensor& key_valid) const {
  const std::int64_t T = query_in.size(1);
  return forward_masked(query_in, kv_in,
                        key_valid.defined() ? attention_mask(key_valid, query_in.dtype()) : causal_mask(T, query_in.dtype()));
}

Tensor CausalSelfAttention::forward_masked(const Tensor& query_in, const Tensor& kv_in, const Tensor& M) const {
  const std::int64_t B = query_in.size(0), T = query_in.size(1), d = query_in.size(2), dh = d / heads;
  const Tensor Q = split_heads(W_Q.forward(query_in), heads);  // (B, H, T, dh)
  const Tensor K = split_heads(W_K.forward(kv_in), heads);
  const Tensor V = split_heads(W_V.forward(kv_in), heads);
  // S = Q Kᵀ / √dh + M: (B, H, T, T)
  Tensor S = matmul(Q, transpose(K, -1, -2)) * (1.0 / std::sqrt(static_cast<double>(dh)));
  S = S + M;
  const Tensor P = softmax(S, -1);
  last_attention_ = P.detach();
  const Tensor A = matmul(attn_dropout.forward(P), V);  // (B, H, T, dh)
  return W_O.forward(reshape(permute(A, {0, 2, 1, 3}), {B, T, d}));
}

}  // namespace recgrad::nn
