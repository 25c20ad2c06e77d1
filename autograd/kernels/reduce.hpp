// recgrad/autograd/kernels/reduce.hpp — sum / max over a set of axes.
#pragma once
#include <vector>

#include "autograd/tensor.hpp"

namespace recgrad::kernels {

enum class Reduce { sum, max };

// Reduces the (normalised, sorted) `axes` of x; the result keeps them as size-1 axes.
Tensor reduce(Reduce op, const Tensor& x, const std::vector<int>& axes);

// Index of the first minimum along `axis` (int64), the axis removed.
Tensor argmin(const Tensor& x, int axis);

}  // namespace recgrad::kernels
