// The bfloat16 GEMM: gemm.cpp's blocking (column panels of B, row blocks of A, an MR × NR register tile),
// with the operands rounded to bfloat16 as they are packed, two consecutive k side by side in one 32-bit
// pair, and the tile accumulated in float32 by vdpbf16ps: c += a[k]·b[k] + a[k+1]·b[k+1] per lane.
#include "autograd/kernels/gemm_bf16.hpp"

#include <omp.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#if defined(__AVX512BF16__)
#include <immintrin.h>
#endif

#include "autograd/kernels/gemm.hpp"
#include "autograd/kernels/matmul_precision.hpp"
#include "autograd/kernels/scratch.hpp"

namespace recgrad::kernels {

#if defined(__AVX512BF16__)
namespace {

using Index = std::int64_t;
using Pair = std::uint32_t;  // bfloat16 of k in the low half, of k + 1 in the high half

constexpr Index MR = 6, NR = 32, KC = 256, MC = 120, NC = 3072;  // NR: two vectors of 16 pairs

Pair pair_of(float lo, float hi) { return Pair(to_bf16(lo)) | (Pair(to_bf16(hi)) << 16); }

// 16 floats of row k and 16 of row k + 1 -> 16 pairs (vcvtneps2bf16 rounds to nearest even, as to_bf16; it also
// reads and writes subnormals as 0).
__m512i pairs_of(__m512 lo, __m512 hi) {
  const __m512i l = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(lo));
  const __m512i h = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(hi));
  return _mm512_or_si512(l, _mm512_slli_epi32(h, 16));
}

// pack_A for a transposed A (rows adjacent: the weight gradient's Xᵀ): 16 rows of one k-pair converted at a time.
void pack_A_transposed(Index mc, Index kc, const float* A, Index csa, Pair* buf) {
  const Index kq = (kc + 1) / 2, padded = (mc + MR - 1) / MR * MR;
  auto at = [&](Index r, Index q) -> Pair& { return buf[(r / MR) * MR * kq + (r % MR) * kq + q]; };
  alignas(64) Pair t[16];
  for (Index q = 0; q < kq; ++q) {
    const float *k0 = A + 2 * q * csa, *k1 = 2 * q + 1 < kc ? A + (2 * q + 1) * csa : nullptr;
    Index r = 0;
    for (; r + 16 <= mc; r += 16) {
      _mm512_store_si512(t, pairs_of(_mm512_loadu_ps(k0 + r), k1 ? _mm512_loadu_ps(k1 + r) : _mm512_setzero_ps()));
      for (Index u = 0; u < 16; ++u) at(r + u, q) = t[u];
    }
    for (; r < mc; ++r) at(r, q) = pair_of(k0[r], k1 ? k1[r] : 0.0f);
    for (; r < padded; ++r) at(r, q) = 0;
  }
}

// A[0:mc, 0:kc] -> micro-panels of MR rows, each row its kq = ⌈kc / 2⌉ pairs in order: panel[r·kq + q] =
// (A[r, 2q], A[r, 2q + 1]); an odd last k pairs with 0, rows past mc are 0.
void pack_A(Index mc, Index kc, const float* A, Index rsa, Index csa, Pair* buf) {
  const Index kq = (kc + 1) / 2;
  if (rsa == 1 && csa != 1) return pack_A_transposed(mc, kc, A, csa, buf);
  for (Index i0 = 0; i0 < mc; i0 += MR, buf += MR * kq)
    for (Index r = 0; r < MR; ++r) {
      Pair* row = buf + r * kq;
      if (i0 + r >= mc) {
        std::fill(row, row + kq, Pair(0));
        continue;
      }
      const float* a = A + (i0 + r) * rsa;
      Index q = 0;
      if (csa == 1)  // consecutive k are adjacent: 32 floats -> 32 bfloat16 in order = 16 pairs
        for (; 2 * q + 32 <= kc; q += 16)
          _mm512_storeu_si512(
              row + q, (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(a + 2 * q + 16), _mm512_loadu_ps(a + 2 * q)));
      for (; q < kq; ++q) row[q] = pair_of(a[2 * q * csa], 2 * q + 1 < kc ? a[(2 * q + 1) * csa] : 0.0f);
    }
}

