// Helpers for vector quantisation (RQ-VAE) and normalised embeddings.
#include "autograd/kernels/reduce.hpp"
#include "autograd/ops/common.hpp"

namespace recgrad {

// y = x / max(‖x‖₂, eps) along `axis`, computed as x · rsqrt(max(‖x‖², eps²)) (composed; the gradient
// follows from the primitives). Clamping the squared norm keeps a zero row's gradient at 0: with
// sqrt first, its backward at 0 would be 0/0 = NaN.
Tensor l2_normalize(const Tensor& x, int axis, double eps) {
  return x * rsqrt(clamp_min(sum(x * x, {axis}, true), eps * eps));
}

// a: (N, D), b: (K, D) -> (N, K):  d[i, k] = ‖a_i‖² - 2 a_i·b_k + ‖b_k‖²
Tensor pairwise_sq_dist(const Tensor& a, const Tensor& b) {
  if (a.dim() != 2 || b.dim() != 2 || a.size(1) != b.size(1))
    throw std::invalid_argument("pairwise_sq_dist: expected (N, D) and (K, D), got " + shape_str(a.shape()) + " and " +
                                shape_str(b.shape()));
  const Tensor aa = sum(a * a, {1}, true);                     // (N, 1)
  const Tensor bb = reshape(sum(b * b, {1}, false), {1, -1});  // (1, K)
  return aa - 2.0 * matmul(a, transpose(b, 0, 1)) + bb;
}

// Index of the smallest entry along `axis` (first one on ties). Not differentiable.
Tensor argmin(const Tensor& x, int axis) { return kernels::argmin(x, normalize_axis(axis, x.dim(), "argmin")); }

// Forward: q.  Backward: the gradient reaches x as if q were x.   y = x + sg[q - x]
Tensor straight_through(const Tensor& x, const Tensor& q) {
  if (x.shape() != q.shape())
    throw std::invalid_argument("straight_through: shapes differ: " + shape_str(x.shape()) + " and " +
                                shape_str(q.shape()));
  return x + (q - x).detach();
}

}  // namespace recgrad
