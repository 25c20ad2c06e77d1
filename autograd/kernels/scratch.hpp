// recgrad/autograd/kernels/scratch.hpp — per-thread scratch buffers for the kernels (packed GEMM panels,
// attention blocks): 64-byte aligned, grown once and reused, so no kernel allocates in its inner loop.
#pragma once
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

}  // namespace recgrad::kernels
