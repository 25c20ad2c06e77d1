// Indexing ops: embedding, embedding_dot, index_select, gather, where / masked_fill, padding_mask.
// Gathers copy rows forward; their backward scatter-adds (+=) rows, so repeated ids accumulate.
#include "autograd/kernels/embedding_dot.hpp"
#include "autograd/kernels/kernel_path.hpp"
#include "autograd/kernels/strided.hpp"
#include "autograd/ops/common.hpp"

namespace recgrad {

static void check_index(const Tensor& index, const char* op) {
  if (index.dtype() != DType::i64)
    throw std::invalid_argument(std::string(op) + ": indices must be int64, got " + index.str());
}

// Checks every id is in [0, n); names the op, the position and the bound.
static void check_range(const std::int64_t* ids, std::int64_t k, std::int64_t n, const char* op) {
  for (std::int64_t i = 0; i < k; ++i)
    if (ids[i] < 0 || ids[i] >= n)
      throw std::out_of_range(std::string(op) + ": index " + std::to_string(ids[i]) + " at position " +
                              std::to_string(i) + " is out of range [0, " + std::to_string(n) + ")");
}

// x viewed as (outer, n, inner) around `axis` -> out (outer, ids.size(), inner): out[o, j, :] = x[o, ids[j], :].
static Tensor select_rows(const Tensor& x, int axis, const std::int64_t* ids, std::int64_t k) {
  const Tensor xc = x.contiguous();
  std::int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= x.shape()[d];
  for (int d = axis + 1; d < x.dim(); ++d) inner *= x.shape()[d];
  const std::int64_t n = x.shape()[axis];
  Shape shape = x.shape();
  shape[axis] = k;
  Tensor out = Tensor::empty(shape, x.dtype());
  dispatch_float(x.dtype(), "index_select", [&](auto tag) {
    using T = decltype(tag);
    const T* src = xc.data<T>();
    T* dst = out.data<T>();
    if (inner == 1) {  // scalar rows (e.g. HSTU's time-bias table): a plain gather, no copy call per element
#pragma omp parallel for schedule(static) if (outer * k >= kernels::kParallelGrain)
      for (std::int64_t j = 0; j < k; ++j)
        for (std::int64_t o = 0; o < outer; ++o) dst[o * k + j] = src[o * n + ids[j]];
      return;
    }
#pragma omp parallel for schedule(static) if (outer * k * inner >= kernels::kParallelGrain)
    for (std::int64_t j = 0; j < k; ++j)
      for (std::int64_t o = 0; o < outer; ++o)
        std::copy_n(src + (o * n + ids[j]) * inner, inner, dst + (o * k + j) * inner);
  });
  return out;
}

// The adjoint of select_rows: gx[o, ids[j], :] += g[o, j, :]; ids equal to `skip` contribute nothing.
static Tensor scatter_add_rows(const Tensor& g, const Shape& x_shape, int axis, const std::int64_t* ids, std::int64_t k,
                               std::int64_t skip) {
  const Tensor gc = g.contiguous();
  std::int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= x_shape[d];
  for (int d = axis + 1; d < static_cast<int>(x_shape.size()); ++d) inner *= x_shape[d];
  const std::int64_t n = x_shape[axis];
  Tensor gx = Tensor::zeros(x_shape, g.dtype());
  dispatch_float(g.dtype(), "scatter_add", [&](auto tag) {
    using T = decltype(tag);
    const T* src = gc.data<T>();
    T* dst = gx.data<T>();
    for (std::int64_t o = 0; o < outer; ++o)  // serial over ids: repeated ids add in a fixed order
      for (std::int64_t j = 0; j < k; ++j) {
        if (ids[j] == skip) continue;
        T* row = dst + (o * n + ids[j]) * inner;
        const T* grow = src + (o * k + j) * inner;
        for (std::int64_t i = 0; i < inner; ++i) row[i] += grow[i];
      }
  });
  return gx;
}

// weight: (V, D), ids: (...) int64 -> (..., D).  y[..., :] = weight[ids[...], :]
// ∂L/∂weight[v] = Σ_{positions with id v} g[position]  (zero for v = padding_idx)
Tensor embedding(const Tensor& weight, const Tensor& ids, std::int64_t padding_idx) {
  check_index(ids, "embedding");
  if (weight.dim() != 2) throw std::invalid_argument("embedding: weight must be (V, D), got " + weight.str());
  // The ids are read in place and kept for the backward, not copied (index tensors can be large: HSTU's
  // (B, T, T) time buckets); like every saved input, they must not be changed in place before backward.
  const Tensor flat = ids.contiguous();
  const std::int64_t k = flat.numel();
  check_range(flat.data<std::int64_t>(), k, weight.size(0), "embedding");
  Shape shape = ids.shape();
  shape.push_back(weight.size(1));
  Tensor y = make_view(select_rows(weight, 0, flat.data<std::int64_t>(), k), shape, contiguous_strides(shape), 0);
  return record("embedding", y, {weight}, [flat, k, ws = weight.shape(), padding_idx](const Tensor& g) {
    const Shape rows{k, ws[1]};
    return Grads{scatter_add_rows(reshape(g, rows), ws, 0, flat.data<std::int64_t>(), k, padding_idx)};
  });
}

// y = x taken at `index` along `axis`:  ∂L/∂x = scatter-add of g at the same positions
Tensor index_select(const Tensor& x, int axis, const Tensor& index) {
  check_index(index, "index_select");
  if (index.dim() != 1) throw std::invalid_argument("index_select: index must be 1-d, got " + index.str());
  axis = normalize_axis(axis, x.dim(), "index_select");
  const auto ids = index.to_vector<std::int64_t>();
  check_range(ids.data(), static_cast<std::int64_t>(ids.size()), x.shape()[axis], "index_select");
  Tensor y = select_rows(x, axis, ids.data(), static_cast<std::int64_t>(ids.size()));
  return record("index_select", y, {x}, [ids, xs = x.shape(), axis](const Tensor& g) {
    return Grads{scatter_add_rows(g, xs, axis, ids.data(), static_cast<std::int64_t>(ids.size()), -1)};
  });
}

// torch.gather: y[i₀..iₙ] = x[i₀.. index[i₀..iₙ] (at `axis`) ..iₙ];  index has x's rank, y its shape.
// ∂L/∂x: scatter-add of g into the gathered positions.
Tensor gather(const Tensor& x, int axis, const Tensor& index) {
  check_index(index, "gather");
  axis = normalize_axis(axis, x.dim(), "gather");
  if (index.dim() != x.dim())
    throw std::invalid_argument("gather: index " + shape_str(index.shape()) + " must have the rank of x " +
                                shape_str(x.shape()));
  for (int d = 0; d < x.dim(); ++d)
    if (d != axis && index.shape()[d] > x.shape()[d])
      throw std::invalid_argument("gather: index " + shape_str(index.shape()) + " larger than x " +
                                  shape_str(x.shape()) + " at axis " + std::to_string(d));
  const auto ids = index.to_vector<std::int64_t>();
  check_range(ids.data(), static_cast<std::int64_t>(ids.size()), x.shape()[axis], "gather");
  const Tensor xc = x.contiguous();
  // Offset in xc of every gathered element: index's coordinates in xc's strides, axis replaced by the id.
  std::vector<std::int64_t> offsets(ids.size());
  Strides strides = xc.strides();
  strides[axis] = 0;
  kernels::for_each_offset(index.shape(), strides, 0,
                           [&](std::int64_t i, std::int64_t off) { offsets[i] = off + ids[i] * xc.strides()[axis]; });
  Tensor y = Tensor::empty(index.shape(), x.dtype());
  dispatch_float(x.dtype(), "gather", [&](auto tag) {
    using T = decltype(tag);
    const T* src = xc.data<T>();
    T* dst = y.data<T>();
    for (std::size_t i = 0; i < offsets.size(); ++i) dst[i] = src[offsets[i]];
  });
  return record("gather", y, {xc}, [offsets, xs = xc.shape()](const Tensor& g) {
    Tensor gx = Tensor::zeros(xs, g.dtype());
    const Tensor gc = g.contiguous();
    dispatch_float(g.dtype(), "gather backward", [&](auto tag) {
      using T = decltype(tag);
      T* dst = gx.data<T>();
      const T* src = gc.data<T>();
      for (std::size_t i = 0; i < offsets.size(); ++i) dst[offsets[i]] += src[i];
    });
    return Grads{gx};
  });
}

// h: (N, D), weight: (V, D), ids: (N, K) int64 -> (N, K).  y[n, j] = <h[n], weight[ids[n, j]]>
// The sampled-softmax head with its own negatives per position, without the (N, K, D) gather.
//   ∂L/∂h[n] = Σ_j g[n, j] weight[ids[n, j]],   ∂L/∂weight[v] = Σ_{(n, j): ids[n, j] = v} g[n, j] h[n]
Tensor embedding_dot(const Tensor& h, const Tensor& weight, const Tensor& ids) {
  check_index(ids, "embedding_dot");
  if (h.dim() != 2 || weight.dim() != 2 || ids.dim() != 2 || h.size(1) != weight.size(1) || ids.size(0) != h.size(0))
    throw std::invalid_argument("embedding_dot: expected h (N, D), weight (V, D), ids (N, K), got " +
                                shape_str(h.shape()) + ", " + shape_str(weight.shape()) + ", " +
                                shape_str(ids.shape()));
  if (h.dtype() != weight.dtype())
    throw std::invalid_argument("embedding_dot: dtypes differ: " + h.str() + " and " + weight.str());
  const Tensor idc = ids.contiguous();
  const std::int64_t N = h.size(0), D = h.size(1), K = ids.size(1), V = weight.size(0);
  const std::int64_t* id = idc.data<std::int64_t>();
  for (std::int64_t i = 0; i < N * K; ++i)
    if (id[i] < 0 || id[i] >= V)
      throw std::out_of_range("embedding_dot: index " + std::to_string(id[i]) + " at position " + std::to_string(i) +
                              " is out of range [0, " + std::to_string(V) + ")");
  const Tensor hc = h.contiguous(), wc = weight.contiguous();
  Tensor y = Tensor::empty({N, K}, h.dtype());
  dispatch_float(h.dtype(), "embedding_dot", [&](auto tag) {
    using T = decltype(tag);
    kernels::embedding_dot_forward<T>(hc.data<T>(), wc.data<T>(), id, y.data<T>(), N, K, D);
  });
  return record("embedding_dot", y, {hc, wc}, [hc, wc, idc, N, D, K, V](const Tensor& g) {
    const Tensor gc = g.contiguous();
    Tensor gh = Tensor::empty(hc.shape(), g.dtype()), gw = Tensor::zeros(wc.shape(), g.dtype());
    dispatch_float(g.dtype(), "embedding_dot backward", [&](auto tag) {
      using T = decltype(tag);
      kernels::embedding_dot_backward<T>(gc.data<T>(), hc.data<T>(), wc.data<T>(), idc.data<std::int64_t>(),
                                         gh.data<T>(), gw.data<T>(), N, K, D, V);
    });
    return Grads{gh, gw};
  });
}

// out = keep ? u : v, with u and v broadcast to keep's shape (a dense row-major mask).
static Tensor select_where(const std::vector<char>& keep, const Shape& shape, const Tensor& u, const Tensor& v) {
  Tensor out = Tensor::empty(shape, u.dtype());
  const Tensor ue = expand(u, shape), ve = expand(v, shape);
  dispatch_float(u.dtype(), "where", [&](auto tag) {
    using T = decltype(tag);
    const auto uu = ue.to_vector<T>(), vv = ve.to_vector<T>();
    T* o = out.data<T>();
    for (std::size_t i = 0; i < keep.size(); ++i) o[i] = keep[i] ? uu[i] : vv[i];
  });
  return out;
}

// y = cond ? a : b (cond of any dtype, nonzero = true), all three broadcast together.
// ∂L/∂a = g where cond, ∂L/∂b = g where not cond (summed back to each input's shape)
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype()) throw std::invalid_argument("where: dtypes differ: " + a.str() + " and " + b.str());
  const Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  auto keep = std::make_shared<std::vector<char>>();
  for (double c : expand(cond.detach(), shape).to_vector<double>()) keep->push_back(c != 0);
  Tensor y;
  {
    NoGradGuard no_grad;
    y = select_where(*keep, shape, a, b);
  }
  return record("where", y, {a, b}, [keep, shape, sa = a.shape(), sb = b.shape()](const Tensor& g) {
    const Tensor zero = Tensor::scalar(0.0, g.dtype());
    return Grads{sum_to(select_where(*keep, shape, g, zero), sa), sum_to(select_where(*keep, shape, zero, g), sb)};
  });
}

// y = mask ? value : x
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  return where(mask, Tensor::scalar(value, x.dtype()), x);
}

// m[...] = ids[...] != pad. The ids are integers, so there is nothing to differentiate and nothing is recorded.
Tensor padding_mask(const Tensor& ids, std::int64_t pad, DType dtype) {
  check_index(ids, "padding_mask");
  const std::vector<std::int64_t> v = ids.to_vector<std::int64_t>();  // row-major, whatever the strides
  Tensor m = Tensor::empty(ids.shape(), dtype);
  dispatch_float(dtype, "padding_mask", [&](auto tag) {
    using T = decltype(tag);
    T* out = m.data<T>();
    for (std::size_t i = 0; i < v.size(); ++i) out[i] = v[i] != pad ? T(1) : T(0);
  });
  return m;
}

}  // namespace recgrad
