// recgrad/autograd/kernels/strided.hpp — walking a strided view in row-major order, and adapting a
// tensor as an xtensor expression for the reference kernels.
#pragma once
#include <cstddef>
#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xnoalias.hpp>

#include "autograd/tensor.hpp"

namespace recgrad::kernels {

// Calls f(i, off) for every element: i is the row-major position, off the storage offset.
template <class F>
void for_each_offset(const Shape& shape, const Strides& strides, std::int64_t offset, F&& f) {
  const int nd = static_cast<int>(shape.size());
  const std::int64_t n = numel(shape);
  if (n == 0) return;
  std::vector<std::int64_t> idx(nd, 0);
  std::int64_t off = offset;
  for (std::int64_t i = 0; i < n; ++i) {
    f(i, off);
    for (int d = nd - 1; d >= 0; --d) {  // odometer increment
      if (++idx[d] < shape[d]) { off += strides[d]; break; }
      off -= strides[d] * (shape[d] - 1);
      idx[d] = 0;
    }
  }
}

// Copies any view of `src` into the dense buffer `dst` (row-major), converting the element type.
// Walks rows of the last axis, so the inner loop is a plain strided copy.
template <class TD, class TS>
void gather_dense(const Tensor& src, TD* dst) {
  const TS* base = static_cast<const TS*>(src.impl()->storage->data);
  if (src.dim() == 0) {
    dst[0] = static_cast<TD>(base[src.offset()]);
    return;
  }
  const Shape rows(src.shape().begin(), src.shape().end() - 1);
  const Strides row_strides(src.strides().begin(), src.strides().end() - 1);
  const std::int64_t n = src.shape().back(), step = src.strides().back();
  if (n == 0) return;
  for_each_offset(rows, row_strides, src.offset(), [&](std::int64_t r, std::int64_t off) {
    const TS* in = base + off;
    TD* out = dst + r * n;
    if (step == 1)
      for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<TD>(in[i]);
    else
      for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<TD>(in[i * step]);
  });
}

// An xtensor view of the tensor's memory (no copy), honouring strides; for reference kernels.
template <class T>
auto xview_of(const Tensor& t) {
  std::vector<std::size_t> shape(t.shape().begin(), t.shape().end());
  std::vector<std::ptrdiff_t> strides(t.strides().begin(), t.strides().end());
  for (std::size_t d = 0; d < shape.size(); ++d)
    if (shape[d] == 1) strides[d] = 0;  // xtensor's convention for broadcastable axes
  // xtensor requires the declared buffer size to be the element count; access goes through strides.
  return xt::adapt(t.data<T>(), static_cast<std::size_t>(t.numel()), xt::no_ownership(), shape, strides);
}

}  // namespace recgrad::kernels
