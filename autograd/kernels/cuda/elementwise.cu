// Elementwise kernels on the GPU: unary and binary maps (NumPy broadcasting through stride-0 axes), copies,
// casts, fills, where, padding masks and dropout masks. One thread per output element, grid-stride loops.
// Each formula is the CPU's (autograd/kernels/elementwise.cpp), written once for float and double.
#include "autograd/kernels/cuda/common.cuh"

namespace recgrad::kernels::gpu {

template <class T>
__device__ T unary_value(Unary f, T x) {
  const T one = T(1), half = T(0.5);
  switch (f) {
    case Unary::neg: return -x;
    case Unary::exp: return exp(x);
    case Unary::log: return log(x);
    case Unary::sqrt: return sqrt(x);
    case Unary::rsqrt: return one / sqrt(x);
    case Unary::abs: return fabs(x);
    case Unary::relu: return x > T(0) ? x : T(0);
    case Unary::sigmoid: return one / (one + exp(-x));
    case Unary::tanh: return tanh(x);
    case Unary::silu: return x / (one + exp(-x));
    case Unary::gelu: return half * x * (one + erf(x * T(0.70710678118654752440)));
    case Unary::softplus: return (x > T(0) ? x : T(0)) + log1p(exp(-fabs(x)));
    case Unary::step: return x > T(0) ? one : T(0);
    case Unary::sign: return x > T(0) ? one : (x < T(0) ? -one : T(0));
    case Unary::silu_grad: {
      const T s = one / (one + exp(-x));
      return s * (one + x * (one - s));
    }
    case Unary::gelu_grad:
      return half * (one + erf(x * T(0.70710678118654752440))) + x * T(0.39894228040143267794) * exp(-half * x * x);
  }
  return x;
}

template <class T>
__device__ T binary_value(Binary f, T a, T b) {
  switch (f) {
    case Binary::add: return a + b;
    case Binary::sub: return a - b;
    case Binary::mul: return a * b;
    case Binary::div: return a / b;
    case Binary::pow: return pow(a, b);
    case Binary::maximum: return a > b ? a : b;
    case Binary::ge: return a >= b ? T(1) : T(0);
  }
  return a;
}

template <class T>
__global__ void unary_kernel(Unary f, Geometry gx, const T* x, T* y, std::int64_t n) {
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < n; i += std::int64_t(gridDim.x) * blockDim.x)
    y[i] = unary_value(f, x[gx.at(i)]);
}

// An operand that is either a strided view or a scalar passed by value (a 0-d CPU tensor).
template <class T>
struct Operand {
  const T* data;
  Geometry g;
  T value;
  __device__ T operator()(std::int64_t i) const { return data ? data[g.at(i)] : value; }
};

template <class T>
Operand<T> operand(const Tensor& t, const Shape& shape) {
  if (!t.is_cuda()) return {nullptr, Geometry{}, static_cast<T>(t.item())};  // a CPU scalar
  return {static_cast<const T*>(t.impl()->storage->data), geometry(t, shape), T(0)};
}

template <class T>
__global__ void binary_kernel(Binary f, Operand<T> a, Operand<T> b, T* y, std::int64_t n) {
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < n; i += std::int64_t(gridDim.x) * blockDim.x)
    y[i] = binary_value(f, a(i), b(i));
}

// lo < x < hi ? 1 : 0  (inside = true), or min(max(x, lo), hi)
template <class T>
__global__ void clamp_kernel(Geometry gx, const T* x, T* y, std::int64_t n, T lo, T hi, bool inside) {
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < n; i += std::int64_t(gridDim.x) * blockDim.x) {
    const T v = x[gx.at(i)];
    y[i] = inside ? ((v > lo && v < hi) ? T(1) : T(0)) : (v < lo ? lo : (v > hi ? hi : v));
  }
}

template <class TD, class TS>
__global__ void cast_kernel(Geometry gs, const TS* src, TD* dst, std::int64_t n) {
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < n; i += std::int64_t(gridDim.x) * blockDim.x)
    dst[i] = static_cast<TD>(src[gs.at(i)]);
}

template <class T>
__global__ void scatter_kernel(Geometry gd, const T* src, T* dst, std::int64_t n) {
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < n; i += std::int64_t(gridDim.x) * blockDim.x)
    dst[gd.at(i)] = src[i];
}

template <class T>
__global__ void fill_kernel(Geometry gd, T* dst, std::int64_t n, T v) {
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < n; i += std::int64_t(gridDim.x) * blockDim.x)
    dst[gd.at(i)] = v;
}

template <class T, class TC>
__global__ void where_kernel(Operand<TC> c, Operand<T> a, Operand<T> b, T* y, std::int64_t n) {
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < n; i += std::int64_t(gridDim.x) * blockDim.x)
    y[i] = c(i) != TC(0) ? a(i) : b(i);
}

template <class T>
__global__ void padding_mask_kernel(Geometry gi, const std::int64_t* ids, T* m, std::int64_t n, std::int64_t pad) {
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < n; i += std::int64_t(gridDim.x) * blockDim.x)
    m[i] = ids[gi.at(i)] != pad ? T(1) : T(0);
}

template <class T>
__global__ void dropout_mask_kernel(T* m, std::int64_t n, float p, T scale, std::uint64_t key, std::uint64_t base) {
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < n; i += std::int64_t(gridDim.x) * blockDim.x)
    m[i] = u01_d(splitmix64_d(key ^ (base + static_cast<std::uint64_t>(i)))) >= p ? scale : T(0);
}

// Calls f(T{}) for float, double or int64 (copies and fills move every dtype).
template <class F>
void any_type(DType d, F&& f) {
  if (d == DType::f32) return f(float{});
  if (d == DType::f64) return f(double{});
  return f(std::int64_t{});
}