// B[0:kc, 0:cols] -> one NR-column micro-panel of pairs: panel[q·NR + c] = (B[2q, c], B[2q + 1, c]).
void pack_B_panel(Index kc, Index cols, const float* B, Index rsb, Index csb, Pair* buf) {
  const Index kq = (kc + 1) / 2;
  for (Index q = 0; q < kq; ++q, buf += NR) {
    const float* r0 = B + 2 * q * rsb;
    const bool has_hi = 2 * q + 1 < kc;
    if (csb == 1 && cols == NR) {
      for (Index h = 0; h < NR; h += 16)
        _mm512_store_si512(
            buf + h, pairs_of(_mm512_loadu_ps(r0 + h), has_hi ? _mm512_loadu_ps(r0 + rsb + h) : _mm512_setzero_ps()));
      continue;
    }
    for (Index c = 0; c < cols; ++c) buf[c] = pair_of(r0[c * csb], has_hi ? r0[rsb + c * csb] : 0.0f);
    std::fill(buf + cols, buf + NR, Pair(0));
  }
}

// C[0:mr, 0:nr] (+)= A (MR rows of kq pairs) · Bp (kq pairs × NR), float32 sums.
void micro_kernel(Index kq, const Pair* A, const Pair* Bp, float* C, Index ldc, Index mr, Index nr, bool accumulate) {
  __m512 c[MR][2];
  for (auto& row : c) row[0] = row[1] = _mm512_setzero_ps();
  for (Index q = 0; q < kq; ++q, Bp += NR) {
    const __m512bh b0 = (__m512bh)_mm512_load_si512(Bp), b1 = (__m512bh)_mm512_load_si512(Bp + 16);
    for (Index r = 0; r < MR; ++r) {  // unrolled by the compiler: 12 accumulators in registers
      const __m512bh a = (__m512bh)_mm512_set1_epi32(static_cast<int>(A[r * kq + q]));
      c[r][0] = _mm512_dpbf16_ps(c[r][0], a, b0);
      c[r][1] = _mm512_dpbf16_ps(c[r][1], a, b1);
    }
  }
  alignas(64) float tile[NR];
  for (Index r = 0; r < mr; ++r) {
    float* cr = C + r * ldc;
    if (nr == NR) {
      for (Index h = 0; h < 2; ++h) {
        const __m512 v = accumulate ? _mm512_add_ps(_mm512_loadu_ps(cr + 16 * h), c[r][h]) : c[r][h];
        _mm512_storeu_ps(cr + 16 * h, v);
      }
      continue;
    }
    _mm512_store_ps(tile, c[r][0]);
    _mm512_store_ps(tile + 16, c[r][1]);
    for (Index j = 0; j < nr; ++j) cr[j] = accumulate ? cr[j] + tile[j] : tile[j];
  }
}

