// concat / stack / split.
#include "autograd/kernels/cuda/backend.hpp"
#include "autograd/ops/common.hpp"

namespace recgrad {

// y = [x₀ | x₁ | …] along `axis`:  ∂L/∂xᵢ = the matching slice of g
Tensor concat(const std::vector<Tensor>& xs, int axis) {
  if (xs.empty()) throw std::invalid_argument("concat: no tensors");
  axis = normalize_axis(axis, xs[0].dim(), "concat");
  Shape shape = xs[0].shape();
  shape[axis] = 0;
  for (const auto& x : xs) {
    Shape s = x.shape();
    if (x.dim() != xs[0].dim() || x.dtype() != xs[0].dtype())
      s.clear();
    else
      s[axis] = xs[0].shape()[axis];
    if (s != xs[0].shape())
      throw std::invalid_argument("concat: " + x.str() + " does not match " + xs[0].str() + " outside axis " +
                                  std::to_string(axis));
    shape[axis] += x.shape()[axis];
  }
  for (const auto& x : xs) kernels::check_same_device("concat", {&xs[0], &x});
  Tensor y = Tensor::empty(shape, xs[0].dtype(), xs[0].device());
  std::vector<std::int64_t> bounds{0};
  {
    NoGradGuard no_grad;
    for (const auto& x : xs) {
      bounds.push_back(bounds.back() + x.shape()[axis]);
      slice(y, axis, bounds[bounds.size() - 2], bounds.back()).copy_(x);
    }
  }
  return record("concat", y, xs, [axis, bounds](const Tensor& g) {
    Grads grads;
    for (std::size_t i = 0; i + 1 < bounds.size(); ++i) grads.push_back(slice(g, axis, bounds[i], bounds[i + 1]));
    return grads;
  });
}

// y = concat of the xᵢ each given a new axis `axis`
Tensor stack(const std::vector<Tensor>& xs, int axis) {
  if (xs.empty()) throw std::invalid_argument("stack: no tensors");
  axis = normalize_axis(axis, xs[0].dim() + 1, "stack");
  std::vector<Tensor> expanded;
  for (const auto& x : xs) expanded.push_back(unsqueeze(x, axis));
  return concat(expanded, axis);
}

// Views of consecutive blocks of x along `axis` with the given sizes (each a differentiable slice).
std::vector<Tensor> split(const Tensor& x, const std::vector<std::int64_t>& sizes, int axis) {
  axis = normalize_axis(axis, x.dim(), "split");
  std::int64_t total = 0;
  for (auto s : sizes) total += s;
  if (total != x.shape()[axis])
    throw std::invalid_argument("split: sizes add up to " + std::to_string(total) + " but axis " +
                                std::to_string(axis) + " of " + x.str() + " has " + std::to_string(x.shape()[axis]));
  std::vector<Tensor> parts;
  std::int64_t start = 0;
  for (auto s : sizes) {
    parts.push_back(slice(x, axis, start, start + s));
    start += s;
  }
  return parts;
}

}  // namespace recgrad
