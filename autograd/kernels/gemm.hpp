// recgrad/autograd/kernels/gemm.hpp — C = A · B for strided A and B, dense row-major C.
//
// A is (M, K) with element (i, p) at A[i*rsa + p*csa]; B is (K, N) with (p, j) at B[p*rsb + j*csb].
// Strides let a transposed operand be read in place: Aᵀ is (csa, rsa) swapped, with no copy.
#pragma once
#include <algorithm>
#include <cstdint>

namespace recgrad::kernels {

// The readable reference: three loops.
template <class T>
void gemm_reference(std::int64_t M, std::int64_t N, std::int64_t K, const T* A, std::int64_t rsa, std::int64_t csa,
                    const T* B, std::int64_t rsb, std::int64_t csb, T* C, std::int64_t ldc);

// The fast path: BLIS-style packing + an xsimd FMA micro-kernel; OpenMP over row blocks with
// gemm_threads(M, N, K) threads.
template <class T>
void gemm_fast(std::int64_t M, std::int64_t N, std::int64_t K, const T* A, std::int64_t rsa, std::int64_t csa,
               const T* B, std::int64_t rsb, std::int64_t csb, T* C, std::int64_t ldc);

// Threads a GEMM of this size runs on: 1 below ~2 MFLOP or where it may not open a team
// (kernels::may_open_team), else omp_get_max_threads().
int gemm_threads(std::int64_t M, std::int64_t N, std::int64_t K);

// How a GEMM shares C's rows among nt threads: row blocks of at most MC rows, as many as a multiple of the thread
// count and of equal height (to MR) — M = 128 on 2 threads is 66 + 62 rows, not 120 + 8 (a Linear layer's weight
// gradient with 128 outputs); when the blocks still do not divide evenly (M too small), column panels are split too
// (nsplit = nt). Each element of C is summed in the same order whatever the blocking.
struct RowBlocks {
  std::int64_t rows, count, nsplit;
};
inline RowBlocks plan_row_blocks(std::int64_t M, std::int64_t MC, std::int64_t MR, int nt) {
  const std::int64_t per_thread = ((M + MC - 1) / MC + nt - 1) / nt;
  const std::int64_t target = (M + per_thread * nt - 1) / (per_thread * nt);
  const std::int64_t rows = std::min(MC, (target + MR - 1) / MR * MR);
  const std::int64_t count = (M + rows - 1) / rows;
  return {rows, count, count % nt == 0 ? 1 : nt};
}

// B packed once and multiplied many times (the attention kernels reuse Kᵀ, V, Q per sequence).
// packed_B_size: elements of the buffer for a (K, N) operand; pack_B_full fills it from strided B.
template <class T>
std::int64_t packed_B_size(std::int64_t K, std::int64_t N);
template <class T>
void pack_B_full(std::int64_t K, std::int64_t N, const T* B, std::int64_t rsb, std::int64_t csb, T* Bp);

// C[0:M, 0:N] = A (M × K, strided) · B[k0 : k0 + K, 0 : N], with B packed by pack_B_full from Kfull rows
// (N may be a prefix of the packed columns, [k0, k0 + K) a range of its rows). Single-threaded: the
// callers parallelise over sequences.
template <class T>
void gemm_prepacked(std::int64_t M, std::int64_t N, std::int64_t K, const T* A, std::int64_t rsa, std::int64_t csa,
                    const T* Bp, std::int64_t Kfull, std::int64_t k0, T* C, std::int64_t ldc);

}  // namespace recgrad::kernels
