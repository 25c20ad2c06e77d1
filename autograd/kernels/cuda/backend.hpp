// recgrad/autograd/kernels/cuda/backend.hpp — the CUDA kernels as one table, and how the CPU side reaches it.
//
// A kernel entry point (kernels::unary, kernels::reduce, …) looks at its operands' device: on the CPU it
// runs the code in autograd/kernels/*.cpp, on a GPU it calls the same-named entry of this table, which
// autograd/kernels/cuda/table.cu fills with the kernels of autograd/kernels/cuda/*.cu. The table is plain
// C++ (no CUDA header), so every file can include it; in a build without CUDA (-DRECGRAD_CUDA=OFF, the
// default) `cuda()` throws an error that says how to build with it, and no tensor can reach a GPU.
//
// Tensors handed to these entries are on the GPU, except index tensors (int64 ids, offsets), which are
// uploaded by the caller, and 0-d CPU scalars in `binary`, which are passed by value. Work is queued on
// one stream; nothing here waits for the GPU except the copies to the host.
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "autograd/kernels/adam.hpp"
#include "autograd/kernels/attention.hpp"
#include "autograd/kernels/elementwise.hpp"
#include "autograd/kernels/hstu_attention.hpp"
#include "autograd/kernels/layer_norm.hpp"
#include "autograd/kernels/reduce.hpp"
#include "autograd/tensor.hpp"

namespace recgrad::kernels {

struct CudaKernels {
  // ---- runtime (cuda/runtime.cu) ----
  int (*device_count)();                            // 0 when no driver or no GPU answers
  const char* (*device_name)();                     // of cuda:0
  void* (*allocate)(std::size_t nbytes);            // from the caching device allocator
  void (*deallocate)(void* p, std::size_t nbytes);  // back to its cache
  void (*empty_cache)();                            // cudaFree every cached block
  std::size_t (*cached_bytes)();                    // bytes waiting in the cache
  void (*copy_bytes)(void* dst, bool dst_on_gpu, const void* src, bool src_on_gpu, std::size_t nbytes);
  void (*synchronize)();  // wait for the stream
  // ---- copies and fills (cuda/elementwise.cu) ----
  void (*fill)(const Tensor& t, double value);              // every element of the view
  Tensor (*dense_copy)(const Tensor& src, DType to);        // any view -> dense, cast
  void (*copy_into)(const Tensor& dst, const Tensor& src);  // dense src (dst's dtype) -> the view dst
  // ---- elementwise (cuda/elementwise.cu) ----
  Tensor (*unary)(Unary f, const Tensor& x);
  Tensor (*binary)(Binary f, const Tensor& a, const Tensor& b, const Shape& out);
  Tensor (*inside_mask)(const Tensor& x, double lo, double hi);
  Tensor (*clamp)(const Tensor& x, double lo, double hi);
  Tensor (*where)(const Tensor& cond, const Tensor& a, const Tensor& b, const Shape& out);  // cond != 0 ? a : b
  Tensor (*padding_mask)(const Tensor& ids, std::int64_t pad, DType dtype);                 // ids != pad as 1/0
  Tensor (*dropout_mask)(const Shape& shape, DType dtype, double p, std::uint64_t key, std::uint64_t base);
  // ---- reductions and rows (cuda/reduce.cu) ----
  Tensor (*reduce)(Reduce op, const Tensor& x, const std::vector<int>& axes);
  Tensor (*argmin)(const Tensor& x, int axis);
  Tensor (*softmax_rows)(const Tensor& x, bool log);
  Tensor (*softmax_rows_backward)(const Tensor& y, const Tensor& g, bool log);
  LayerNormForward (*layer_norm_rows)(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps);
  LayerNormBackward (*layer_norm_rows_backward)(const Tensor& g, const LayerNormForward& saved, const Tensor& gamma,
                                                bool affine);
  // ---- matmul (cuda/gemm.cu: cuBLAS) ----
  Tensor (*matmul)(const Tensor& a, const Tensor& b, const Shape& out);  // batch axes broadcast
  // ---- indexing (cuda/indexing.cu); ids and offsets are int64 on the GPU ----
  Tensor (*select_rows)(const Tensor& x, int axis, const Tensor& ids);
  Tensor (*scatter_add_rows)(const Tensor& g, const Shape& x_shape, int axis, const Tensor& ids, std::int64_t skip);
  Tensor (*take)(const Tensor& x, const Tensor& offsets, const Shape& out);         // out[i] = x.flat[offsets[i]]
  Tensor (*put_add)(const Tensor& g, const Tensor& offsets, const Shape& x_shape);  // its adjoint
  Tensor (*embedding_dot)(const Tensor& h, const Tensor& W, const Tensor& ids);
  void (*embedding_dot_backward)(const Tensor& g, const Tensor& h, const Tensor& W, const Tensor& ids, Tensor& gh,
                                 Tensor& gW);
  // ---- fused attention (cuda/attention.cu) on dense operands; the Tensors' shapes are as on the CPU ----
  void (*attention_forward)(const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& query_valid,
                            const Tensor& key_valid, const AttentionDims& d, double scale, const AttentionDropout& drop,
                            Tensor& P, Tensor& Pd, Tensor& O);
  void (*attention_backward)(const Tensor& dO, const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& P,
                             const Tensor& Pd, const Tensor& query_valid, const Tensor& key_valid,
                             const AttentionDims& d, double scale, double p, Tensor& dQ, Tensor& dK, Tensor& dV);
  void (*hstu_forward)(const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& rab, bool rab_batched,
                       const Tensor& inv_n, const Tensor& key_valid, const HstuAttentionDims& d, Tensor& Z, Tensor& A,
                       Tensor& O);
  void (*hstu_backward)(const Tensor& dO, const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& Z,
                        const Tensor& A, const Tensor& inv_n, const Tensor& key_valid, const HstuAttentionDims& d,
                        Tensor& dQ, Tensor& dK, Tensor& dV, Tensor& dZ);
  // ---- optimizers (cuda/optim.cu): θ, its gradient, Adam's float64 moments, all dense on the GPU ----
  void (*adam_step)(const Tensor& theta, const Tensor& grad, const Tensor& m, const Tensor& v, const AdamStep& s);
  void (*sgd_step)(const Tensor& theta, const Tensor& grad, double lr, double weight_decay);
};

// The table; throws (saying how to enable CUDA) in a build without it.
const CudaKernels& cuda();
// Replaces the table (nullptr: back to the built one), for tests: tests/emulated_gpu.cpp runs the whole GPU path
// on the host to check everything around the kernels where no GPU is.
void set_cuda_for_testing(const CudaKernels* table);
// True in a build with CUDA that sees at least one GPU. Never throws.
bool cuda_available();

// For multi-operand kernels: every defined operand on `first`'s device, else an error naming the op and both
// devices. A 0-d CPU tensor passes when `scalars_ok` (binary ops read it by value).
// (An initializer list: every binary op calls this, and it must not allocate.)
void check_same_device(const char* op, std::initializer_list<const Tensor*> operands, bool scalars_ok = false);

// An int64 index tensor on `device` (uploaded when it is on the CPU and device is a GPU).
Tensor ids_on(const Tensor& ids, Device device);

}  // namespace recgrad::kernels
