// The CUDA table (autograd/kernels/cuda/backend.hpp): one entry per kernel, filled from the .cu files beside this one.
#include "autograd/kernels/cuda/common.cuh"

namespace recgrad::kernels {

namespace gpu {
// runtime.cu
int device_count();
const char* device_name();
void* allocate(std::size_t nbytes);
void deallocate(void* p, std::size_t nbytes);
void empty_cache();
std::size_t cached_bytes();
void copy_bytes(void* dst, bool dst_on_gpu, const void* src, bool src_on_gpu, std::size_t nbytes);
void synchronize();
// elementwise.cu
void fill(const Tensor& t, double value);
Tensor dense_copy(const Tensor& src, DType to);
void copy_into(const Tensor& dst, const Tensor& src);
Tensor unary(Unary f, const Tensor& x);
Tensor binary(Binary f, const Tensor& a, const Tensor& b, const Shape& out);
Tensor inside_mask(const Tensor& x, double lo, double hi);
Tensor clamp(const Tensor& x, double lo, double hi);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b, const Shape& out);
Tensor padding_mask(const Tensor& ids, std::int64_t pad, DType dtype);
Tensor dropout_mask(const Shape& shape, DType dtype, double p, std::uint64_t key, std::uint64_t base);
// reduce.cu
Tensor reduce(Reduce op, const Tensor& x, const std::vector<int>& axes);
Tensor argmin(const Tensor& x, int axis);
Tensor softmax_rows(const Tensor& x, bool log);
Tensor softmax_rows_backward(const Tensor& y, const Tensor& g, bool log);
LayerNormForward layer_norm_rows(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps);
LayerNormBackward layer_norm_rows_backward(const Tensor& g, const LayerNormForward& saved, const Tensor& gamma,
                                           bool affine);
// gemm.cu
Tensor matmul(const Tensor& a, const Tensor& b, const Shape& out);
// indexing.cu
Tensor select_rows(const Tensor& x, int axis, const Tensor& ids);
Tensor scatter_add_rows(const Tensor& g, const Shape& x_shape, int axis, const Tensor& ids, std::int64_t skip);
Tensor take(const Tensor& x, const Tensor& offsets, const Shape& out);
Tensor put_add(const Tensor& g, const Tensor& offsets, const Shape& x_shape);
Tensor embedding_dot(const Tensor& h, const Tensor& W, const Tensor& ids);
void embedding_dot_backward(const Tensor& g, const Tensor& h, const Tensor& W, const Tensor& ids, Tensor& gh,
                            Tensor& gW);
// attention.cu
void attention_forward(const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& query_valid,
                       const Tensor& key_valid, const AttentionDims& d, double scale, const AttentionDropout& drop,
                       Tensor& P, Tensor& Pd, Tensor& O);
void attention_backward(const Tensor& dO, const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& P,
                        const Tensor& Pd, const Tensor& query_valid, const Tensor& key_valid, const AttentionDims& d,
                        double scale, double p, Tensor& dQ, Tensor& dK, Tensor& dV);
void hstu_forward(const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& rab, bool rab_batched,
                  const Tensor& inv_n, const Tensor& key_valid, const HstuAttentionDims& d, Tensor& Z, Tensor& A,
                  Tensor& O);
void hstu_backward(const Tensor& dO, const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& Z,
                   const Tensor& A, const Tensor& inv_n, const Tensor& key_valid, const HstuAttentionDims& d,
                   Tensor& dQ, Tensor& dK, Tensor& dV, Tensor& dZ);
// optim.cu
void adam_step(const Tensor& theta, const Tensor& grad, const Tensor& m, const Tensor& v, const AdamStep& s);
void sgd_step(const Tensor& theta, const Tensor& grad, double lr, double weight_decay);
}  // namespace gpu

const CudaKernels& built_cuda_table() {
  static const CudaKernels table{
      gpu::device_count,
      gpu::device_name,
      gpu::allocate,
      gpu::deallocate,
      gpu::empty_cache,
      gpu::cached_bytes,
      gpu::copy_bytes,
      gpu::synchronize,
      gpu::fill,
      gpu::dense_copy,
      gpu::copy_into,
      gpu::unary,
      gpu::binary,
      gpu::inside_mask,
      gpu::clamp,
      gpu::where,
      gpu::padding_mask,
      gpu::dropout_mask,
      gpu::reduce,
      gpu::argmin,
      gpu::softmax_rows,
      gpu::softmax_rows_backward,
      gpu::layer_norm_rows,
      gpu::layer_norm_rows_backward,
      gpu::matmul,
      gpu::select_rows,
      gpu::scatter_add_rows,
      gpu::take,
      gpu::put_add,
      gpu::embedding_dot,
      gpu::embedding_dot_backward,
      gpu::attention_forward,
      gpu::attention_backward,
      gpu::hstu_forward,
      gpu::hstu_backward,
      gpu::adam_step,
      gpu::sgd_step,
  };
  return table;
}

}  // namespace recgrad::kernels
