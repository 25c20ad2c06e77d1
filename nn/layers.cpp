#include "nn/layers.hpp"

#include "nn/init.hpp"

namespace recgrad::nn {

Embedding::Embedding(std::int64_t num, std::int64_t dim, Generator& gen, std::int64_t pad) : padding_idx(pad) {
  weight = Tensor::empty({num, dim});
  init::normal_(weight, 0.0, 1.0, gen);
  if (pad >= 0) slice(weight, 0, pad, pad + 1).fill_(0.0);
  register_parameter("weight", weight);
}

Tensor Embedding::forward(const Tensor& ids) const { return embedding(weight, ids, padding_idx); }

LayerNorm::LayerNorm(std::int64_t dim, double eps_, bool affine) : eps(eps_) {
  if (!affine) return;
  gamma = Tensor::ones({dim});
  beta = Tensor::zeros({dim});
  register_parameter("gamma", gamma);
  register_parameter("beta", beta);
}

Tensor LayerNorm::forward(const Tensor& x) const { return layer_norm(x, gamma, beta, eps); }

FeedForward::FeedForward(std::int64_t d, std::int64_t d_hidden, double p, Generator& gen)
    : fc1(d, d_hidden, gen), fc2(d_hidden, d, gen), drop(p, gen) {
  register_module("fc1", fc1);
  register_module("fc2", fc2);
  register_module("dropout", drop);
}

// FFN(x) = W₂ Dropout(ReLU(W₁ x + b₁)) + b₂
Tensor FeedForward::forward(const Tensor& x) const { return fc2.forward(drop.forward(relu(fc1.forward(x)))); }

}  // namespace recgrad::nn
