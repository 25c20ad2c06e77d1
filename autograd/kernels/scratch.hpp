// recgrad/autograd/kernels/scratch.hpp — per-thread scratch buffers for the kernels (packed GEMM panels,
// attention blocks): 64-byte aligned, grown once and reused, so no kernel allocates in its inner loop.
#pragma once
#include <algorithm>
#include <cstddef>
#include <vector>

#include <xsimd/xsimd.hpp>

namespace recgrad::kernels {

template <class T>
using Buffer = std::vector<T, xsimd::aligned_allocator<T, 64>>;

// The buffer's data, grown to at least n elements.
template <class T>
T* scratch(Buffer<T>& v, std::size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

// Rows (and columns) per causal block of the fused attention kernels; a multiple of the GEMM's 6-row tile.
constexpr long kCausalBlock = 48;

// The live window [lo, hi) of one sequence: from its first to one past its last real position (key_valid
// != 0); the whole of [0, T) without a mask, empty when nothing is real. The attention kernels compute
// only inside it: a padding position's output is 0, and with left or right padding everything outside
// the window is padding, so short sequences cost (length / T)² of a full one.
struct LiveWindow {
  long lo, hi;
  long size() const { return hi - lo; }
};

template <class T>
LiveWindow live_window(const T* valid, long Tn) {
  if (!valid) return {0, Tn};
  long lo = 0, hi = Tn;
  while (lo < Tn && valid[lo] == T(0)) ++lo;
  while (hi > lo && valid[hi - 1] == T(0)) --hi;
  return {lo, hi};
}

// Zero rows [r0, r1) of a row-major matrix with `width` columns.
template <class T>
void zero_rows(T* m, long r0, long r1, long width) {
  if (r1 > r0) std::fill(m + r0 * width, m + r1 * width, T(0));
}

}  // namespace recgrad::kernels
