// BLIS-style GEMM (Goto's algorithm): C is computed in NC-wide column panels; each KC-deep slice of B
// is packed into NR-wide micro-panels, each MC-tall slice of A into MR-tall micro-panels, and an
// MR × NR register tile of C is accumulated with FMAs from one A column and one B row per step.
// Panels are zero-padded, so ragged edges run the same micro-kernel and only the store is partial.
#include "autograd/kernels/gemm.hpp"
#include "autograd/kernels/kernel_path.hpp"
#include "autograd/kernels/scratch.hpp"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include <xsimd/xsimd.hpp>

namespace recgrad::kernels {

using Index = std::int64_t;

template <class T>
void gemm_reference(Index M, Index N, Index K, const T* A, Index rsa, Index csa, const T* B, Index rsb, Index csb, T* C,
                    Index ldc) {
  // C[i, j] = Σ_p A[i, p] B[p, j]
  for (Index i = 0; i < M; ++i)
    for (Index j = 0; j < N; ++j) {
      T acc = 0;
      for (Index p = 0; p < K; ++p) acc += A[i * rsa + p * csa] * B[p * rsb + j * csb];
      C[i * ldc + j] = acc;
    }
}

template <class T>
struct Blocking {
  using V = xsimd::batch<T>;
  static constexpr Index W = static_cast<Index>(V::size);
  static constexpr Index MR = 6;      // rows of the register tile
  static constexpr Index NR = 2 * W;  // columns: two vectors
  static constexpr Index KC = 256;    // depth of a packed slice (A panel ~ L1, B panel ~ L2)
  static constexpr Index MC = 120;    // rows of packed A per block (multiple of MR)
  static constexpr Index NC = 3072;   // columns of packed B per block (multiple of NR)
};

// Up to this many column panels per thread, A is read in place rather than packed.
constexpr Index kPackAPanels = 8;

// Packs A[ic:ic+mc, pc:pc+kc] into MR-row micro-panels, column-major inside each panel.
template <class T>
void pack_A(Index mc, Index kc, const T* A, Index rsa, Index csa, T* buf) {
  constexpr Index MR = Blocking<T>::MR;
  for (Index i0 = 0; i0 < mc; i0 += MR) {
    const Index rows = std::min(MR, mc - i0);
    for (Index p = 0; p < kc; ++p) {
      for (Index r = 0; r < rows; ++r) buf[r] = A[(i0 + r) * rsa + p * csa];
      for (Index r = rows; r < MR; ++r) buf[r] = T(0);
      buf += MR;
    }
  }
}

// Packs B[pc:pc+kc, jc:jc+nc] into NR-column micro-panels, row-major inside each panel.
template <class T>
void pack_B_panel(Index kc, Index cols, const T* B, Index rsb, Index csb, T* buf) {
  constexpr Index NR = Blocking<T>::NR;
  for (Index p = 0; p < kc; ++p) {
    const T* row = B + p * rsb;
    if (csb == 1 && cols == NR)
      std::memcpy(buf, row, sizeof(T) * NR);
    else {
      for (Index c = 0; c < cols; ++c) buf[c] = row[c * csb];
      for (Index c = cols; c < NR; ++c) buf[c] = T(0);
    }
    buf += NR;
  }
}

// C[0:mr, 0:nr] (+)= A (MR × kc) · Bp (kc × NR). A's element (r, p) is at A[r * ra + p * ca]: a packed
// micro-panel (ra = 1, ca = MR) or, when N is too narrow for packing to pay off, A itself. With
// `accumulate` false the tile is stored, not added (the first K-slice: no zero-fill pass over C).
// Wide = false computes only the first vector of columns: the ragged last panel when nr ≤ W.
template <class T, bool Wide>
void micro_kernel_impl(Index kc, const T* A, Index ra, Index ca, const T* Bp, T* C, Index ldc, Index mr, Index nr,
                       bool accumulate) {
  using V = xsimd::batch<T>;
  constexpr Index W = Blocking<T>::W, MR = Blocking<T>::MR, NR = Blocking<T>::NR;
  V c00(T(0)), c01(T(0)), c10(T(0)), c11(T(0)), c20(T(0)), c21(T(0));
  V c30(T(0)), c31(T(0)), c40(T(0)), c41(T(0)), c50(T(0)), c51(T(0));
  // Rows past mr read row 0 again (their results are never stored).
  const T* a0 = A;
  const T* a1 = A + (mr > 1 ? ra : 0);
  const T* a2 = A + (mr > 2 ? 2 * ra : 0);
  const T* a3 = A + (mr > 3 ? 3 * ra : 0);
  const T* a4 = A + (mr > 4 ? 4 * ra : 0);
  const T* a5 = A + (mr > 5 ? 5 * ra : 0);
  // Ask for the C tile's cache lines now, for writing: with a short K (the 200 × 200 × 50 attention
  // scores) the loop below is over in a few hundred cycles, and when C is too big for the caches every
  // store at the end would otherwise wait for its line (75 % -> 97 % of OpenBLAS on that shape).
  for (Index r = 0; r < mr; ++r) {
    __builtin_prefetch(C + r * ldc, 1);
    __builtin_prefetch(C + r * ldc + nr - 1, 1);
    if constexpr (Wide) __builtin_prefetch(C + r * ldc + W, 1);
  }
  for (Index p = 0; p < kc; ++p) {
    const Index o = p * ca;
    const V b0 = V::load_aligned(Bp);
    if constexpr (Wide) {
      const V b1 = V::load_aligned(Bp + W);
      // one row of the 6 × 2W tile per line
      // clang-format off
      V a(a0[o]);   c00 = xsimd::fma(a, b0, c00); c01 = xsimd::fma(a, b1, c01);
      a = V(a1[o]); c10 = xsimd::fma(a, b0, c10); c11 = xsimd::fma(a, b1, c11);
      a = V(a2[o]); c20 = xsimd::fma(a, b0, c20); c21 = xsimd::fma(a, b1, c21);
      a = V(a3[o]); c30 = xsimd::fma(a, b0, c30); c31 = xsimd::fma(a, b1, c31);
      a = V(a4[o]); c40 = xsimd::fma(a, b0, c40); c41 = xsimd::fma(a, b1, c41);
      a = V(a5[o]); c50 = xsimd::fma(a, b0, c50); c51 = xsimd::fma(a, b1, c51);
      // clang-format on
    } else {
      c00 = xsimd::fma(V(a0[o]), b0, c00);
      c10 = xsimd::fma(V(a1[o]), b0, c10);
      c20 = xsimd::fma(V(a2[o]), b0, c20);
      c30 = xsimd::fma(V(a3[o]), b0, c30);
      c40 = xsimd::fma(V(a4[o]), b0, c40);
      c50 = xsimd::fma(V(a5[o]), b0, c50);
    }
    Bp += NR;
  }
  const V acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (nr == NR) {
    for (Index r = 0; r < mr; ++r) {
      T* cr = C + r * ldc;
      if (accumulate) {
        (V::load_unaligned(cr) + acc[r][0]).store_unaligned(cr);
        (V::load_unaligned(cr + W) + acc[r][1]).store_unaligned(cr + W);
      } else {
        acc[r][0].store_unaligned(cr);
        acc[r][1].store_unaligned(cr + W);
      }
    }
    return;
  }
  alignas(64) T tile[NR];
  for (Index r = 0; r < mr; ++r) {
    acc[r][0].store_aligned(tile);
    acc[r][1].store_aligned(tile + W);
    T* cr = C + r * ldc;
    if (accumulate)
      for (Index c = 0; c < nr; ++c) cr[c] += tile[c];
    else
      for (Index c = 0; c < nr; ++c) cr[c] = tile[c];
  }
}

template <class T>
void micro_kernel(Index kc, const T* A, Index ra, Index ca, const T* Bp, T* C, Index ldc, Index mr, Index nr,
                  bool accumulate) {
  if (nr <= Blocking<T>::W)
    micro_kernel_impl<T, false>(kc, A, ra, ca, Bp, C, ldc, mr, nr, accumulate);
  else
    micro_kernel_impl<T, true>(kc, A, ra, ca, Bp, C, ldc, mr, nr, accumulate);
}

template <class T>
void gemm_fast(Index M, Index N, Index K, const T* A, Index rsa, Index csa, const T* B, Index rsb, Index csb, T* C,
               Index ldc);

// C = Σ_t A[:, K_t] B[K_t, :] over nt equal K ranges, one per thread, summed in thread order (the same
// numbers for a given thread count). For a small C with a long K — the weight gradient of a Linear layer
// over tens of thousands of rows — where sharing C's row blocks would leave one block for two threads.
template <class T>
void gemm_split_k(Index M, Index N, Index K, const T* A, Index rsa, Index csa, const T* B, Index rsb, Index csb, T* C,
                  Index ldc, int nt) {
  std::vector<Buffer<T>> part(static_cast<std::size_t>(nt));
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num();
    const Index k0 = K * t / nt, k1 = K * (t + 1) / nt;
    T* Ct = t == 0 ? C : scratch(part[t], static_cast<std::size_t>(M * N));
    gemm_fast(M, N, k1 - k0, A + k0 * csa, rsa, csa, B + k0 * rsb, rsb, csb, Ct, t == 0 ? ldc : N);  // serial here
  }
  for (int t = 1; t < nt; ++t)
    for (Index i = 0; i < M; ++i)
      for (Index j = 0; j < N; ++j) C[i * ldc + j] += part[t][i * N + j];
}

