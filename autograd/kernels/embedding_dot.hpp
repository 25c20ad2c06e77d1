// recgrad/autograd/kernels/embedding_dot.hpp — y[n, j] = <h[n], W[ids[n, j]]> and its two gradients,
// on dense row-major data. Reference: plain loops; fast: xsimd over D, OpenMP over rows n.
#pragma once
#include <cstdint>

#include "autograd/tensor.hpp"

namespace recgrad::kernels {

// h: (N, D), W: (V, D), ids: (N, K) -> y: (N, K)
template <class T>
void embedding_dot_forward(const T* h, const T* W, const std::int64_t* ids, T* y, long N, long K, long D);

// g: (N, K) -> gh: (N, D) overwritten with Σ_j g W[ids], and gW: (V, D) accumulated with
// gW[ids[n, j]] += g[n, j] h[n] (zeroed by the caller; a fixed summation order for a given thread count).
template <class T>
void embedding_dot_backward(const T* g, const T* h, const T* W, const std::int64_t* ids, T* gh, T* gW, long N, long K,
                            long D, long V);

// On Tensors (dense, one device; ids int64 in range): y = the forward; gh and gW are allocated here (gW zeroed).
Tensor embedding_dot(const Tensor& h, const Tensor& W, const Tensor& ids);
void embedding_dot_backward(const Tensor& g, const Tensor& h, const Tensor& W, const Tensor& ids, Tensor& gh,
                            Tensor& gW);

}  // namespace recgrad::kernels
