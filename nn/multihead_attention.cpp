#include "nn/multihead_attention.hpp"

#include <cmath>
#include <stdexcept>

#include "nn/heads.hpp"

namespace recgrad::nn {

// Added to the score of a padded or future key: softmax gives it exactly 0 weight (as T5's large negative bias).
constexpr double kMaskedScore = -1e9;

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

Tensor attention_mask(const Tensor& key_valid, std::int64_t Tq, std::int64_t Tk, bool causal, DType dtype) {
  const std::int64_t B = key_valid.defined() ? key_valid.size(0) : 1;
  if (key_valid.defined() && (key_valid.dim() != 2 || key_valid.size(1) != Tk))
    throw std::invalid_argument("attention_mask: key_valid " + key_valid.str() + " does not match " +
                                std::to_string(Tk) + " keys");
  const std::int64_t rows = causal ? Tq : 1;
  std::vector<double> m(static_cast<std::size_t>(B * rows * Tk), 0.0);
  const std::vector<double> valid = key_valid.defined() ? key_valid.to_vector<double>() : std::vector<double>();
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t i = 0; i < rows; ++i)
      for (std::int64_t j = 0; j < Tk; ++j) {
        const bool padded = key_valid.defined() && valid[static_cast<std::size_t>(b * Tk + j)] == 0;
        const bool future = causal && j > i;
        if (padded || future) m[static_cast<std::size_t>((b * rows + i) * Tk + j)] = kMaskedScore;
      }
  return Tensor::from_vector(m, {B, 1, rows, Tk}).to(dtype);
}

Tensor MultiHeadAttention::forward(const Tensor& query_in, const Tensor& kv_in, const Tensor& key_valid,
                                   bool causal) const {
  if (causal && query_in.size(1) != kv_in.size(1))
    throw std::invalid_argument("MultiHeadAttention: causal attention needs Tq == Tk, got " + query_in.str() + " and " +
                                kv_in.str());
  const auto [K, V] = keys_values(kv_in);
  return attend(query_in, K, V, key_valid, causal);
}

std::pair<Tensor, Tensor> MultiHeadAttention::keys_values(const Tensor& kv_in) const {
  return {split_heads(W_K.forward(kv_in), heads), split_heads(W_V.forward(kv_in), heads)};  // (B, H, Tk, d_kv) each
}

Tensor MultiHeadAttention::attend(const Tensor& query_in, const Tensor& K, const Tensor& V, const Tensor& key_valid,
                                  bool causal) const {
  const std::int64_t Tq = query_in.size(1), Tk = K.size(2);
  const Tensor Q = split_heads(W_Q.forward(query_in), heads);  // (B, H, Tq, d_kv)
  // S = Q Kᵀ / √d_kv + M: (B, H, Tq, Tk)
  const Tensor S = matmul(Q, transpose(K, 2, 3)) * (1.0 / std::sqrt(static_cast<double>(d_kv))) +
                   attention_mask(key_valid, Tq, Tk, causal, query_in.dtype());
  const Tensor A = matmul(attn_dropout.forward(softmax(S, -1)), V);  // (B, H, Tq, d_kv)
  return W_O.forward(merge_heads(A));                                // (B, Tq, d)
}

}  // namespace recgrad::nn
