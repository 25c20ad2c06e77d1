// layer_norm over the last axis: a fused kernel (autograd/kernels/layer_norm.cpp), checked against
// the composition of primitive ops in tests/test_composite.cpp.
#include "autograd/kernels/layer_norm.hpp"
#include "autograd/ops/common.hpp"

namespace recgrad {

// x: (..., D), gamma/beta: (D) or both undefined.
// y = (x - μ) / √(var + eps) ⊙ γ + β,  μ and var (biased) over the last axis.
Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps) {
  const std::int64_t D = x.size(-1);
  const bool affine = gamma.defined();
  if (affine != beta.defined()) throw std::invalid_argument("layer_norm: give both gamma and beta, or neither");
  if (affine && (gamma.shape() != Shape{D} || beta.shape() != Shape{D}))
    throw std::invalid_argument("layer_norm: gamma " + shape_str(gamma.shape()) + " and beta " +
                                shape_str(beta.shape()) + " must be (" + std::to_string(D) + ") for input " +
                                shape_str(x.shape()));
  const Tensor xc = x.contiguous();
  const Tensor gc = affine ? gamma.contiguous() : Tensor(), bc = affine ? beta.contiguous() : Tensor();
  const Shape rows{xc.numel() / std::max<std::int64_t>(D, 1), D};
  auto saved = kernels::layer_norm_rows(make_view(xc, rows, contiguous_strides(rows), xc.offset()), gc, bc, eps);
  Tensor y = make_view(saved.y, xc.shape(), contiguous_strides(xc.shape()), 0);
  std::vector<Tensor> inputs{xc};
  if (affine) inputs = {xc, gc, bc};
  saved.y = Tensor();  // not needed by the backward
  // dx̂ = g ⊙ γ;  ∂L/∂x = rstd (dx̂ - mean(dx̂) - x̂ mean(dx̂ ⊙ x̂));  ∂L/∂γ = Σ g ⊙ x̂;  ∂L/∂β = Σ g
  return record("layer_norm", y, inputs, [saved, gc, rows, affine, xs = xc.shape()](const Tensor& g) {
    const Tensor g2 = g.contiguous();
    auto b = kernels::layer_norm_rows_backward(make_view(g2, rows, contiguous_strides(rows), g2.offset()), saved, gc,
                                               affine);
    Grads grads{make_view(b.dx, xs, contiguous_strides(xs), 0)};
    if (affine) grads.insert(grads.end(), {b.dgamma, b.dbeta});
    return grads;
  });
}

}  // namespace recgrad
