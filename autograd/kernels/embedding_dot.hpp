// recgrad/autograd/kernels/embedding_dot.hpp — y[n, j] = <h[n], W[ids[n, j]]> and its two gradients,
// on dense row-major data. Reference: plain loops; fast: xsimd over D, OpenMP over rows n.
#pragma once
#include <cstdint>

namespace recgrad::kernels {

// h: (N, D), W: (V, D), ids: (N, K) -> y: (N, K)
template <class T>
void embedding_dot_forward(const T* h, const T* W, const std::int64_t* ids, T* y, long N, long K, long D);

// g: (N, K) -> gh: (N, D) and gW: (V, D), both overwritten/accumulated as:  gh = Σ_j g W[ids],
// gW[ids[n, j]] += g[n, j] h[n] (gW must be zeroed by the caller; repeated ids add in a fixed order).
template <class T>
void embedding_dot_backward(const T* g, const T* h, const T* W, const std::int64_t* ids, T* gh, T* gW, long N, long K,
                            long D);

}  // namespace recgrad::kernels
