// Gathers and scatter-adds on the GPU: embedding rows, index_select, torch.gather's element takes, and the
// sampled-softmax head's embedding_dot. The adjoints add with atomicAdd: repeated ids are summed in whatever
// order the threads arrive, so the last bits of a gradient may differ between runs (the CPU's order is fixed).
#include "autograd/kernels/cuda/common.cuh"
#include "autograd/kernels/indexing.hpp"

namespace recgrad::kernels::gpu {

namespace {

// out[o, j, c] = x[o, ids[j], c]
template <class T>
__global__ void select_rows_kernel(const T* x, const std::int64_t* ids, T* out, std::int64_t outer, std::int64_t n,
                                   std::int64_t k, std::int64_t inner) {
  const std::int64_t total = outer * k * inner;
  for (std::int64_t t = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; t < total; t += std::int64_t(gridDim.x) * blockDim.x) {
    const std::int64_t c = t % inner, j = (t / inner) % k, o = t / (inner * k);
    out[t] = x[(o * n + ids[j]) * inner + c];
  }
}

// gx[o, ids[j], c] += g[o, j, c]   (skipping ids equal to `skip`)
template <class T>
__global__ void scatter_add_rows_kernel(const T* g, const std::int64_t* ids, T* gx, std::int64_t outer, std::int64_t n,
                                        std::int64_t k, std::int64_t inner, std::int64_t skip) {
  const std::int64_t total = outer * k * inner;
  for (std::int64_t t = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; t < total; t += std::int64_t(gridDim.x) * blockDim.x) {
    const std::int64_t c = t % inner, j = (t / inner) % k, o = t / (inner * k);
    if (ids[j] != skip) atomicAdd(gx + (o * n + ids[j]) * inner + c, g[t]);
  }
}

template <class T>
__global__ void take_kernel(const T* x, const std::int64_t* offsets, T* y, std::int64_t n) {
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < n; i += std::int64_t(gridDim.x) * blockDim.x)
    y[i] = x[offsets[i]];
}

template <class T>
__global__ void put_add_kernel(const T* g, const std::int64_t* offsets, T* gx, std::int64_t n) {
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < n; i += std::int64_t(gridDim.x) * blockDim.x)
    atomicAdd(gx + offsets[i], g[i]);
}

// One warp per (n, j): y[n, j] = <h[n], W[ids[n, j]]>
template <class T>
__global__ void embedding_dot_kernel(const T* h, const T* W, const std::int64_t* ids, T* y, std::int64_t N,
                                     std::int64_t K, std::int64_t D) {
  const std::int64_t warps = std::int64_t(gridDim.x) * (blockDim.x / 32);
  const int lane = threadIdx.x % 32;
  for (std::int64_t t = blockIdx.x * std::int64_t(blockDim.x / 32) + threadIdx.x / 32; t < N * K; t += warps) {
    const T *hr = h + (t / K) * D, *wr = W + ids[t] * D;
    T acc = T(0);
    for (std::int64_t d = lane; d < D; d += 32) acc += hr[d] * wr[d];
    for (int o = 16; o > 0; o >>= 1) acc += __shfl_xor_sync(0xffffffff, acc, o);
    if (lane == 0) y[t] = acc;
  }
}

// gh[n, d] = Σ_j g[n, j] W[ids[n, j], d]   (one thread per (n, d): no atomics)
template <class T>
__global__ void embedding_dot_gh_kernel(const T* g, const T* W, const std::int64_t* ids, T* gh, std::int64_t N,
                                        std::int64_t K, std::int64_t D) {
  for (std::int64_t t = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; t < N * D; t += std::int64_t(gridDim.x) * blockDim.x) {
    const std::int64_t n = t / D, d = t % D;
    T acc = T(0);
    for (std::int64_t j = 0; j < K; ++j) acc += g[n * K + j] * W[ids[n * K + j] * D + d];
    gh[t] = acc;
  }
}

// gW[ids[n, j], d] += g[n, j] h[n, d]
template <class T>
__global__ void embedding_dot_gw_kernel(const T* g, const T* h, const std::int64_t* ids, T* gW, std::int64_t N,
                                        std::int64_t K, std::int64_t D) {
  const std::int64_t total = N * K * D;
  for (std::int64_t t = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; t < total; t += std::int64_t(gridDim.x) * blockDim.x) {
    const std::int64_t d = t % D, nj = t / D;
    atomicAdd(gW + ids[nj] * D + d, g[nj] * h[(nj / K) * D + d]);
  }
}


}  // namespace

