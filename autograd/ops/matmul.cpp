// matmul: C = A · B over the last two axes, batch axes broadcast (NumPy's matmul).
#include <algorithm>
#include <stdexcept>
#include <type_traits>
#include <omp.h>

#include "autograd/kernels/cuda/backend.hpp"
#include "autograd/kernels/gemm.hpp"
#include "autograd/kernels/matmul_precision.hpp"
#include "autograd/kernels/gemm_bf16.hpp"
#include "autograd/kernels/kernel_path.hpp"
#include "autograd/ops/common.hpp"

namespace recgrad {

// a: (..., M, K), b: (..., K, N) -> c: (..., M, N). Reads a and b through their strides (no copy for
// transposed views); the batch loop runs in parallel when there are enough batches.
static Tensor matmul_forward(const Tensor& a, const Tensor& b) {
  const int na = a.dim(), nb = b.dim();
  const std::int64_t M = a.size(-2), K = a.size(-1), N = b.size(-1);
  if (b.size(-2) != K)
    throw std::invalid_argument("matmul: inner sizes differ: " + shape_str(a.shape()) + " @ " + shape_str(b.shape()));
  if (a.dtype() != b.dtype()) throw std::invalid_argument("matmul: dtypes differ: " + a.str() + " and " + b.str());
  const Shape batch_a(a.shape().begin(), a.shape().end() - 2), batch_b(b.shape().begin(), b.shape().end() - 2);
  const Shape batch = broadcast_shapes(batch_a, batch_b, "matmul");
  Shape out_shape = batch;
  out_shape.push_back(M);
  out_shape.push_back(N);
  kernels::check_same_device("matmul", {&a, &b});
  if (a.is_cuda()) return kernels::cuda().matmul(a, b, out_shape);  // cuBLAS
  Tensor c = Tensor::empty(out_shape, a.dtype());
  const std::int64_t nbatch = numel(batch);
  const int nd = static_cast<int>(batch.size());
  // Storage offset of batch element `bi` in a tensor with batch axes aligned on the right.
  auto batch_offset = [&](const Tensor& t, int nt, std::int64_t bi) {
    std::int64_t off = t.offset();
    for (int d = nd - 1; d >= 0; --d) {
      const std::int64_t i = bi % batch[d];
      bi /= batch[d];
      const int td = d - (nd - (nt - 2));
      if (td >= 0 && t.shape()[td] != 1) off += i * t.strides()[td];
    }
    return off;
  };
  dispatch_float(a.dtype(), "matmul", [&](auto tag) {
    using T = decltype(tag);
    const T* pa = static_cast<const T*>(a.impl()->storage->data);
    const T* pb = static_cast<const T*>(b.impl()->storage->data);
    T* pc = c.data<T>();
    const auto rsa = a.strides()[na - 2], csa = a.strides()[na - 1];
    const auto rsb = b.strides()[nb - 2], csb = b.strides()[nb - 1];
    const bool fast = kernels::use_fast();
    const bool bf16 = fast && std::is_same_v<T, float> && kernels::matmul_precision() == kernels::MatmulPrecision::bf16;
    auto product = [&](std::int64_t bi) {
      const T* A = pa + batch_offset(a, na, bi);
      const T* B = pb + batch_offset(b, nb, bi);
      T* C = pc + bi * M * N;
      if constexpr (std::is_same_v<T, float>)
        if (bf16) return kernels::gemm_bf16(M, N, K, A, rsa, csa, B, rsb, csb, C, N);
      if (fast)
        kernels::gemm_fast<T>(M, N, K, A, rsa, csa, B, rsb, csb, C, N);
      else
        kernels::gemm_reference<T>(M, N, K, A, rsa, csa, B, rsb, csb, C, N);
    };
    // Enough products for every thread: one product per thread at a time, each GEMM serial. Otherwise
    // the GEMMs run one after another, each with all threads. Not `parallel for if (…)`: a region with
    // the if clause false still counts as a parallel level, so each GEMM's own region became a nested
    // team — new threads for every product, bound to the caller's core (2 threads on 1 CPU).
    if (nbatch >= omp_get_max_threads() && nbatch > 1) {
#pragma omp parallel for schedule(static)
      for (std::int64_t bi = 0; bi < nbatch; ++bi) product(bi);
    } else {
      for (std::int64_t bi = 0; bi < nbatch; ++bi) product(bi);
    }
  });
  return c;
}

// C = A B:  ∂L/∂A = G Bᵀ,  ∂L/∂B = Aᵀ G   (each summed over broadcast batch axes)
Tensor matmul(const Tensor& a, const Tensor& b) {
  if (a.dim() == 0 || b.dim() == 0)
    throw std::invalid_argument("matmul: 0-d operands " + a.str() + " and " + b.str() + " (use mul)");
  if (a.dim() == 1 && b.dim() == 1) return reshape(matmul(unsqueeze(a, 0), unsqueeze(b, 1)), {});  // inner product
  if (a.dim() == 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);                                // vector @ matrix
  if (b.dim() == 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);                                // matrix @ vector
  if (a.dim() > 2 && b.dim() == 2 && a.is_contiguous() && a.size(-1) == b.size(0)) {
    // x: (..., M, K) dense, W: (K, N) — a Linear layer on a batch of sequences: one (…·M, K) × (K, N)
    // product, not a batch of small ones that each pack W again. The forward gives the same numbers;
    // ∂L/∂W becomes one product over all rows instead of a (batch, K, N) stack of partial products summed.
    Shape out = a.shape();
    out.back() = b.size(1);
    return reshape(matmul(reshape(a, {-1, a.size(-1)}), b), out);
  }
  Tensor c = matmul_forward(a, b);
  return record("matmul", c, {a, b}, [a, b](const Tensor& g) {
    return Grads{needs_grad_input(a) ? sum_to(matmul(g, transpose(b, -1, -2)), a.shape()) : Tensor(),
                 needs_grad_input(b) ? sum_to(matmul(transpose(a, -1, -2), g), b.shape()) : Tensor()};
  });
}

}  // namespace recgrad
