// recgrad/autograd/kernels/gemm_bf16.hpp — C = A · B for float32 operands with bfloat16 products and
// float32 sums: each operand is rounded to bfloat16 (8 bits of mantissa, round to nearest even) while it
// is packed, and AVX512-BF16's vdpbf16ps multiplies two such pairs per float lane and adds them to float32
// accumulators — twice the multiplies of a float32 FMA per instruction. Same arguments as gemm_fast.
// Used by matmul when the precision is set to bf16 (kernels::set_matmul_precision), never by default.
#pragma once
#include <cstdint>

namespace recgrad::kernels {

// True when this build can run it (compiled with AVX512-BF16: -march=native on a CPU that has it).
bool gemm_bf16_available();

void gemm_bf16(std::int64_t M, std::int64_t N, std::int64_t K, const float* A, std::int64_t rsa, std::int64_t csa,
               const float* B, std::int64_t rsb, std::int64_t csb, float* C, std::int64_t ldc);

// float -> bfloat16 bits, rounded to nearest even (NaN stays NaN): the rounding the kernel applies.
inline std::uint16_t to_bf16(float x) {
  std::uint32_t u;
  __builtin_memcpy(&u, &x, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 0x40u);  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<std::uint16_t>(u >> 16);
}
inline float from_bf16(std::uint16_t h) {
  const std::uint32_t u = static_cast<std::uint32_t>(h) << 16;
  float x;
  __builtin_memcpy(&x, &u, 4);
  return x;
}

}  // namespace recgrad::kernels
