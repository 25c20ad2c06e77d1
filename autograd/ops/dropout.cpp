// Inverted dropout with a counter-based mask: element i is kept when u(seed, counter + i) >= p.
#include "autograd/generator.hpp"
#include "autograd/kernels/kernel_path.hpp"
#include "autograd/ops/common.hpp"

namespace recgrad {

// m_i = [u_i >= p] / (1 - p);  y = x ⊙ m  (identity in eval mode):  ∂L/∂x = g ⊙ m
Tensor dropout(const Tensor& x, double p, bool training, Generator& gen) {
  if (p < 0.0 || p >= 1.0) throw std::invalid_argument("dropout: p must be in [0, 1), got " + std::to_string(p));
  if (!training || p == 0.0) return x;
  const std::int64_t n = x.numel();
  const std::uint64_t base = gen.advance(static_cast<std::uint64_t>(n));
  Tensor mask = Tensor::empty(x.shape(), x.dtype());
  dispatch_float(x.dtype(), "dropout", [&](auto tag) {
    using T = decltype(tag);
    T* m = mask.data<T>();
    const T scale = T(1.0 / (1.0 - p));
    const float threshold = static_cast<float>(p);
#pragma omp parallel for schedule(static) if (n >= kernels::kParallelGrain)
    for (std::int64_t i = 0; i < n; ++i)
      m[i] = u01_from_bits(gen.bits(base + static_cast<std::uint64_t>(i))) >= threshold ? scale : T(0);
  });
  Tensor y;
  {
    NoGradGuard no_grad;
    y = x * mask;
  }
  return record("dropout", y, {x}, [mask](const Tensor& g) { return Grads{g * mask}; });
}

}  // namespace recgrad
