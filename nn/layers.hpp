// recgrad/nn/layers.hpp — Embedding, LayerNorm, Dropout and the point-wise feed-forward block.
#pragma once
#include "nn/linear.hpp"

namespace recgrad::nn {

// weight: (num, dim); ids (...) -> (..., dim). The padding row gets no gradient.
class Embedding : public Module {
 public:
  Embedding(std::int64_t num, std::int64_t dim, Generator& gen, std::int64_t padding_idx = -1);
  Tensor forward(const Tensor& ids) const;
  Tensor weight;
  std::int64_t padding_idx;
};

// y = (x - μ) / √(var + eps) ⊙ γ + β over the last axis (γ, β only when affine).
class LayerNorm : public Module {
 public:
  explicit LayerNorm(std::int64_t dim, double eps = 1e-5, bool affine = true);
  Tensor forward(const Tensor& x) const;  // x: (..., dim)
  Tensor gamma, beta;
  double eps;
};

// Inverted dropout in training mode, identity in eval mode; draws from the generator it was given.
class Dropout : public Module {
 public:
  Dropout(double p, Generator& gen) : p_(p), gen_(&gen) {}
  Tensor forward(const Tensor& x) const { return dropout(x, p_, training(), *gen_); }
  double p() const { return p_; }
  Generator& generator() const { return *gen_; }

 private:
  double p_;
  Generator* gen_;
};

// FFN(x) = W₂ Dropout(ReLU(W₁ x + b₁)) + b₂   (x: (..., d) -> (..., d))
class FeedForward : public Module {
 public:
  FeedForward(std::int64_t d, std::int64_t d_hidden, double dropout, Generator& gen);
  Tensor forward(const Tensor& x) const;
  Linear fc1, fc2;
  Dropout drop;
};

}  // namespace recgrad::nn