Tensor select_rows(const Tensor& x, int axis, const Tensor& ids) {
  const Tensor xc = x.contiguous(), idc = ids.contiguous();
  const RowGrid r = grid_of(x.shape(), axis);
  const std::int64_t k = ids.numel();
  Shape shape = x.shape();
  shape[axis] = k;
  Tensor out = empty_on_gpu(shape, x.dtype());
  if (out.numel() == 0) return out;
  float_types(x.dtype(), "index_select", [&](auto tag) {
    using T = decltype(tag);
    select_rows_kernel<T><<<blocks_for(out.numel()), 256, 0, stream()>>>(ptr<T>(xc), ptr<std::int64_t>(idc), ptr<T>(out),
                                                                         r.outer, r.n, k, r.inner);
  });
  RECGRAD_CUDA_LAUNCHED("index_select");
  return out;
}

Tensor scatter_add_rows(const Tensor& g, const Shape& x_shape, int axis, const Tensor& ids, std::int64_t skip) {
  const Tensor gc = g.contiguous(), idc = ids.contiguous();
  const RowGrid r = grid_of(x_shape, axis);
  const std::int64_t k = ids.numel();
  Tensor gx = Tensor::zeros(x_shape, g.dtype(), Device::cuda());
  if (gc.numel() == 0) return gx;
  float_types(g.dtype(), "scatter_add", [&](auto tag) {
    using T = decltype(tag);
    scatter_add_rows_kernel<T><<<blocks_for(gc.numel()), 256, 0, stream()>>>(
        ptr<T>(gc), ptr<std::int64_t>(idc), ptr<T>(gx), r.outer, r.n, k, r.inner, skip);
  });
  RECGRAD_CUDA_LAUNCHED("scatter_add");
  return gx;
}

Tensor take(const Tensor& x, const Tensor& offsets, const Shape& shape) {
  Tensor y = empty_on_gpu(shape, x.dtype());
  const std::int64_t n = offsets.numel();
  if (n == 0) return y;
  float_types(x.dtype(), "gather", [&](auto tag) {
    using T = decltype(tag);
    take_kernel<T><<<blocks_for(n), 256, 0, stream()>>>(ptr<T>(x), ptr<std::int64_t>(offsets), ptr<T>(y), n);
  });
  RECGRAD_CUDA_LAUNCHED("gather");
  return y;
}

Tensor put_add(const Tensor& g, const Tensor& offsets, const Shape& x_shape) {
  Tensor gx = Tensor::zeros(x_shape, g.dtype(), Device::cuda());
  const Tensor gc = g.contiguous();
  const std::int64_t n = offsets.numel();
  if (n == 0) return gx;
  float_types(g.dtype(), "gather backward", [&](auto tag) {
    using T = decltype(tag);
    put_add_kernel<T><<<blocks_for(n), 256, 0, stream()>>>(ptr<T>(gc), ptr<std::int64_t>(offsets), ptr<T>(gx), n);
  });
  RECGRAD_CUDA_LAUNCHED("gather backward");
  return gx;
}

Tensor embedding_dot(const Tensor& h, const Tensor& W, const Tensor& ids) {
  const std::int64_t N = h.size(0), D = h.size(1), K = ids.size(1);
  Tensor y = empty_on_gpu({N, K}, h.dtype());
  if (N * K == 0) return y;
  float_types(h.dtype(), "embedding_dot", [&](auto tag) {
    using T = decltype(tag);
    embedding_dot_kernel<T><<<blocks_for(N * K * 32), 256, 0, stream()>>>(ptr<T>(h), ptr<T>(W), ptr<std::int64_t>(ids),
                                                                          ptr<T>(y), N, K, D);
  });
  RECGRAD_CUDA_LAUNCHED("embedding_dot");
  return y;
}

void embedding_dot_backward(const Tensor& g, const Tensor& h, const Tensor& W, const Tensor& ids, Tensor& gh,
                            Tensor& gW) {
  const std::int64_t N = h.size(0), D = h.size(1), K = ids.size(1);
  gh = empty_on_gpu(h.shape(), g.dtype());
  gW = Tensor::zeros(W.shape(), g.dtype(), Device::cuda());
  if (N * D == 0) return;
  float_types(g.dtype(), "embedding_dot backward", [&](auto tag) {
    using T = decltype(tag);
    embedding_dot_gh_kernel<T><<<blocks_for(N * D), 256, 0, stream()>>>(ptr<T>(g), ptr<T>(W), ptr<std::int64_t>(ids),
                                                                        ptr<T>(gh), N, K, D);
    if (N * K > 0)
      embedding_dot_gw_kernel<T><<<blocks_for(N * K * D), 256, 0, stream()>>>(ptr<T>(g), ptr<T>(h),
                                                                              ptr<std::int64_t>(ids), ptr<T>(gW), N, K, D);
  });
  RECGRAD_CUDA_LAUNCHED("embedding_dot backward");
}

}  // namespace recgrad::kernels::gpu
