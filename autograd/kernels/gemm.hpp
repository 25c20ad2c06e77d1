// recgrad/autograd/kernels/gemm.hpp — C = A · B for strided A and B, dense row-major C.
//
// A is (M, K) with element (i, p) at A[i*rsa + p*csa]; B is (K, N) with (p, j) at B[p*rsb + j*csb].
// Strides let a transposed operand be read in place: Aᵀ is (csa, rsa) swapped, with no copy.
#pragma once
#include <cstdint>

namespace recgrad::kernels {

// The readable reference: three loops.
template <class T>
void gemm_reference(std::int64_t M, std::int64_t N, std::int64_t K, const T* A, std::int64_t rsa, std::int64_t csa,
                    const T* B, std::int64_t rsb, std::int64_t csb, T* C, std::int64_t ldc);

// The fast path: BLIS-style packing + an xsimd FMA micro-kernel; OpenMP over row blocks unless
// `threads` is 1 or the caller already runs in a parallel region.
template <class T>
void gemm_fast(std::int64_t M, std::int64_t N, std::int64_t K, const T* A, std::int64_t rsa, std::int64_t csa,
               const T* B, std::int64_t rsb, std::int64_t csb, T* C, std::int64_t ldc);

}  // namespace recgrad::kernels
