// recgrad/autograd/kernels/layer_norm.hpp — LayerNorm over the last axis of dense (R, D) data.
#pragma once
#include "autograd/tensor.hpp"

namespace recgrad::kernels {

struct LayerNormForward {
  Tensor y;     // (R, D)
  Tensor xhat;  // (R, D)  (x - μ) / σ, saved for the backward
  Tensor rstd;  // (R)     1 / sqrt(var + eps)
};

// μ = mean(x), var = mean((x - μ)²) (biased), x̂ = (x - μ) rstd, y = x̂ ⊙ γ + β.
// gamma/beta: (D) or undefined.
LayerNormForward layer_norm_rows(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps);

struct LayerNormBackward {
  Tensor dx;      // (R, D)
  Tensor dgamma;  // (D) or undefined
  Tensor dbeta;   // (D) or undefined
};

// dx̂ = g ⊙ γ;  dx = rstd (dx̂ - mean(dx̂) - x̂ mean(dx̂ ⊙ x̂));  dγ = Σ_rows g ⊙ x̂;  dβ = Σ_rows g
LayerNormBackward layer_norm_rows_backward(const Tensor& g, const LayerNormForward& saved, const Tensor& gamma,
                                           bool affine);

}  // namespace recgrad::kernels