// gemm_fast's loop nest with the pair packing: row blocks shared among nt threads (and column panels when the
// blocks do not divide evenly).
void gemm_blocked(Index M, Index N, Index K, const float* A, Index rsa, Index csa, const float* B, Index rsb, Index csb,
                  float* C, Index ldc, int nt) {
  const RowBlocks plan = plan_row_blocks(M, MC, MR, nt);
  const Index mc_rows = plan.rows, mblocks = plan.count, nsplit = plan.nsplit;
  static thread_local Buffer<Pair> b_buf;
  Pair* Bp = scratch(b_buf, static_cast<std::size_t>((KC / 2) * std::min(NC, (N + NR - 1) / NR * NR)));
  for (Index jc = 0; jc < N; jc += NC) {
    const Index nc = std::min(NC, N - jc), npanels = (nc + NR - 1) / NR;
    for (Index pc = 0; pc < K; pc += KC) {
      const Index kc = std::min(KC, K - pc), kq = (kc + 1) / 2;
#pragma omp parallel num_threads(nt)
      {
#pragma omp for schedule(static)
        for (Index jp = 0; jp < npanels; ++jp)
          pack_B_panel(kc, std::min(NR, nc - jp * NR), B + pc * rsb + (jc + jp * NR) * csb, rsb, csb,
                       Bp + jp * NR * kq);
        static thread_local Buffer<Pair> a_buf;
        Pair* Ap = scratch(a_buf, static_cast<std::size_t>(MC * (KC / 2)));
#pragma omp for schedule(static) collapse(2)
        for (Index ib = 0; ib < mblocks; ++ib)
          for (Index jq = 0; jq < nsplit; ++jq) {
            const Index ic = ib * mc_rows, mc = std::min(mc_rows, M - ic);
            const Index jp0 = npanels * jq / nsplit, jp1 = npanels * (jq + 1) / nsplit;
            if (jp0 == jp1) continue;
            pack_A(mc, kc, A + ic * rsa + pc * csa, rsa, csa, Ap);
            for (Index jp = jp0; jp < jp1; ++jp)
              for (Index ir = 0; ir < mc; ir += MR)
                micro_kernel(kq, Ap + ir * kq, Bp + jp * NR * kq, C + (ic + ir) * ldc + jc + jp * NR, ldc,
                             std::min(MR, mc - ir), std::min(NR, nc - jp * NR), pc > 0);
          }
      }
    }
  }
}

// A small C with a long K (a Linear layer's weight gradient): each thread a K range, summed in thread order.
void gemm_split_k(Index M, Index N, Index K, const float* A, Index rsa, Index csa, const float* B, Index rsb, Index csb,
                  float* C, Index ldc, int nt) {
  std::vector<Buffer<float>> part(static_cast<std::size_t>(nt));
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num();
    const Index k0 = K * t / nt / 2 * 2, k1 = t + 1 == nt ? K : K * (t + 1) / nt / 2 * 2;  // even starts: whole pairs
    float* Ct = t == 0 ? C : scratch(part[t], static_cast<std::size_t>(M * N));
    gemm_blocked(M, N, k1 - k0, A + k0 * csa, rsa, csa, B + k0 * rsb, rsb, csb, Ct, t == 0 ? ldc : N, 1);
  }
  for (int t = 1; t < nt; ++t)
    for (Index i = 0; i < M; ++i)
      for (Index j = 0; j < N; ++j) C[i * ldc + j] += part[t][i * N + j];
}

}  // namespace

bool gemm_bf16_available() { return true; }

void gemm_bf16(Index M, Index N, Index K, const float* A, Index rsa, Index csa, const float* B, Index rsb, Index csb,
               float* C, Index ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    for (Index i = 0; i < M; ++i) std::fill(C + i * ldc, C + i * ldc + N, 0.0f);
    return;
  }
  const int nt = gemm_threads(M, N, K);
  if (nt > 1 && M <= MC && K >= 2 * KC * nt)
    gemm_split_k(M, N, K, A, rsa, csa, B, rsb, csb, C, ldc, nt);
  else
    gemm_blocked(M, N, K, A, rsa, csa, B, rsb, csb, C, ldc, nt);
}

#else

bool gemm_bf16_available() { return false; }

void gemm_bf16(std::int64_t, std::int64_t, std::int64_t, const float*, std::int64_t, std::int64_t, const float*,
               std::int64_t, std::int64_t, float*, std::int64_t) {
  throw std::runtime_error("gemm_bf16: this build has no AVX512-BF16 (build with -march=native on a CPU that has it)");
}

#endif

void set_matmul_precision(MatmulPrecision p) {
  if (p == MatmulPrecision::bf16 && !gemm_bf16_available())
    throw std::invalid_argument(
        "bf16 matmuls need AVX512-BF16, which this build does not have (build with -march=native on a CPU that has "
        "it)");
  matmul_precision_setting() = p;
}

}  // namespace recgrad::kernels
