#include "autograd/kernels/reduce.hpp"

#include <algorithm>
#include <limits>

#include <xsimd/xsimd.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xreducer.hpp>
#include <xtensor/xsort.hpp>

#include "autograd/kernels/cuda/backend.hpp"
#include "autograd/kernels/kernel_path.hpp"
#include "autograd/kernels/strided.hpp"
#include "autograd/ops.hpp"

namespace recgrad::kernels {

// ---- reference: xtensor's reducers ---------------------------------------------------------------

template <class T>
void reduce_reference(Reduce op, const Tensor& x, const std::vector<int>& axes, Tensor& out) {
  std::vector<std::size_t> ax(axes.begin(), axes.end());
  auto X = xview_of<T>(x);
  auto O = xview_of<T>(out);
  if (op == Reduce::sum)
    xt::noalias(O) = xt::sum(X, ax, xt::keep_dims);
  else
    xt::noalias(O) = xt::amax(X, ax, xt::keep_dims);
}

// ---- fast: dense (outer, n, inner) layout where the middle block is reduced ----------------------

template <class T>
void reduce_middle(Reduce op, const T* x, T* out, long outer, long n, long inner) {
  using V = xsimd::batch<T>;
  constexpr long W = static_cast<long>(V::size);
  const T init = op == Reduce::sum ? T(0) : -std::numeric_limits<T>::infinity();
  auto combine = [op](auto a, auto b) { return op == Reduce::sum ? a + b : xsimd::max(a, b); };
  if (inner == 1) {  // reduce contiguous rows, in parallel over them
#pragma omp parallel for schedule(static) if (outer * n >= kParallelGrain && outer > 1)
    for (long o = 0; o < outer; ++o) {
      const T* xo = x + o * n;
      V acc(init);
      long i = 0;
      for (; i + W <= n; i += W) acc = combine(acc, V::load_unaligned(xo + i));
      alignas(64) T lanes[W];
      acc.store_aligned(lanes);
      T r = init;
      for (long k = 0; k < W; ++k) r = op == Reduce::sum ? r + lanes[k] : std::max(r, lanes[k]);
      for (; i < n; ++i) r = op == Reduce::sum ? r + xo[i] : std::max(r, xo[i]);
      out[o] = r;
    }
    return;
  }
  // Accumulate rows of `inner` elements, in parallel over (outer, column block): a column sum over one
  // long axis (a bias gradient, HSTU's bias gradient summed over the batch) then uses every thread, and
  // each output element is still summed in row order whatever the thread count.
  constexpr long kCols = 16 * W;
  const long blocks = (inner + kCols - 1) / kCols;
#pragma omp parallel for collapse(2) schedule(static) if (outer * n * inner >= kParallelGrain)
  for (long o = 0; o < outer; ++o)
    for (long b = 0; b < blocks; ++b) {
      const long c0 = b * kCols, c1 = std::min(inner, c0 + kCols);
      T* oo = out + o * inner;
      std::fill(oo + c0, oo + c1, init);
      for (long k = 0; k < n; ++k) {
        const T* row = x + (o * n + k) * inner;
        long i = c0;
        for (; i + W <= c1; i += W)
          combine(V::load_unaligned(oo + i), V::load_unaligned(row + i)).store_unaligned(oo + i);
        for (; i < c1; ++i) oo[i] = op == Reduce::sum ? oo[i] + row[i] : std::max(oo[i], row[i]);
      }
    }
}

// True when `axes` is one consecutive run; gives the (outer, n, inner) split of the shape.
static bool consecutive(const Shape& s, const std::vector<int>& axes, long& outer, long& n, long& inner) {
  for (std::size_t i = 1; i < axes.size(); ++i)
    if (axes[i] != axes[i - 1] + 1) return false;
  outer = n = inner = 1;
  for (int d = 0; d < static_cast<int>(s.size()); ++d) {
    if (d < axes.front())
      outer *= s[d];
    else if (d <= axes.back())
      n *= s[d];
    else
      inner *= s[d];
  }
  return true;
}

Tensor reduce(Reduce op, const Tensor& x, const std::vector<int>& axes) {
  if (x.is_cuda()) return cuda().reduce(op, x, axes);
  Tensor out = Tensor::empty(reduced_shape(x.shape(), axes, true), x.dtype());
  if (axes.empty() || x.numel() == 0) {
    if (axes.empty())
      out.copy_(x);
    else
      out.fill_(op == Reduce::sum ? 0.0 : -std::numeric_limits<double>::infinity());
    return out;
  }
  dispatch_float(x.dtype(), "reduce", [&](auto tag) {
    using T = decltype(tag);
    long outer, n, inner;
    if (use_fast() && x.is_contiguous() && consecutive(x.shape(), axes, outer, n, inner))
      return reduce_middle<T>(op, x.data<T>(), out.data<T>(), outer, n, inner);
    reduce_reference<T>(op, x, axes, out);
  });
  return out;
}

Tensor argmin(const Tensor& x, int axis) {
  if (x.is_cuda()) return cuda().argmin(x, axis);
  Shape out_shape = reduced_shape(x.shape(), {axis}, false);
  Tensor out = Tensor::empty(out_shape, DType::i64);
  const Tensor xc = x.contiguous();
  long outer = 1, inner = 1;
  const long n = x.shape()[axis];
  for (int d = 0; d < axis; ++d) outer *= x.shape()[d];
  for (int d = axis + 1; d < x.dim(); ++d) inner *= x.shape()[d];
  dispatch_float(x.dtype(), "argmin", [&](auto tag) {
    using T = decltype(tag);
    const T* p = xc.data<T>();
    std::int64_t* o = out.data<std::int64_t>();
#pragma omp parallel for schedule(static) if (outer * n * inner >= kParallelGrain)
    for (long a = 0; a < outer; ++a)
      for (long i = 0; i < inner; ++i) {
        long best = 0;
        for (long k = 1; k < n; ++k)
          if (p[(a * n + k) * inner + i] < p[(a * n + best) * inner + i]) best = k;  // first minimum wins
        o[a * inner + i] = best;
      }
  });
  return out;
}

}  // namespace recgrad::kernels
