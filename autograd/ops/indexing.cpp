// Indexing ops: embedding, embedding_dot, index_select, gather, where / masked_fill, padding_mask.
// Gathers copy rows forward; their backward scatter-adds (+=) rows, so repeated ids accumulate.
#include "autograd/kernels/embedding_dot.hpp"
#include "autograd/kernels/cuda/backend.hpp"
#include "autograd/kernels/indexing.hpp"
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

// ids dense, range-checked, on `device`. Ids on the host are checked in place; ids on a GPU are copied back for the
// check (the one wait for the GPU an indexing op makes, and only when the caller built its ids there).
static Tensor checked_ids(const Tensor& ids, std::int64_t n, Device device, const char* op) {
  const Tensor dense = ids.contiguous();
  const Tensor on_host = dense.to(Device::cpu());
  check_range(on_host.data<std::int64_t>(), on_host.numel(), n, op);
  return kernels::ids_on(dense, device);
}

// weight: (V, D), ids: (...) int64 -> (..., D).  y[..., :] = weight[ids[...], :]
// ∂L/∂weight[v] = Σ_{positions with id v} g[position]  (zero for v = padding_idx)
Tensor embedding(const Tensor& weight, const Tensor& ids, std::int64_t padding_idx) {
  check_index(ids, "embedding");
  if (weight.dim() != 2) throw std::invalid_argument("embedding: weight must be (V, D), got " + weight.str());
  // The ids are kept for the backward, not copied when dense on the weight's device (index tensors can be large:
  // HSTU's (B, T, T) time buckets); like every saved input, they must not be changed in place before backward.
  const Tensor flat = checked_ids(reshape(ids, {ids.numel()}), weight.size(0), weight.device(), "embedding");
  const std::int64_t k = flat.numel();
  Shape shape = ids.shape();
  shape.push_back(weight.size(1));
  Tensor y = make_view(kernels::select_rows(weight, 0, flat), shape, contiguous_strides(shape), 0);
  return record("embedding", y, {weight}, [flat, k, ws = weight.shape(), padding_idx](const Tensor& g) {
    const Shape rows{k, ws[1]};
    return Grads{kernels::scatter_add_rows(reshape(g, rows), ws, 0, flat, padding_idx)};
  });
}

// y = x taken at `index` along `axis`:  ∂L/∂x = scatter-add of g at the same positions
Tensor index_select(const Tensor& x, int axis, const Tensor& index) {
  check_index(index, "index_select");
  if (index.dim() != 1) throw std::invalid_argument("index_select: index must be 1-d, got " + index.str());
  axis = normalize_axis(axis, x.dim(), "index_select");
  const Tensor ids = checked_ids(index, x.shape()[axis], x.device(), "index_select");
  Tensor y = kernels::select_rows(x, axis, ids);
  return record("index_select", y, {x}, [ids, xs = x.shape(), axis](const Tensor& g) {
    return Grads{kernels::scatter_add_rows(g, xs, axis, ids, -1)};
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
  const Tensor where =
      kernels::ids_on(Tensor::from_vector(offsets, {static_cast<std::int64_t>(offsets.size())}), x.device());
  Tensor y = kernels::take(xc, where, index.shape());
  return record("gather", y, {xc},
                [where, xs = xc.shape()](const Tensor& g) { return Grads{kernels::put_add(g, where, xs)}; });
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
  kernels::check_same_device("embedding_dot", {&h, &weight});
  const Tensor idc = checked_ids(ids, weight.size(0), h.device(), "embedding_dot");
  const Tensor hc = h.contiguous(), wc = weight.contiguous();
  Tensor y = kernels::embedding_dot(hc, wc, idc);
  return record("embedding_dot", y, {hc, wc}, [hc, wc, idc](const Tensor& g) {
    Tensor gh, gw;
    kernels::embedding_dot_backward(g.contiguous(), hc, wc, idc, gh, gw);
    return Grads{gh, gw};
  });
}

// y = cond ? a : b (cond of any dtype, nonzero = true), all three broadcast together.
// ∂L/∂a = g where cond, ∂L/∂b = g where not cond (summed back to each input's shape)
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype()) throw std::invalid_argument("where: dtypes differ: " + a.str() + " and " + b.str());
  const Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  const Tensor keep = cond.detach().clone();  // the backward reads the condition as it is now
  Tensor y;
  {
    NoGradGuard no_grad;
    y = kernels::where(keep, a, b, shape);
  }
  return record("where", y, {a, b}, [keep, shape, sa = a.shape(), sb = b.shape()](const Tensor& g) {
    const Tensor zero = Tensor::scalar(0.0, g.dtype());
    return Grads{sum_to(kernels::where(keep, g, zero, shape), sa), sum_to(kernels::where(keep, zero, g, shape), sb)};
  });
}

// y = mask ? value : x
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  return where(mask, Tensor::scalar(value, x.dtype()), x);
}

// m[...] = ids[...] != pad. The ids are integers, so there is nothing to differentiate and nothing is recorded.
Tensor padding_mask(const Tensor& ids, std::int64_t pad, DType dtype) {
  check_index(ids, "padding_mask");
  return kernels::padding_mask(ids, pad, dtype);
}

}  // namespace recgrad
