// View ops: new shape/strides/offset over the same storage (reshape copies only a non-contiguous
// input). Their backward rules move the gradient back into the input's geometry.
#include <algorithm>
#include <numeric>

#include "autograd/ops/common.hpp"

namespace recgrad {

// y = x viewed as `shape` (row-major order kept):  ∂L/∂x = reshape(g, x.shape)
Tensor reshape(const Tensor& x, Shape shape) {
  std::int64_t known = 1;
  int infer = -1;
  for (int d = 0; d < static_cast<int>(shape.size()); ++d) {
    if (shape[d] == -1) {
      if (infer >= 0) throw std::invalid_argument("reshape: more than one -1 in " + shape_str(shape));
      infer = d;
    } else
      known *= shape[d];
  }
  if (infer >= 0 && known != 0) shape[infer] = x.numel() / known;
  if (numel(shape) != x.numel())
    throw std::invalid_argument("reshape: cannot view " + shape_str(x.shape()) + " (" + std::to_string(x.numel()) +
                                " elements) as " + shape_str(shape));
  const Tensor xc = x.contiguous();  // a no-op for dense inputs; a recorded copy otherwise
  Tensor y = make_view(xc, shape, contiguous_strides(shape), xc.offset());
  return record("reshape", y, {xc}, [xs = xc.shape()](const Tensor& g) { return Grads{reshape(g, xs)}; });
}

// y = x with axes reordered: y.shape[i] = x.shape[order[i]]:  ∂L/∂x = permute(g, order⁻¹)
Tensor permute(const Tensor& x, std::vector<int> order) {
  if (static_cast<int>(order.size()) != x.dim())
    throw std::invalid_argument("permute: order of " + std::to_string(order.size()) + " axes for " + x.str());
  for (auto& o : order) o = normalize_axis(o, x.dim(), "permute");
  std::vector<int> seen(order);
  std::sort(seen.begin(), seen.end());
  if (std::adjacent_find(seen.begin(), seen.end()) != seen.end())
    throw std::invalid_argument("permute: repeated axis in the order for " + x.str());
  Shape shape(order.size());
  Strides strides(order.size());
  std::vector<int> inverse(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    shape[i] = x.shape()[order[i]];
    strides[i] = x.strides()[order[i]];
    inverse[order[i]] = static_cast<int>(i);
  }
  Tensor y = make_view(x, shape, strides, x.offset());
  return record("permute", y, {x}, [inverse](const Tensor& g) { return Grads{permute(g, inverse)}; });
}

Tensor transpose(const Tensor& x, int a, int b) {
  std::vector<int> order(x.dim());
  std::iota(order.begin(), order.end(), 0);
  std::swap(order[normalize_axis(a, x.dim(), "transpose")], order[normalize_axis(b, x.dim(), "transpose")]);
  return permute(x, order);
}

// y = x[start:stop:step] along `axis`:  ∂L/∂x = g scattered into zeros at the same positions
Tensor slice(const Tensor& x, int axis, std::int64_t start, std::int64_t stop, std::int64_t step) {
  axis = normalize_axis(axis, x.dim(), "slice");
  const std::int64_t n = x.shape()[axis];
  if (step <= 0) throw std::invalid_argument("slice: step must be positive, got " + std::to_string(step));
  if (start < 0) start += n;
  if (stop < 0) stop += n;
  start = std::clamp<std::int64_t>(start, 0, n);
  stop = std::clamp<std::int64_t>(stop, start, n);
  Shape shape = x.shape();
  Strides strides = x.strides();
  shape[axis] = (stop - start + step - 1) / step;
  strides[axis] *= step;
  Tensor y = make_view(x, shape, strides, x.offset() + start * x.strides()[axis]);
  return record("slice", y, {x}, [xs = x.shape(), axis, start, stop, step](const Tensor& g) {
    Tensor gx = Tensor::zeros(xs, g.dtype());
    slice(gx, axis, start, stop, step).copy_(g);
    return Grads{gx};
  });
}

// y = x broadcast to `shape` (stride 0 on stretched axes):  ∂L/∂x = sum_to(g, x.shape)
Tensor expand(const Tensor& x, const Shape& shape) {
  const Shape target = broadcast_shapes(x.shape(), shape, "expand");
  if (target != shape)
    throw std::invalid_argument("expand: cannot expand " + shape_str(x.shape()) + " to " + shape_str(shape));
  const int lead = static_cast<int>(shape.size()) - x.dim();
  Strides strides(shape.size(), 0);
  for (int d = 0; d < x.dim(); ++d) strides[d + lead] = x.shape()[d] == shape[d + lead] ? x.strides()[d] : 0;
  Tensor y = make_view(x, shape, strides, x.offset());
  return record("expand", y, {x}, [xs = x.shape()](const Tensor& g) { return Grads{sum_to(g, xs)}; });
}

// Inserts a size-1 axis at `axis` (a view):  ∂L/∂x = squeeze(g, axis)
Tensor unsqueeze(const Tensor& x, int axis) {
  axis = normalize_axis(axis, x.dim() + 1, "unsqueeze");
  Shape shape = x.shape();
  Strides strides = x.strides();
  shape.insert(shape.begin() + axis, 1);
  strides.insert(strides.begin() + axis, 1);
  Tensor y = make_view(x, shape, strides, x.offset());
  return record("unsqueeze", y, {x}, [axis](const Tensor& g) { return Grads{squeeze(g, axis)}; });
}

// Removes the size-1 axis `axis` (a view):  ∂L/∂x = unsqueeze(g, axis)
Tensor squeeze(const Tensor& x, int axis) {
  axis = normalize_axis(axis, x.dim(), "squeeze");
  if (x.shape()[axis] != 1)
    throw std::invalid_argument("squeeze: axis " + std::to_string(axis) + " of " + x.str() + " is not of size 1");
  Shape shape = x.shape();
  Strides strides = x.strides();
  shape.erase(shape.begin() + axis);
  strides.erase(strides.begin() + axis);
  Tensor y = make_view(x, shape, strides, x.offset());
  return record("squeeze", y, {x}, [axis](const Tensor& g) { return Grads{unsqueeze(g, axis)}; });
}

}  // namespace recgrad
