// The optimizers' updates on the GPU, one fused kernel each: every element reads θ, its gradient and (Adam) its
// two float64 moments once and writes them once, with kernels/adam.hpp's arithmetic (the CPU's too).
#include "autograd/kernels/cuda/common.cuh"

namespace recgrad::kernels::gpu {

namespace {

// kernels/adam.hpp's update on every element.
template <class T>
__global__ void adam_kernel(T* theta, const T* grad, double* m, double* v, std::int64_t n, AdamStep s) {
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < n; i += std::int64_t(gridDim.x) * blockDim.x)
    theta[i] = static_cast<T>(adam_update(theta[i], grad[i], m[i], v[i], s));
}

// θ -= lr (g + wd θ)
template <class T>
__global__ void sgd_kernel(T* theta, const T* grad, std::int64_t n, double lr, double wd) {
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < n; i += std::int64_t(gridDim.x) * blockDim.x)
    theta[i] -= static_cast<T>(lr * (static_cast<double>(grad[i]) + wd * theta[i]));
}

}  // namespace

void adam_step(const Tensor& theta, const Tensor& grad, const Tensor& m, const Tensor& v, const AdamStep& s) {
  const std::int64_t n = theta.numel();
  if (n == 0) return;
  if (!theta.is_contiguous() || !grad.is_contiguous())
    throw std::invalid_argument("adam_step: expected dense parameters and gradients, got " + theta.str());
  float_types(theta.dtype(), "adam", [&](auto tag) {
    using T = decltype(tag);
    adam_kernel<T><<<blocks_for(n), 256, 0, stream()>>>(ptr<T>(theta), ptr<T>(grad), ptr<double>(m), ptr<double>(v), n,
                                                        s);
  });
  RECGRAD_CUDA_LAUNCHED("adam");
}

void sgd_step(const Tensor& theta, const Tensor& grad, double lr, double weight_decay) {
  const std::int64_t n = theta.numel();
  if (n == 0) return;
  float_types(theta.dtype(), "sgd", [&](auto tag) {
    using T = decltype(tag);
    sgd_kernel<T><<<blocks_for(n), 256, 0, stream()>>>(ptr<T>(theta), ptr<T>(grad), n, lr, weight_decay);
  });
  RECGRAD_CUDA_LAUNCHED("sgd");
}

}  // namespace recgrad::kernels::gpu