int gemm_threads(Index M, Index N, Index K) {
  const double flops = 2.0 * M * N * K;
  return (!may_open_team() || flops < 2e6) ? 1 : omp_get_max_threads();
}

template <class T>
void gemm_fast(Index M, Index N, Index K, const T* A, Index rsa, Index csa, const T* B, Index rsb, Index csb, T* C,
               Index ldc) {
  using Bk = Blocking<T>;
  constexpr Index MR = Bk::MR, NR = Bk::NR, KC = Bk::KC, MC = Bk::MC, NC = Bk::NC;
  if (M == 0 || N == 0) return;
  if (K == 0) {
    for (Index i = 0; i < M; ++i) std::fill(C + i * ldc, C + i * ldc + N, T(0));
    return;
  }
  const int nt = gemm_threads(M, N, K);
  if (nt > 1 && M <= MC && K >= 2 * KC * nt) {  // small C, long K (a weight gradient Xᵀ G): split K
    gemm_split_k(M, N, K, A, rsa, csa, B, rsb, csb, C, ldc, nt);
    return;
  }
  const RowBlocks plan = plan_row_blocks(M, MC, MR, nt);
  const Index mc_rows = plan.rows, mblocks = plan.count, nsplit = plan.nsplit;
  static thread_local Buffer<T> b_buf;
  T* Bp = scratch(b_buf, static_cast<std::size_t>(KC * std::min(NC, (N + NR - 1) / NR * NR)));
  for (Index jc = 0; jc < N; jc += NC) {
    const Index nc = std::min(NC, N - jc);
    const Index npanels = (nc + NR - 1) / NR;
    for (Index pc = 0; pc < K; pc += KC) {
      const Index kc = std::min(KC, K - pc);
#pragma omp parallel num_threads(nt)
      {
#pragma omp for schedule(static)
        for (Index jp = 0; jp < npanels; ++jp)
          pack_B_panel(kc, std::min(NR, nc - jp * NR), B + pc * rsb + (jc + jp * NR) * csb, rsb, csb,
                       Bp + jp * NR * kc);
        static thread_local Buffer<T> a_buf;
        T* Ap = scratch(a_buf, static_cast<std::size_t>(MC * KC));
        // Row blocks are shared out among threads; when they do not divide evenly, column panels too.
#pragma omp for schedule(static) collapse(2)
        for (Index ib = 0; ib < mblocks; ++ib)
          for (Index jq = 0; jq < nsplit; ++jq) {
            const Index ic = ib * mc_rows, mc = std::min(mc_rows, M - ic);
            const Index jp0 = npanels * jq / nsplit, jp1 = npanels * (jq + 1) / nsplit;
            if (jp0 == jp1) continue;
            // Packing A pays off when its block is reused across many column panels; for narrow C
            // (the d = 50 projections) the micro-kernel reads A in place.
            const T* Ablk = A + ic * rsa + pc * csa;
            const bool pack = (jp1 - jp0) > kPackAPanels;
            if (pack) pack_A(mc, kc, Ablk, rsa, csa, Ap);
            for (Index jp = jp0; jp < jp1; ++jp) {
              const Index jr = jp * NR, nr = std::min(NR, nc - jr);
              for (Index ir = 0; ir < mc; ir += MR) {
                T* Ct = C + (ic + ir) * ldc + jc + jr;
                const Index mr = std::min(MR, mc - ir);
                if (pack)
                  micro_kernel(kc, Ap + ir * kc, 1, MR, Bp + jp * NR * kc, Ct, ldc, mr, nr, pc > 0);
                else
                  micro_kernel(kc, Ablk + ir * rsa, rsa, csa, Bp + jp * NR * kc, Ct, ldc, mr, nr, pc > 0);
              }
            }
          }
      }
    }
  }
}

