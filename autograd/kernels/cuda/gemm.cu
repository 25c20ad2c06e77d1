// matmul on the GPU: cuBLAS's strided-batched GEMM (float32 without TF32, so the CPU's numbers hold to ~1e-6
// relative), and a readable 16×16 shared-memory tiled kernel that the reference path runs (kernels::Path::reference),
// which the tests check cuBLAS against.
//
// cuBLAS is column-major. A row-major (M, K) matrix with strides (rs, cs) is, read column-major, either Aᵀ with
// leading dimension rs (cs = 1) or A with leading dimension cs (rs = 1). So the row-major C = A B is computed as the
// column-major Cᵀ = Bᵀ Aᵀ, with each operand transposed or not by which of its strides is 1.
#include <cublas_v2.h>

#include "autograd/grad_mode.hpp"
#include "autograd/kernels/cuda/common.cuh"
#include "autograd/kernels/kernel_path.hpp"
#include "autograd/ops.hpp"

namespace recgrad::kernels::gpu {

void fill(const Tensor& t, double value);  // elementwise.cu

namespace {

cublasHandle_t handle() {
  static cublasHandle_t h = [] {
    cublasHandle_t created;
    if (cublasCreate(&created) != CUBLAS_STATUS_SUCCESS) throw std::runtime_error("cuBLAS: cublasCreate failed");
    cublasSetStream(created, stream());
    cublasSetMathMode(created, CUBLAS_DEFAULT_MATH);  // no TF32: float32 products as on the CPU
    return created;
  }();
  return h;
}

void check_blas(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) throw std::runtime_error(std::string("cuBLAS: ") + what + " failed with status " +
                                                           std::to_string(static_cast<int>(s)));
}

// One operand of the batched product: element (batch, i, j) at base + batch·stride_batch + i·rs + j·cs.
struct MatrixOperand {
  Tensor keep;  // owns a dense copy when one was needed
  std::int64_t batch_stride, rs, cs;
};

// t (…, R, C) broadcast to batch dims `batch`: in place when one batch stride reaches every batch element and one
// of the matrix strides is 1; otherwise a dense copy of its broadcast.
MatrixOperand matrix_operand(const Tensor& t, const Shape& batch) {
  const int nb = static_cast<int>(batch.size()), nt = t.dim(), lead = nb - (nt - 2);
  const std::int64_t R = t.size(-2), C = t.size(-1);
  // A size-1 axis's stride is free: pick the one cuBLAS accepts.
  std::int64_t rs = t.strides()[nt - 2], cs = C == 1 ? 1 : t.strides()[nt - 1];
  if (R == 1) rs = cs == 1 ? std::max<std::int64_t>(C, 1) : 1;
  const bool blas_ok =
      (cs == 1 && rs >= std::max<std::int64_t>(C, 1)) || (rs == 1 && cs >= std::max<std::int64_t>(R, 1));
  // Batch element z (row-major over `batch`) must sit at z · S: stride S · (elements of the batch axes inside d).
  bool uniform = true;
  std::int64_t S = -1, inside = 1;
  for (int d = nb - 1; d >= 0; --d) {
    if (batch[d] == 1) continue;
    const int td = d - lead;
    const std::int64_t s = (td >= 0 && t.shape()[td] != 1) ? t.strides()[td] : 0;
    if (S < 0) S = s;  // the innermost real batch axis sets S
    if (s != S * inside) uniform = false;
    inside *= batch[d];
  }
  if (uniform && blas_ok) return {t, S < 0 ? 0 : S, rs, cs};
  Shape full = batch;
  full.push_back(R);
  full.push_back(C);
  const Tensor dense = expand(t, full).contiguous();
  return {dense, R * C, C, 1};
}

template <class T>
cublasStatus_t gemm_batched(cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k, const T* A, int lda,
                            long long sa, const T* B, int ldb, long long sb, T* C, int ldc, long long sc, int batch) {
  const T one = T(1), zero = T(0);
  if constexpr (std::is_same_v<T, float>)
    return cublasSgemmStridedBatched(handle(), ta, tb, m, n, k, &one, A, lda, sa, B, ldb, sb, &zero, C, ldc, sc, batch);
  else
    return cublasDgemmStridedBatched(handle(), ta, tb, m, n, k, &one, A, lda, sa, B, ldb, sb, &zero, C, ldc, sc, batch);
}

// The readable reference: each block computes a 16×16 tile of C, walking K in 16-wide tiles of A and B held in
// shared memory.   C[i, j] = Σ_p A[i, p] B[p, j]
constexpr int kTile = 16;
template <class T>
__global__ void gemm_tiled(int M, int N, int K, const T* A, std::int64_t sa, std::int64_t rsa, std::int64_t csa,
                           const T* B, std::int64_t sb, std::int64_t rsb, std::int64_t csb, T* C) {
  __shared__ T As[kTile][kTile], Bs[kTile][kTile];
  const std::int64_t z = blockIdx.z;
  A += z * sa;
  B += z * sb;
  C += z * std::int64_t(M) * N;
  const int i = blockIdx.y * kTile + threadIdx.y, j = blockIdx.x * kTile + threadIdx.x;
  T acc = T(0);
  for (int p0 = 0; p0 < K; p0 += kTile) {
    const int pa = p0 + threadIdx.x, pb = p0 + threadIdx.y;
    As[threadIdx.y][threadIdx.x] = (i < M && pa < K) ? A[i * rsa + pa * csa] : T(0);
    Bs[threadIdx.y][threadIdx.x] = (pb < K && j < N) ? B[pb * rsb + j * csb] : T(0);
    __syncthreads();
    for (int p = 0; p < kTile; ++p) acc += As[threadIdx.y][p] * Bs[p][threadIdx.x];
    __syncthreads();
  }
  if (i < M && j < N) C[std::int64_t(i) * N + j] = acc;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, const Shape& out) {
  const int nd = static_cast<int>(out.size());
  const Shape batch(out.begin(), out.end() - 2);
  const std::int64_t M = out[nd - 2], N = out[nd - 1], K = a.size(-1);
  std::int64_t nbatch = 1;
  for (auto d : batch) nbatch *= d;
  Tensor c = empty_on_gpu(out, a.dtype());
  if (c.numel() == 0) return c;
  if (K == 0) {
    fill(c, 0.0);
    return c;
  }
  NoGradGuard no_grad;  // a dense copy made here is part of the kernel, not of the tape
  const MatrixOperand A = matrix_operand(a, batch), B = matrix_operand(b, batch);
  float_types(a.dtype(), "matmul", [&](auto tag) {
    using T = decltype(tag);
    const T* pa = ptr<T>(A.keep);
    const T* pb = ptr<T>(B.keep);
    if (!use_fast()) {  // the tiled teaching kernel
      const dim3 grid(static_cast<unsigned>((N + kTile - 1) / kTile), static_cast<unsigned>((M + kTile - 1) / kTile),
                      static_cast<unsigned>(nbatch));
      gemm_tiled<T><<<grid, dim3(kTile, kTile), 0, stream()>>>(int(M), int(N), int(K), pa, A.batch_stride, A.rs, A.cs,
                                                               pb, B.batch_stride, B.rs, B.cs, ptr<T>(c));
      return RECGRAD_CUDA_LAUNCHED("matmul (tiled)");
    }
    // Cᵀ (N × M, ld N) = op(Bᵀ) (N × K) · op(Aᵀ) (K × M)
    const bool b_rows = B.cs == 1, a_rows = A.cs == 1;
    check_blas(gemm_batched<T>(b_rows ? CUBLAS_OP_N : CUBLAS_OP_T, a_rows ? CUBLAS_OP_N : CUBLAS_OP_T, int(N), int(M),
                               int(K), pb, int(b_rows ? B.rs : B.cs), B.batch_stride, pa, int(a_rows ? A.rs : A.cs),
                               A.batch_stride, ptr<T>(c), int(N), M * N, int(nbatch)),
               "gemm");
  });
  return c;
}

}  // namespace recgrad::kernels::gpu
