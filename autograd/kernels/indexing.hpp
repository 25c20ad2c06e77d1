// recgrad/autograd/kernels/indexing.hpp — row gathers and their scatter-add adjoints, on the CPU or the GPU.
// Index tensors are dense int64, already range-checked by the op (autograd/ops/indexing.cpp).
#pragma once
#include <cstdint>

#include "autograd/tensor.hpp"

namespace recgrad::kernels {

// A tensor of `shape` seen as (outer, n, inner) around `axis`: the grid every row gather and scatter walks.
struct RowGrid {
  std::int64_t outer = 1, n = 1, inner = 1;
};
inline RowGrid grid_of(const Shape& shape, int axis) {
  RowGrid r;
  for (int d = 0; d < axis; ++d) r.outer *= shape[d];
  for (int d = axis + 1; d < static_cast<int>(shape.size()); ++d) r.inner *= shape[d];
  r.n = shape[axis];
  return r;
}

// x viewed as (outer, n, inner) around `axis`, ids: (k) -> (outer, k, inner):  out[o, j, :] = x[o, ids[j], :]
Tensor select_rows(const Tensor& x, int axis, const Tensor& ids);
// The adjoint: gx (x_shape) = 0, then gx[o, ids[j], :] += g[o, j, :]; ids equal to `skip` add nothing.
// Repeated ids add in a fixed order on the CPU; on the GPU with atomics (order, and so the last bits, may vary).
Tensor scatter_add_rows(const Tensor& g, const Shape& x_shape, int axis, const Tensor& ids, std::int64_t skip);
// out (shape) [i] = x.flat[offsets[i]] for a dense x;  put_add is its adjoint into a zero tensor of x_shape.
Tensor take(const Tensor& x, const Tensor& offsets, const Shape& shape);
Tensor put_add(const Tensor& g, const Tensor& offsets, const Shape& x_shape);
// cond != 0 ? a : b, all three broadcast to `shape` (a 0-d CPU a or b may join GPU operands).
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b, const Shape& shape);
// ids (any shape, int64) -> 1 where ids != pad, else 0, in `dtype`, on ids' device.
Tensor padding_mask(const Tensor& ids, std::int64_t pad, DType dtype);
// The inverted-dropout multiplier of each element: u = u01(splitmix64(key ^ (base + i))), m = u >= p ? 1/(1-p) : 0.
Tensor dropout_mask(const Shape& shape, DType dtype, Device device, double p, std::uint64_t key, std::uint64_t base);

}  // namespace recgrad::kernels
