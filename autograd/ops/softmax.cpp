// softmax / log_softmax: fused row kernels (autograd/kernels/softmax.cpp); tests/test_composite.cpp
// checks them against the composition exp(x - max) / Σ exp(x - max) of primitive ops.
#include "autograd/kernels/softmax.hpp"
#include "autograd/ops/common.hpp"

namespace recgrad {

// x: (..., N) softmax over the last axis, as (R, N) rows.
static Tensor softmax_last(const Tensor& x, bool log) {
  const Tensor xc = x.contiguous();
  const Shape rows{xc.numel() / std::max<std::int64_t>(xc.size(-1), 1), xc.size(-1)};
  Tensor y = make_view(kernels::softmax_rows(make_view(xc, rows, contiguous_strides(rows), xc.offset()), log),
                       xc.shape(), contiguous_strides(xc.shape()), 0);
  // softmax:      ∂L/∂x = y ⊙ (g - Σ g ⊙ y)
  // log_softmax:  ∂L/∂x = g - exp(y) Σ g
  return record(log ? "log_softmax" : "softmax", y, {xc}, [y = y.detach(), rows, log](const Tensor& g) {
    const Tensor gc = g.contiguous();
    const Tensor dx = kernels::softmax_rows_backward(make_view(y, rows, contiguous_strides(rows), 0),
                                                     make_view(gc, rows, contiguous_strides(rows), gc.offset()), log);
    return Grads{make_view(dx, y.shape(), y.strides(), 0)};
  });
}

// Any axis: move it last, apply, move it back (both moves are differentiable views).
static Tensor softmax_any(const Tensor& x, int axis, bool log) {
  if (x.dim() == 0) throw std::invalid_argument("softmax: 0-d input " + x.str());
  axis = normalize_axis(axis, x.dim(), log ? "log_softmax" : "softmax");
  if (axis == x.dim() - 1) return softmax_last(x, log);
  return transpose(softmax_last(transpose(x, axis, -1), log), axis, -1);
}

Tensor softmax(const Tensor& x, int axis) { return softmax_any(x, axis, false); }
Tensor log_softmax(const Tensor& x, int axis) { return softmax_any(x, axis, true); }

}  // namespace recgrad
