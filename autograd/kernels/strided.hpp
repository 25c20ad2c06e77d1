// recgrad/autograd/kernels/strided.hpp — walking a strided view in row-major order, and adapting a
// tensor as an xtensor expression for the reference kernels.
#pragma once
#include <omp.h>

#include <cstddef>
#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xnoalias.hpp>

#include "autograd/kernels/kernel_path.hpp"
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
      if (++idx[d] < shape[d]) {
        off += strides[d];
        break;
      }
      off -= strides[d] * (shape[d] - 1);
      idx[d] = 0;
    }
  }
}

// The rows of a view are its last axis; a 0-d tensor is one row of one element.
inline std::int64_t row_length(const Shape& shape) { return shape.empty() ? 1 : shape.back(); }
inline std::int64_t row_step(const Strides& strides) { return strides.empty() ? 1 : strides.back(); }

// Calls f(r, off) for rows r in [begin, end) of the row grid `rows` (the view's shape without its last
// axis): off is the storage offset of row r's first element.
template <class F>
void walk_rows(const Shape& rows, const Strides& strides, std::int64_t offset, std::int64_t begin, std::int64_t end,
               F& f) {
  if (begin >= end) return;
  const int nd = static_cast<int>(rows.size());
  std::vector<std::int64_t> idx(nd, 0);
  std::int64_t off = offset;
  std::int64_t rest = begin;
  for (int d = nd - 1; d >= 0; --d) {  // unravel `begin` into the odometer
    idx[d] = rest % rows[d];
    rest /= rows[d];
    off += idx[d] * strides[d];
  }
  for (std::int64_t r = begin; r < end; ++r) {
    f(r, off);
    for (int d = nd - 1; d >= 0; --d) {
      if (++idx[d] < rows[d]) {
        off += strides[d];
        break;
      }
      off -= strides[d] * (rows[d] - 1);
      idx[d] = 0;
    }
  }
}

// Calls f(r, off) for every row of the view (shape, strides, offset), r in row-major order. Rows are
// split into one contiguous range per OpenMP thread when the view holds at least kParallelGrain
// elements, so f may run concurrently for different rows and must write only row r's own output.
// Pass serial = true where rows may share memory (a destination with a stretched, stride-0 axis).
template <class F>
void for_each_row(const Shape& shape, const Strides& strides, std::int64_t offset, F&& f, bool serial = false) {
  const Shape rows = shape.empty() ? Shape{} : Shape(shape.begin(), shape.end() - 1);
  const Strides row_strides = strides.empty() ? Strides{} : Strides(strides.begin(), strides.end() - 1);
  const std::int64_t n_rows = numel(rows);
  if (n_rows == 0 || row_length(shape) == 0) return;
  const bool parallel = !serial && n_rows > 1 && n_rows * row_length(shape) >= kParallelGrain && may_open_team();
#pragma omp parallel if (parallel)
  {
    const std::int64_t T = omp_get_num_threads(), t = omp_get_thread_num();
    walk_rows(rows, row_strides, offset, n_rows * t / T, n_rows * (t + 1) / T, f);
  }
}

// True when two rows of the view share memory (an axis of size > 1 with stride 0, as `expand` makes).
inline bool rows_overlap(const Shape& shape, const Strides& strides) {
  for (std::size_t d = 0; d + 1 < shape.size(); ++d)
    if (shape[d] > 1 && strides[d] == 0) return true;
  return false;
}

// Copies any view of `src` into the dense buffer `dst` (row-major), converting the element type.
// Walks rows of the last axis, so the inner loop is a plain strided copy.
template <class TD, class TS>
void gather_dense(const Tensor& src, TD* dst) {
  const TS* base = static_cast<const TS*>(src.impl()->storage->data);
  const std::int64_t n = row_length(src.shape()), step = row_step(src.strides());
  for_each_row(src.shape(), src.strides(), src.offset(), [&](std::int64_t r, std::int64_t off) {
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
