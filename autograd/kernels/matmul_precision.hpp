// recgrad/autograd/kernels/matmul_precision.hpp — the one numeric switch of the fast path: float32 matmuls
// multiply in float32 (the default) or in bfloat16 with float32 sums (kernels/gemm_bf16.hpp). No OpenMP here, so
// configuration code (training/config.hpp, the notebooks' interpreter) can name it.
#pragma once
#include <atomic>

namespace recgrad::kernels {

// The products of matmul on the fast path in float32: float32 multiplies (the default), or bfloat16 multiplies
// with float32 sums (kernels/gemm_bf16.hpp; AVX512-BF16 only). Float64 matmuls and the attention kernels'
// products are never rounded.
enum class MatmulPrecision { float32, bf16 };

inline std::atomic<MatmulPrecision>& matmul_precision_setting() {
  static std::atomic<MatmulPrecision> p{MatmulPrecision::float32};
  return p;
}
inline MatmulPrecision matmul_precision() { return matmul_precision_setting().load(std::memory_order_relaxed); }
// Throws std::invalid_argument for bf16 when this build cannot run it.
void set_matmul_precision(MatmulPrecision p);

}  // namespace recgrad::kernels
