// Row gathers, scatter-adds, where, padding masks and dropout masks: the CPU loops, and the GPU's through
// the CUDA table (autograd/kernels/cuda/indexing.cu).
#include "autograd/kernels/indexing.hpp"

#include <algorithm>

#include "autograd/generator.hpp"
#include "autograd/kernels/cuda/backend.hpp"
#include "autograd/kernels/kernel_path.hpp"
#include "autograd/ops.hpp"

namespace recgrad::kernels {

Tensor select_rows(const Tensor& x, int axis, const Tensor& ids) {
  check_same_device("select_rows", {&x, &ids});
  if (x.is_cuda()) return cuda().select_rows(x, axis, ids);
  const Tensor xc = x.contiguous();
  const RowGrid r = grid_of(x.shape(), axis);
  const std::int64_t k = ids.numel();
  const std::int64_t* id = ids.data<std::int64_t>();
  Shape shape = x.shape();
  shape[axis] = k;
  Tensor out = Tensor::empty(shape, x.dtype());
  dispatch_float(x.dtype(), "index_select", [&](auto tag) {
    using T = decltype(tag);
    const T* src = xc.data<T>();
    T* dst = out.data<T>();
    if (r.inner == 1) {  // scalar rows (e.g. HSTU's time-bias table): a plain gather, no copy call per element
#pragma omp parallel for schedule(static) if (r.outer * k >= kParallelGrain)
      for (std::int64_t j = 0; j < k; ++j)
        for (std::int64_t o = 0; o < r.outer; ++o) dst[o * k + j] = src[o * r.n + id[j]];
      return;
    }
#pragma omp parallel for schedule(static) if (r.outer * k * r.inner >= kParallelGrain)
    for (std::int64_t j = 0; j < k; ++j)
      for (std::int64_t o = 0; o < r.outer; ++o)
        std::copy_n(src + (o * r.n + id[j]) * r.inner, r.inner, dst + (o * k + j) * r.inner);
  });
  return out;
}

Tensor scatter_add_rows(const Tensor& g, const Shape& x_shape, int axis, const Tensor& ids, std::int64_t skip) {
  check_same_device("scatter_add_rows", {&g, &ids});
  if (g.is_cuda()) return cuda().scatter_add_rows(g, x_shape, axis, ids, skip);
  const Tensor gc = g.contiguous();
  const RowGrid r = grid_of(x_shape, axis);
  const std::int64_t k = ids.numel();
  const std::int64_t* id = ids.data<std::int64_t>();
  Tensor gx = Tensor::zeros(x_shape, g.dtype());
  dispatch_float(g.dtype(), "scatter_add", [&](auto tag) {
    using T = decltype(tag);
    const T* src = gc.data<T>();
    T* dst = gx.data<T>();
    for (std::int64_t o = 0; o < r.outer; ++o)  // serial over ids: repeated ids add in a fixed order
      for (std::int64_t j = 0; j < k; ++j) {
        if (id[j] == skip) continue;
        T* row = dst + (o * r.n + id[j]) * r.inner;
        const T* grow = src + (o * k + j) * r.inner;
        for (std::int64_t i = 0; i < r.inner; ++i) row[i] += grow[i];
      }
  });
  return gx;
}

Tensor take(const Tensor& x, const Tensor& offsets, const Shape& shape) {
  check_same_device("gather", {&x, &offsets});
  if (x.is_cuda()) return cuda().take(x, offsets, shape);
  Tensor y = Tensor::empty(shape, x.dtype());
  const std::int64_t* off = offsets.data<std::int64_t>();
  dispatch_float(x.dtype(), "gather", [&](auto tag) {
    using T = decltype(tag);
    const T* src = x.data<T>();
    T* dst = y.data<T>();
    for (std::int64_t i = 0; i < offsets.numel(); ++i) dst[i] = src[off[i]];
  });
  return y;
}

Tensor put_add(const Tensor& g, const Tensor& offsets, const Shape& x_shape) {
  check_same_device("gather backward", {&g, &offsets});
  if (g.is_cuda()) return cuda().put_add(g, offsets, x_shape);
  Tensor gx = Tensor::zeros(x_shape, g.dtype());
  const Tensor gc = g.contiguous();
  const std::int64_t* off = offsets.data<std::int64_t>();
  dispatch_float(g.dtype(), "gather backward", [&](auto tag) {
    using T = decltype(tag);
    T* dst = gx.data<T>();
    const T* src = gc.data<T>();
    for (std::int64_t i = 0; i < offsets.numel(); ++i) dst[off[i]] += src[i];
  });
  return gx;
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b, const Shape& shape) {
  check_same_device("where", {&cond, &a, &b}, true);
  if (cond.is_cuda() || a.is_cuda() || b.is_cuda()) return cuda().where(cond, a, b, shape);
  const auto keep = expand(cond, shape).to_vector<double>();
  Tensor out = Tensor::empty(shape, a.dtype());
  dispatch_float(a.dtype(), "where", [&](auto tag) {
    using T = decltype(tag);
    const auto u = expand(a, shape).to_vector<T>(), v = expand(b, shape).to_vector<T>();
    T* o = out.data<T>();
    for (std::size_t i = 0; i < keep.size(); ++i) o[i] = keep[i] != 0 ? u[i] : v[i];
  });
  return out;
}

Tensor padding_mask(const Tensor& ids, std::int64_t pad, DType dtype) {
  if (ids.is_cuda()) return cuda().padding_mask(ids, pad, dtype);
  const std::vector<std::int64_t> v = ids.to_vector<std::int64_t>();  // row-major, whatever the strides
  Tensor m = Tensor::empty(ids.shape(), dtype);
  dispatch_float(dtype, "padding_mask", [&](auto tag) {
    using T = decltype(tag);
    T* out = m.data<T>();
    for (std::size_t i = 0; i < v.size(); ++i) out[i] = v[i] != pad ? T(1) : T(0);
  });
  return m;
}

Tensor dropout_mask(const Shape& shape, DType dtype, Device device, double p, std::uint64_t key, std::uint64_t base) {
  if (device.is_cuda()) return cuda().dropout_mask(shape, dtype, p, key, base);
  Tensor mask = Tensor::empty(shape, dtype);
  const std::int64_t n = mask.numel();
  dispatch_float(dtype, "dropout", [&](auto tag) {
    using T = decltype(tag);
    T* m = mask.data<T>();
    const T scale = T(1.0 / (1.0 - p));
    const float threshold = static_cast<float>(p);
#pragma omp parallel for schedule(static) if (n >= kParallelGrain)
    for (std::int64_t i = 0; i < n; ++i)
      m[i] = u01_from_bits(splitmix64(key ^ (base + static_cast<std::uint64_t>(i)))) >= threshold ? scale : T(0);
  });
  return mask;
}

}  // namespace recgrad::kernels
