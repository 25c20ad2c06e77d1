// recgrad/autograd/kernels/cuda/common.cuh — what every CUDA kernel file shares: error checks, the one stream,
// device pointers of Tensors, strided geometry passed by value, and block reductions.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "autograd/kernels/cuda/backend.hpp"
#include "autograd/tensor.hpp"

namespace recgrad::kernels::gpu {

// Throws with the CUDA error's text and where it happened.
inline void check(cudaError_t e, const char* what, const char* file, int line) {
  if (e != cudaSuccess)
    throw std::runtime_error(std::string("CUDA error in ") + what + " (" + file + ":" + std::to_string(line) +
                             "): " + cudaGetErrorString(e));
}
#define RECGRAD_CUDA_CHECK(expr) ::recgrad::kernels::gpu::check((expr), #expr, __FILE__, __LINE__)
// After a launch: a bad configuration shows up here, not at some later copy.
#define RECGRAD_CUDA_LAUNCHED(name) ::recgrad::kernels::gpu::check(cudaGetLastError(), name, __FILE__, __LINE__)

cudaStream_t stream();  // the one stream every kernel and copy runs on (runtime.cu)

// Element 0 of a Tensor's view, on the GPU.
template <class T>
T* ptr(const Tensor& t) {
  return static_cast<T*>(t.impl()->storage->data) + t.offset();
}

inline Tensor empty_on_gpu(const Shape& shape, DType dtype) { return Tensor::empty(shape, dtype, Device::cuda()); }

// Up to 8 axes of a strided view, by value into a kernel: element i (row-major over `shape`) is at
// offset + Σ_d idx_d · strides[d]. Broadcast axes have stride 0.
constexpr int kMaxDims = 8;
struct Geometry {
  int nd = 0;
  std::int64_t shape[kMaxDims] = {};
  std::int64_t strides[kMaxDims] = {};
  std::int64_t offset = 0;
  bool dense = false;  // offset + i: no index arithmetic needed

  __host__ __device__ std::int64_t at(std::int64_t i) const {
    if (dense) return offset + i;
    std::int64_t off = offset;
    for (int d = nd - 1; d >= 0; --d) {
      off += (i % shape[d]) * strides[d];
      i /= shape[d];
    }
    return off;
  }
};

// The geometry of t read as `shape` (t broadcast to it: size-1 or missing axes get stride 0).
Geometry geometry(const Tensor& t, const Shape& shape);
inline Geometry geometry(const Tensor& t) { return geometry(t, t.shape()); }

inline unsigned blocks_for(std::int64_t n, int threads = 256) {
  const std::int64_t b = (n + threads - 1) / threads;
  return static_cast<unsigned>(b < 65535 * 16 ? (b > 0 ? b : 1) : 65535 * 16);  // grid-stride loops cover the rest
}

// Sum (or max) over a block; every thread gets the result. `shared` holds 32 values.
template <class T>
__device__ T block_sum(T v, T* shared) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffff, v, o);
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = (blockDim.x + 31) / 32;
  __syncthreads();
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  v = lane < warps ? shared[lane] : T(0);
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffff, v, o);
  return v;
}
template <class T>
__device__ T block_max(T v, T* shared) {
  for (int o = 16; o > 0; o >>= 1) v = max(v, __shfl_xor_sync(0xffffffff, v, o));
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = (blockDim.x + 31) / 32;
  __syncthreads();
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  v = lane < warps ? shared[lane] : T(-INFINITY);
  for (int o = 16; o > 0; o >>= 1) v = max(v, __shfl_xor_sync(0xffffffff, v, o));
  return v;
}

// The generator's hash (autograd/generator.hpp), on the device: dropout masks equal the CPU's bit for bit.
__host__ __device__ inline std::uint64_t splitmix64_d(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
__host__ __device__ inline float u01_d(std::uint64_t bits) { return static_cast<float>(bits >> 40) * (1.0f / 16777216.0f); }

// Calls f(T{}) for float or double (the CPU's dispatch_float, usable from .cu host code).
template <class F>
void float_types(DType d, const char* what, F&& f) {
  if (d == DType::f32) return f(float{});
  if (d == DType::f64) return f(double{});
  throw std::invalid_argument(std::string(what) + ": expected a floating tensor, got " + dtype_name(d));
}

}  // namespace recgrad::kernels::gpu
