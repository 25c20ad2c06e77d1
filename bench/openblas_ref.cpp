// OpenBLAS sgemm as a comparison column only (its own TU: OpenBLAS's cblas.h clashes with xtensor-blas).
#include <cblas.h>

namespace recgrad::bench {

// C (M×N) = A (M×K) · B (K×N), row-major, single precision.
void openblas_sgemm(int M, int N, int K, const float* A, const float* B, float* C) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N);
}

void openblas_threads(int n) { openblas_set_num_threads(n); }

}  // namespace recgrad::bench
