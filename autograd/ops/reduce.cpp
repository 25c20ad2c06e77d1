// Reductions. The backward of a reduction broadcasts the gradient back over the reduced axes.
#include <cmath>
#include <limits>

#include "autograd/kernels/elementwise.hpp"
#include "autograd/kernels/reduce.hpp"
#include "autograd/ops/common.hpp"

namespace recgrad {

using kernels::Reduce;

// Gradient of shape reduced_shape(keepdim) broadcast back over x's shape.
static Tensor spread(const Tensor& g, const Shape& x_shape, const std::vector<int>& axes) {
  return expand(reshape(g, reduced_shape(x_shape, axes, true)), x_shape);
}

static Tensor drop_axes(const Tensor& kept, const Shape& x_shape, const std::vector<int>& axes, bool keepdim) {
  return keepdim ? kept : reshape(kept, reduced_shape(x_shape, axes, false));
}

// y = Σ_axes x:  ∂y/∂x = 1 on every summed element
Tensor sum(const Tensor& x, std::vector<int> axes, bool keepdim) {
  axes = normalize_axes(axes, x.dim(), "sum");
  Tensor y = drop_axes(kernels::reduce(Reduce::sum, x, axes), x.shape(), axes, keepdim);
  return record("sum", y, {x}, [xs = x.shape(), axes](const Tensor& g) { return Grads{spread(g, xs, axes)}; });
}

// y = Σ_axes x / n
Tensor mean(const Tensor& x, std::vector<int> axes, bool keepdim) {
  axes = normalize_axes(axes, x.dim(), "mean");
  std::int64_t n = 1;
  for (int a : axes) n *= x.shape()[a];
  return sum(x, axes, keepdim) / static_cast<double>(n);
}

// y = max_axes x:  the gradient is shared equally among the elements equal to the max
Tensor max(const Tensor& x, std::vector<int> axes, bool keepdim) {
  axes = normalize_axes(axes, x.dim(), "max");
  if (x.numel() == 0) throw std::invalid_argument("max: empty tensor " + x.str());
  Tensor m = kernels::reduce(Reduce::max, x, axes);  // keepdim shape
  Tensor y = drop_axes(m, x.shape(), axes, keepdim);
  return record("max", y, {x}, [x, m = m.detach(), axes](const Tensor& g) {
    const Tensor is_max = kernels::binary(kernels::Binary::ge, x, m, "max");
    const Tensor count = kernels::reduce(Reduce::sum, is_max, axes);
    return Grads{spread(g, x.shape(), axes) * is_max / count};
  });
}

// y = m + ln Σ exp(x - m), m = max x (for stability):  ∂y/∂x = exp(x - y) = softmax(x)
Tensor logsumexp(const Tensor& x, std::vector<int> axes, bool keepdim) {
  axes = normalize_axes(axes, x.dim(), "logsumexp");
  Tensor y_keep;
  {
    NoGradGuard no_grad;
    // A row of -inf (or +inf) shifts by the largest finite value instead: the result is still -inf (or +inf).
    const double big = x.dtype() == DType::f32 ? std::numeric_limits<float>::max() : std::numeric_limits<double>::max();
    const Tensor m = kernels::clamp_values(kernels::reduce(Reduce::max, x, axes), -big, big);
    y_keep = m + log(kernels::reduce(Reduce::sum, exp(x - m), axes));
  }
  Tensor y = drop_axes(y_keep, x.shape(), axes, keepdim);
  return record("logsumexp", y, {x}, [x, y_keep = y_keep.detach(), axes](const Tensor& g) {
    return Grads{spread(g, x.shape(), axes) * exp(x - y_keep)};
  });
}

// The adjoint of broadcasting: sums g over the axes that broadcasting added or stretched.
Tensor sum_to(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  const int lead = g.dim() - static_cast<int>(shape.size());
  std::vector<int> axes;
  for (int d = 0; d < g.dim(); ++d)
    if (d < lead || (shape[d - lead] == 1 && g.shape()[d] != 1)) axes.push_back(d);
  if (axes.empty()) return reshape(g, shape);
  return reshape(sum(g, axes, true), shape);
}

}  // namespace recgrad
