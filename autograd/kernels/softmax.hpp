// recgrad/autograd/kernels/softmax.hpp — row-wise softmax / log-softmax over dense (rows, n) data.
#pragma once
#include "autograd/tensor.hpp"

namespace recgrad::kernels {

// x: (R, N) dense -> y: (R, N).  y = exp(x - max) / Σ exp(x - max)   (or its log when `log` is set)
Tensor softmax_rows(const Tensor& x, bool log);
// Backward, y the forward output, g the upstream gradient, both (R, N) dense:
//   softmax:      dx = y ⊙ (g - Σ_j g_j y_j)
//   log_softmax:  dx = g - exp(y) Σ_j g_j
Tensor softmax_rows_backward(const Tensor& y, const Tensor& g, bool log);

}  // namespace recgrad::kernels
