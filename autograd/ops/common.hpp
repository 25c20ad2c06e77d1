// recgrad/autograd/ops/common.hpp — what every op file needs.
#pragma once
#include <string>
#include <vector>

#include "autograd/grad_mode.hpp"
#include "autograd/node.hpp"
#include "autograd/ops.hpp"

namespace recgrad {

using Grads = std::vector<Tensor>;  // one gradient per input, undefined where none is needed

// Inside a backward rule (grad mode is off there): does input t want a gradient?
inline bool needs_grad_input(const Tensor& t) { return t.defined() && t.requires_grad(); }

// A scalar of the same dtype as `like`, for scalar variants of binary ops.
inline Tensor scalar_like(double v, const Tensor& like) { return Tensor::scalar(v, like.dtype()); }

}  // namespace recgrad
