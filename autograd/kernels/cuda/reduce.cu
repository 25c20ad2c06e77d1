// Reductions and row kernels on the GPU: sum / max over any axes (one block per output element, a fixed
// summation order, so the same input gives the same bits every run), argmin, softmax / log-softmax rows and
// LayerNorm rows, forward and backward. Formulas as in the CPU files of the same names.
#include <limits>

#include "autograd/kernels/cuda/common.cuh"

namespace recgrad::kernels::gpu {

Tensor binary(Binary f, const Tensor& a, const Tensor& b, const Shape& out);  // elementwise.cu
void fill(const Tensor& t, double value);                                    // elementwise.cu

namespace {

// Threads per block for rows of n elements: a multiple of 32, at most 256.
int threads_for(std::int64_t n) { return static_cast<int>(n >= 256 ? 256 : ((n + 31) / 32) * 32); }

// out[o] = reduce over r of x[kept.at(o) + red.at(r)]
template <class T>
__global__ void reduce_kernel(bool is_max, Geometry kept, Geometry red, const T* x, T* out, std::int64_t n_out,
                              std::int64_t n_red) {
  __shared__ T shared[32];
  for (std::int64_t o = blockIdx.x; o < n_out; o += gridDim.x) {
    const std::int64_t base = kept.at(o);
    T acc = is_max ? T(-INFINITY) : T(0);
    for (std::int64_t r = threadIdx.x; r < n_red; r += blockDim.x) {
      const T v = x[base + red.at(r)];
      acc = is_max ? (v > acc || v != v ? v : acc) : acc + v;
    }
    acc = is_max ? block_max(acc, shared) : block_sum(acc, shared);
    if (threadIdx.x == 0) out[o] = acc;
    __syncthreads();
  }
}

template <class T>
__global__ void argmin_kernel(const T* x, std::int64_t* out, std::int64_t outer, std::int64_t n, std::int64_t inner) {
  const std::int64_t total = outer * inner;
  for (std::int64_t t = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; t < total; t += std::int64_t(gridDim.x) * blockDim.x) {
    const std::int64_t a = t / inner, i = t % inner;
    std::int64_t best = 0;
    for (std::int64_t k = 1; k < n; ++k)
      if (x[(a * n + k) * inner + i] < x[(a * n + best) * inner + i]) best = k;  // first minimum wins
    out[t] = best;
  }
}

// One block per row: y = exp(x - max) / Σ exp(x - max), or x - max - log Σ exp(x - max).
template <class T>
__global__ void softmax_kernel(const T* x, T* y, std::int64_t R, std::int64_t N, bool log_out) {
  __shared__ T shared[32];
  for (std::int64_t r = blockIdx.x; r < R; r += gridDim.x) {
    const T* row = x + r * N;
    T m = T(-INFINITY);
    for (std::int64_t j = threadIdx.x; j < N; j += blockDim.x) m = max(m, row[j]);
    m = block_max(m, shared);
    T s = T(0);
    for (std::int64_t j = threadIdx.x; j < N; j += blockDim.x) s += exp(row[j] - m);
    s = block_sum(s, shared);
    const T log_s = log(s), inv = T(1) / s;
    for (std::int64_t j = threadIdx.x; j < N; j += blockDim.x)
      y[r * N + j] = log_out ? row[j] - m - log_s : exp(row[j] - m) * inv;
    __syncthreads();
  }
}

// softmax: dx = y ⊙ (g - Σ g y);  log_softmax: dx = g - exp(y) Σ g
template <class T>
__global__ void softmax_backward_kernel(const T* y, const T* g, T* dx, std::int64_t R, std::int64_t N, bool log_out) {
  __shared__ T shared[32];
  for (std::int64_t r = blockIdx.x; r < R; r += gridDim.x) {
    const T *yr = y + r * N, *gr = g + r * N;
    T s = T(0);
    for (std::int64_t j = threadIdx.x; j < N; j += blockDim.x) s += log_out ? gr[j] : gr[j] * yr[j];
    s = block_sum(s, shared);
    for (std::int64_t j = threadIdx.x; j < N; j += blockDim.x)
      dx[r * N + j] = log_out ? gr[j] - exp(yr[j]) * s : yr[j] * (gr[j] - s);
    __syncthreads();
  }
}

// One block per row: μ, var (biased), x̂ = (x - μ) rstd, y = x̂ γ + β.
template <class T>
__global__ void layer_norm_kernel(const T* x, const T* gamma, const T* beta, T* y, T* xhat, T* rstd, std::int64_t R,
                                  std::int64_t D, T eps) {
  __shared__ T shared[32];
  for (std::int64_t r = blockIdx.x; r < R; r += gridDim.x) {
    const T* row = x + r * D;
    T s = T(0);
    for (std::int64_t j = threadIdx.x; j < D; j += blockDim.x) s += row[j];
    const T mu = block_sum(s, shared) / T(D);
    T q = T(0);
    for (std::int64_t j = threadIdx.x; j < D; j += blockDim.x) q += (row[j] - mu) * (row[j] - mu);
    const T rs = T(1) / sqrt(block_sum(q, shared) / T(D) + eps);
    for (std::int64_t j = threadIdx.x; j < D; j += blockDim.x) {
      const T h = (row[j] - mu) * rs;
      xhat[r * D + j] = h;
      y[r * D + j] = gamma ? h * gamma[j] + beta[j] : h;
    }
    if (threadIdx.x == 0) rstd[r] = rs;
    __syncthreads();
  }
}

// dx̂ = g ⊙ γ;  dx = rstd (dx̂ - mean(dx̂) - x̂ mean(dx̂ ⊙ x̂))
template <class T>
__global__ void layer_norm_backward_kernel(const T* g, const T* xhat, const T* rstd, const T* gamma, T* dx,
                                           std::int64_t R, std::int64_t D) {
  __shared__ T shared[32];
  for (std::int64_t r = blockIdx.x; r < R; r += gridDim.x) {
    T a = T(0), b = T(0);
    for (std::int64_t j = threadIdx.x; j < D; j += blockDim.x) {
      const T d = gamma ? g[r * D + j] * gamma[j] : g[r * D + j];
      a += d;
      b += d * xhat[r * D + j];
    }
    a = block_sum(a, shared) / T(D);
    b = block_sum(b, shared) / T(D);
    for (std::int64_t j = threadIdx.x; j < D; j += blockDim.x) {
      const T d = gamma ? g[r * D + j] * gamma[j] : g[r * D + j];
      dx[r * D + j] = rstd[r] * (d - a - xhat[r * D + j] * b);
    }
    __syncthreads();
  }
}

unsigned row_blocks(std::int64_t rows) { return static_cast<unsigned>(rows < 65535 * 8 ? (rows > 0 ? rows : 1) : 65535 * 8); }

}  // namespace

Tensor reduce(Reduce op, const Tensor& x, const std::vector<int>& axes) {
  Shape out_shape = x.shape();
  for (int a : axes) out_shape[a] = 1;
  Tensor out = empty_on_gpu(out_shape, x.dtype());
  if (out.numel() == 0) return out;
  if (x.numel() == 0) {
    fill(out, op == Reduce::sum ? 0.0 : -std::numeric_limits<double>::infinity());
    return out;
  }
  Geometry kept = geometry(x, x.shape()), red;
  for (int d = 0; d < kept.nd; ++d) kept.shape[d] = out_shape[d];  // o runs over the kept axes only
  kept.dense = false;
  red.nd = static_cast<int>(axes.size());
  std::int64_t n_red = 1;
  for (int k = 0; k < red.nd; ++k) {
    red.shape[k] = x.shape()[axes[k]];
    red.strides[k] = x.strides()[axes[k]];
    n_red *= red.shape[k];
  }
  float_types(x.dtype(), "reduce", [&](auto tag) {
    using T = decltype(tag);
    reduce_kernel<T><<<row_blocks(out.numel()), threads_for(n_red), 0, stream()>>>(
        op == Reduce::max, kept, red, ptr<T>(x) - x.offset(), ptr<T>(out), out.numel(), n_red);
  });
  RECGRAD_CUDA_LAUNCHED("reduce");
  return out;
}

Tensor argmin(const Tensor& x, int axis) {
  Shape out_shape = x.shape();
  out_shape.erase(out_shape.begin() + axis);
  Tensor out = empty_on_gpu(out_shape, DType::i64);
  const Tensor xc = x.contiguous();
  std::int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= x.shape()[d];
  for (int d = axis + 1; d < x.dim(); ++d) inner *= x.shape()[d];
  if (outer * inner == 0) return out;
  float_types(x.dtype(), "argmin", [&](auto tag) {
    using T = decltype(tag);
    argmin_kernel<T><<<blocks_for(outer * inner), 256, 0, stream()>>>(ptr<T>(xc), ptr<std::int64_t>(out), outer,
                                                                     x.shape()[axis], inner);
  });
  RECGRAD_CUDA_LAUNCHED("argmin");
  return out;
}

Tensor softmax_rows(const Tensor& x, bool log_out) {
  const std::int64_t R = x.size(0), N = x.size(1);
  Tensor y = empty_on_gpu(x.shape(), x.dtype());
  if (R * N == 0) return y;
  float_types(x.dtype(), "softmax", [&](auto tag) {
    using T = decltype(tag);
    softmax_kernel<T><<<row_blocks(R), threads_for(N), 0, stream()>>>(ptr<T>(x), ptr<T>(y), R, N, log_out);
  });
  RECGRAD_CUDA_LAUNCHED("softmax");
  return y;
}

Tensor softmax_rows_backward(const Tensor& y, const Tensor& g, bool log_out) {
  const std::int64_t R = y.size(0), N = y.size(1);
  Tensor dx = empty_on_gpu(y.shape(), y.dtype());
  if (R * N == 0) return dx;
  float_types(y.dtype(), "softmax backward", [&](auto tag) {
    using T = decltype(tag);
    softmax_backward_kernel<T><<<row_blocks(R), threads_for(N), 0, stream()>>>(ptr<T>(y), ptr<T>(g), ptr<T>(dx), R, N,
                                                                               log_out);
  });
  RECGRAD_CUDA_LAUNCHED("softmax backward");
  return dx;
}

LayerNormForward layer_norm_rows(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps) {
  const std::int64_t R = x.size(0), D = x.size(1);
  LayerNormForward f{empty_on_gpu({R, D}, x.dtype()), empty_on_gpu({R, D}, x.dtype()), empty_on_gpu({R}, x.dtype())};
  if (R * D == 0) return f;
  float_types(x.dtype(), "layer_norm", [&](auto tag) {
    using T = decltype(tag);
    layer_norm_kernel<T><<<row_blocks(R), threads_for(D), 0, stream()>>>(
        ptr<T>(x), gamma.defined() ? ptr<T>(gamma) : nullptr, beta.defined() ? ptr<T>(beta) : nullptr, ptr<T>(f.y),
        ptr<T>(f.xhat), ptr<T>(f.rstd), R, D, T(eps));
  });
  RECGRAD_CUDA_LAUNCHED("layer_norm");
  return f;
}

LayerNormBackward layer_norm_rows_backward(const Tensor& g, const LayerNormForward& saved, const Tensor& gamma,
                                           bool affine) {
  const std::int64_t R = g.size(0), D = g.size(1);
  LayerNormBackward b{empty_on_gpu({R, D}, g.dtype()), Tensor(), Tensor()};
  if (R * D > 0)
    float_types(g.dtype(), "layer_norm backward", [&](auto tag) {
      using T = decltype(tag);
      layer_norm_backward_kernel<T><<<row_blocks(R), threads_for(D), 0, stream()>>>(
          ptr<T>(g), ptr<T>(saved.xhat), ptr<T>(saved.rstd), affine ? ptr<T>(gamma) : nullptr, ptr<T>(b.dx), R, D);
    });
  RECGRAD_CUDA_LAUNCHED("layer_norm backward");
  if (affine) {  // ∂L/∂γ = Σ_rows g ⊙ x̂,  ∂L/∂β = Σ_rows g  (column sums by the reduce kernel)
    const Shape d_shape{D};
    const Tensor gx = gpu::binary(Binary::mul, g, saved.xhat, g.shape());
    b.dgamma = make_view(gpu::reduce(Reduce::sum, gx, {0}), d_shape, contiguous_strides(d_shape), 0);
    b.dbeta = make_view(gpu::reduce(Reduce::sum, g, {0}), d_shape, contiguous_strides(d_shape), 0);
  }
  return b;
}

}  // namespace recgrad::kernels::gpu