// ---- the table's entries -------------------------------------------------------------------------

Tensor unary(Unary f, const Tensor& x) {
  Tensor y = empty_on_gpu(x.shape(), x.dtype());
  const std::int64_t n = x.numel();
  if (n == 0) return y;
  float_types(x.dtype(), "unary", [&](auto tag) {
    using T = decltype(tag);
    unary_kernel<T><<<blocks_for(n), 256, 0, stream()>>>(f, geometry(x), ptr<T>(x) - x.offset(), ptr<T>(y), n);
  });
  RECGRAD_CUDA_LAUNCHED("unary");
  return y;
}

Tensor binary(Binary f, const Tensor& a, const Tensor& b, const Shape& out) {
  if (a.dtype() != b.dtype()) throw std::invalid_argument("binary: dtypes differ: " + a.str() + " and " + b.str());
  Tensor y = empty_on_gpu(out, a.dtype());
  const std::int64_t n = y.numel();
  if (n == 0) return y;
  float_types(a.dtype(), "binary", [&](auto tag) {
    using T = decltype(tag);
    binary_kernel<T><<<blocks_for(n), 256, 0, stream()>>>(f, operand<T>(a, out), operand<T>(b, out), ptr<T>(y), n);
  });
  RECGRAD_CUDA_LAUNCHED("binary");
  return y;
}

static Tensor clamp_like(const Tensor& x, double lo, double hi, bool inside) {
  Tensor y = empty_on_gpu(x.shape(), x.dtype());
  const std::int64_t n = x.numel();
  if (n == 0) return y;
  float_types(x.dtype(), "clamp", [&](auto tag) {
    using T = decltype(tag);
    clamp_kernel<T><<<blocks_for(n), 256, 0, stream()>>>(geometry(x), ptr<T>(x) - x.offset(), ptr<T>(y), n, T(lo),
                                                         T(hi), inside);
  });
  RECGRAD_CUDA_LAUNCHED("clamp");
  return y;
}
Tensor inside_mask(const Tensor& x, double lo, double hi) { return clamp_like(x, lo, hi, true); }
Tensor clamp(const Tensor& x, double lo, double hi) { return clamp_like(x, lo, hi, false); }

Tensor dense_copy(const Tensor& src, DType to) {
  Tensor out = empty_on_gpu(src.shape(), to);
  const std::int64_t n = src.numel();
  if (n == 0) return out;
  any_type(to, [&](auto dst_tag) {
    using TD = decltype(dst_tag);
    any_type(src.dtype(), [&](auto src_tag) {
      using TS = decltype(src_tag);
      cast_kernel<TD, TS><<<blocks_for(n), 256, 0, stream()>>>(geometry(src), ptr<TS>(src) - src.offset(), ptr<TD>(out),
                                                               n);
    });
  });
  RECGRAD_CUDA_LAUNCHED("copy");
  return out;
}

void copy_into(const Tensor& dst, const Tensor& src) {
  const std::int64_t n = dst.numel();
  if (n == 0) return;
  any_type(dst.dtype(), [&](auto tag) {
    using T = decltype(tag);
    scatter_kernel<T><<<blocks_for(n), 256, 0, stream()>>>(geometry(dst), ptr<T>(src), ptr<T>(dst) - dst.offset(), n);
  });
  RECGRAD_CUDA_LAUNCHED("copy_");
}

void fill(const Tensor& t, double value) {
  const std::int64_t n = t.numel();
  if (n == 0) return;
  any_type(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    fill_kernel<T><<<blocks_for(n), 256, 0, stream()>>>(geometry(t), ptr<T>(t) - t.offset(), n, static_cast<T>(value));
  });
  RECGRAD_CUDA_LAUNCHED("fill");
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b, const Shape& out) {
  Tensor y = empty_on_gpu(out, a.dtype());
  const std::int64_t n = y.numel();
  if (n == 0) return y;
  float_types(a.dtype(), "where", [&](auto tag) {
    using T = decltype(tag);
    any_type(cond.dtype(), [&](auto ctag) {
      using TC = decltype(ctag);
      where_kernel<T, TC><<<blocks_for(n), 256, 0, stream()>>>(operand<TC>(cond, out), operand<T>(a, out),
                                                               operand<T>(b, out), ptr<T>(y), n);
    });
  });
  RECGRAD_CUDA_LAUNCHED("where");
  return y;
}

Tensor padding_mask(const Tensor& ids, std::int64_t pad, DType dtype) {
  Tensor m = empty_on_gpu(ids.shape(), dtype);
  const std::int64_t n = ids.numel();
  if (n == 0) return m;
  float_types(dtype, "padding_mask", [&](auto tag) {
    using T = decltype(tag);
    padding_mask_kernel<T><<<blocks_for(n), 256, 0, stream()>>>(geometry(ids), ptr<std::int64_t>(ids) - ids.offset(),
                                                                ptr<T>(m), n, pad);
  });
  RECGRAD_CUDA_LAUNCHED("padding_mask");
  return m;
}

Tensor dropout_mask(const Shape& shape, DType dtype, double p, std::uint64_t key, std::uint64_t base) {
  Tensor m = empty_on_gpu(shape, dtype);
  const std::int64_t n = m.numel();
  if (n == 0) return m;
  float_types(dtype, "dropout", [&](auto tag) {
    using T = decltype(tag);
    dropout_mask_kernel<T><<<blocks_for(n), 256, 0, stream()>>>(ptr<T>(m), n, static_cast<float>(p), T(1.0 / (1.0 - p)),
                                                                key, base);
  });
  RECGRAD_CUDA_LAUNCHED("dropout");
  return m;
}

}  // namespace recgrad::kernels::gpu
