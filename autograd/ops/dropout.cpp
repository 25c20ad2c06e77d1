// Inverted dropout with a counter-based mask: element i is kept when u(seed, counter + i) >= p.
#include "autograd/generator.hpp"
#include "autograd/kernels/indexing.hpp"
#include "autograd/ops/common.hpp"

namespace recgrad {

// m_i = [u_i >= p] / (1 - p);  y = x ⊙ m  (identity in eval mode):  ∂L/∂x = g ⊙ m
Tensor dropout(const Tensor& x, double p, bool training, Generator& gen) {
  if (p < 0.0 || p >= 1.0) throw std::invalid_argument("dropout: p must be in [0, 1), got " + std::to_string(p));
  if (!training || p == 0.0) return x;
  const std::int64_t n = x.numel();
  const std::uint64_t base = gen.advance_rows(static_cast<std::uint64_t>(n));  // this process's rows of the batch
  const Tensor mask = kernels::dropout_mask(x.shape(), x.dtype(), x.device(), p, splitmix64(gen.seed()), base);
  Tensor y;
  {
    NoGradGuard no_grad;
    y = x * mask;
  }
  return record("dropout", y, {x}, [mask](const Tensor& g) { return Grads{g * mask}; });
}

}  // namespace recgrad