template <class T>
Index packed_B_size(Index K, Index N) {
  constexpr Index NR = Blocking<T>::NR;
  return K * ((N + NR - 1) / NR) * NR;
}

template <class T>
void pack_B_full(Index K, Index N, const T* B, Index rsb, Index csb, T* Bp) {
  constexpr Index NR = Blocking<T>::NR;
  for (Index jp = 0; jp * NR < N; ++jp)
    pack_B_panel(K, std::min(NR, N - jp * NR), B + jp * NR * csb, rsb, csb, Bp + jp * NR * K);
}

template <class T>
void gemm_prepacked(Index M, Index N, Index K, const T* A, Index rsa, Index csa, const T* Bp, Index Kfull, Index k0,
                    T* C, Index ldc) {
  constexpr Index MR = Blocking<T>::MR, NR = Blocking<T>::NR;
  if (K == 0) {
    for (Index i = 0; i < M; ++i) std::fill(C + i * ldc, C + i * ldc + N, T(0));
    return;
  }
  for (Index jr = 0; jr < N; jr += NR) {
    const T* panel = Bp + jr * Kfull + k0 * NR;  // panel jr / NR starts at (jr / NR) * NR * Kfull
    for (Index ir = 0; ir < M; ir += MR)
      micro_kernel(K, A + ir * rsa, rsa, csa, panel, C + ir * ldc + jr, ldc, std::min(MR, M - ir), std::min(NR, N - jr),
                   false);
  }
}

template Index packed_B_size<float>(Index, Index);
template Index packed_B_size<double>(Index, Index);
template void pack_B_full<float>(Index, Index, const float*, Index, Index, float*);
template void pack_B_full<double>(Index, Index, const double*, Index, Index, double*);
template void gemm_prepacked<float>(Index, Index, Index, const float*, Index, Index, const float*, Index, Index, float*,
                                    Index);
template void gemm_prepacked<double>(Index, Index, Index, const double*, Index, Index, const double*, Index, Index,
                                     double*, Index);

template void gemm_reference<float>(Index, Index, Index, const float*, Index, Index, const float*, Index, Index, float*,
                                    Index);
template void gemm_reference<double>(Index, Index, Index, const double*, Index, Index, const double*, Index, Index,
                                     double*, Index);
template void gemm_fast<float>(Index, Index, Index, const float*, Index, Index, const float*, Index, Index, float*,
                               Index);
template void gemm_fast<double>(Index, Index, Index, const double*, Index, Index, const double*, Index, Index, double*,
                                Index);

}  // namespace recgrad::kernels
