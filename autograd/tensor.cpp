#include "autograd/tensor.hpp"

#include <cstdlib>
#include <cstring>
#include <ostream>
#include <stdexcept>

#include "autograd/allocator.hpp"
#include "autograd/generator.hpp"
#include "autograd/grad_mode.hpp"
#include "autograd/kernels/cuda/backend.hpp"
#include "autograd/kernels/strided.hpp"
#include "autograd/node.hpp"
#include "autograd/ops.hpp"

namespace recgrad {

// ---------------------------------------------------------------------------------------------------
// Storage

// Checked before anything is allocated (a throw from the constructor's body would leak the block).
static void* allocate_on(std::size_t n, Device where) {
  if (!where.is_cuda()) return allocator::allocate(n);
  if (where.index != 0) throw std::invalid_argument("Storage: only cuda:0 is supported, got " + where.str());
  return kernels::cuda().allocate(n);
}

Storage::Storage(std::size_t n, Device where) : data(allocate_on(n, where)), nbytes(n), device(where) {}

Storage::Storage(void* bytes, std::size_t n, Device where, std::shared_ptr<const void> keeper)
    : data(bytes), nbytes(n), device(where), owner(std::move(keeper)) {}

Storage::~Storage() {
  if (owner) return;  // borrowed
  if (device.is_cuda())
    kernels::cuda().deallocate(data, nbytes);
  else
    allocator::deallocate(data, nbytes);
}

// ---------------------------------------------------------------------------------------------------
// Creation

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  for (auto d : shape)
    if (d < 0) throw std::invalid_argument("Tensor: negative size in shape " + shape_str(shape));
  auto impl = std::make_shared<TensorImpl>();
  impl->storage =
      std::make_shared<Storage>(static_cast<std::size_t>(recgrad::numel(shape)) * dtype_size(dtype), device);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  if (device.is_cuda()) {
    kernels::cuda().fill(t, 0.0);
    return t;
  }
  // Large buffers are cleared in one slice per thread (a backward pass clears many (B, T, D) gradients).
  char* bytes = static_cast<char*>(t.impl_->storage->data);
  const std::int64_t nbytes = static_cast<std::int64_t>(t.impl_->storage->nbytes);
  const std::int64_t parts = nbytes >= (std::int64_t{1} << 20) && kernels::may_open_team() ? omp_get_max_threads() : 1;
#pragma omp parallel for schedule(static) if (parts > 1)
  for (std::int64_t p = 0; p < parts; ++p) {
    const std::int64_t begin = nbytes * p / parts, end = nbytes * (p + 1) / parts;
    std::memset(bytes + begin, 0, static_cast<std::size_t>(end - begin));
  }
  return t;
}

Tensor Tensor::full(const Shape& shape, double value, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  t.fill_(value);
  return t;
}

Tensor Tensor::ones(const Shape& shape, DType dtype, Device device) { return full(shape, 1.0, dtype, device); }
Tensor Tensor::scalar(double value, DType dtype) { return full({}, value, dtype); }

Tensor Tensor::arange(std::int64_t n, DType dtype) {
  Tensor t = empty({n}, dtype);
  dispatch_any(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (std::int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(i);
  });
  return t;
}

template <class T>
static Tensor from_vector_impl(const std::vector<T>& v, const Shape& shape) {
  if (static_cast<std::int64_t>(v.size()) != recgrad::numel(shape))
    throw std::invalid_argument("Tensor::from_vector: " + std::to_string(v.size()) + " values do not fill shape " +
                                shape_str(shape));
  Tensor t = Tensor::empty(shape, dtype_of<T>());
  std::copy(v.begin(), v.end(), t.data<T>());
  return t;
}

Tensor Tensor::from_vector(const std::vector<float>& v, const Shape& s) { return from_vector_impl(v, s); }
Tensor Tensor::from_vector(const std::vector<double>& v, const Shape& s) { return from_vector_impl(v, s); }
Tensor Tensor::from_vector(const std::vector<std::int64_t>& v, const Shape& s) { return from_vector_impl(v, s); }

Tensor Tensor::randn(const Shape& shape, Generator& gen, DType dtype) {
  Tensor t = empty(shape, dtype);
  dispatch_float(dtype, "randn", [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<T>(gen.next_normal());
  });
  return t;
}

Tensor Tensor::uniform(const Shape& shape, double lo, double hi, Generator& gen, DType dtype) {
  Tensor t = empty(shape, dtype);
  dispatch_float(dtype, "uniform", [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<T>(lo + (hi - lo) * gen.next_double());
  });
  return t;
}

Tensor Tensor::rand(const Shape& shape, Generator& gen, DType dtype) { return uniform(shape, 0.0, 1.0, gen, dtype); }

// ---------------------------------------------------------------------------------------------------
// Metadata

static const TensorImpl& checked(const std::shared_ptr<TensorImpl>& impl) {
  if (!impl) throw std::logic_error("use of an undefined Tensor");
  return *impl;
}

const Shape& Tensor::shape() const { return checked(impl_).shape; }
const Strides& Tensor::strides() const { return checked(impl_).strides; }
std::int64_t Tensor::offset() const { return checked(impl_).offset; }
int Tensor::dim() const { return static_cast<int>(shape().size()); }
std::int64_t Tensor::numel() const { return recgrad::numel(shape()); }
DType Tensor::dtype() const { return checked(impl_).dtype; }
Device Tensor::device() const { return checked(impl_).storage->device; }
std::int64_t Tensor::size(int axis) const { return shape()[normalize_axis(axis, dim(), "size")]; }

bool Tensor::is_contiguous() const {
  const auto expect = contiguous_strides(shape());
  for (int d = 0; d < dim(); ++d)
    if (shape()[d] != 1 && strides()[d] != expect[d]) return false;
  return true;
}

std::string Tensor::str() const {
  if (!defined()) return "Tensor(undefined)";
  const std::string where = is_cuda() ? ", " + device().str() : "";
  return std::string("Tensor(") + dtype_name(dtype()) + ", " + shape_str(shape()) + where + ")";
}

// ---------------------------------------------------------------------------------------------------
// Data access

template <class T>
T* Tensor::data() const {
  const auto& impl = checked(impl_);
  if (impl.dtype != dtype_of<T>())
    throw std::invalid_argument(std::string("Tensor::data: tensor is ") + dtype_name(impl.dtype) + ", requested " +
                                dtype_name(dtype_of<T>()));
  if (impl.storage->device.is_cuda())
    throw std::invalid_argument("Tensor::data: " + str() + " is on " + impl.storage->device.str() +
                                "; the host can read it after .to(Device::cpu())");
  return static_cast<T*>(impl.storage->data) + impl.offset;
}
template float* Tensor::data<float>() const;
template double* Tensor::data<double>() const;
template std::int64_t* Tensor::data<std::int64_t>() const;

// A dense copy of `src` in dtype `to`, without autograd.
static Tensor dense_copy(const Tensor& src, DType to) {
  if (src.is_cuda()) return kernels::cuda().dense_copy(src, to);
  Tensor out = Tensor::empty(src.shape(), to);
  dispatch_any(to, [&](auto dst_tag) {
    using TD = decltype(dst_tag);
    dispatch_any(src.dtype(), [&](auto src_tag) {
      using TS = decltype(src_tag);
      kernels::gather_dense<TD, TS>(src, out.data<TD>());
    });
  });
  return out;
}

Tensor Tensor::clone() const {
  Tensor out = dense_copy(*this, dtype());
  return record("clone", out, {*this}, [](const Tensor& g) { return std::vector<Tensor>{g}; });
}

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

Tensor Tensor::to(DType to_dtype) const {
  if (to_dtype == dtype()) return *this;
  Tensor out = dense_copy(*this, to_dtype);
  if (!is_floating(to_dtype) || !is_floating(dtype())) return out;
  const DType from = dtype();
  return record("to", out, {*this}, [from](const Tensor& g) { return std::vector<Tensor>{g.to(from)}; });
}

// A dense copy on `to`: the bytes of a dense view move in one transfer.
Tensor Tensor::to(Device to_device) const {
  if (to_device == device()) return *this;
  const Tensor src = is_contiguous() ? *this : dense_copy(*this, dtype());  // a dense view crosses as it is
  Tensor out = Tensor::empty(shape(), dtype(), to_device);
  const std::size_t bytes = static_cast<std::size_t>(numel()) * dtype_size(dtype());
  if (bytes > 0)
    kernels::cuda().copy_bytes(out.impl()->storage->data, to_device.is_cuda(),
                               static_cast<const char*>(src.impl()->storage->data) + src.offset() * dtype_size(dtype()),
                               src.is_cuda(), bytes);
  if (!is_floating(dtype())) return out;
  const Device from = device();
  return record("to_device", out, {*this}, [from](const Tensor& g) { return std::vector<Tensor>{g.to(from)}; });
}

double Tensor::at(const std::vector<std::int64_t>& index) const {
  if (static_cast<int>(index.size()) != dim())
    throw std::invalid_argument("Tensor::at: " + std::to_string(index.size()) + " indices for " + str());
  std::int64_t off = 0;
  for (int d = 0; d < dim(); ++d) {
    if (index[d] < 0 || index[d] >= shape()[d])
      throw std::out_of_range("Tensor::at: index " + std::to_string(index[d]) + " out of range for axis " +
                              std::to_string(d) + " of " + str());
    off += index[d] * strides()[d];
  }
  if (is_cuda()) return make_view(*this, {}, {}, offset() + off).to(Device::cpu()).item();
  return dispatch_any(dtype(), [&](auto tag) {
    using T = decltype(tag);
    return static_cast<double>(static_cast<const T*>(impl_->storage->data)[impl_->offset + off]);
  });
}

double Tensor::item() const {
  if (numel() != 1) throw std::invalid_argument("Tensor::item: expected one element, got " + str());
  return at(std::vector<std::int64_t>(dim(), 0));
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  if (is_cuda()) return to(Device::cpu()).to_vector<T>();
  std::vector<T> v(static_cast<std::size_t>(numel()));
  dispatch_any(dtype(), [&](auto tag) { kernels::gather_dense<T, decltype(tag)>(*this, v.data()); });
  return v;
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<std::int64_t> Tensor::to_vector<std::int64_t>() const;

void Tensor::fill_(double value) {
  if (is_cuda()) return kernels::cuda().fill(*this, value);
  dispatch_any(dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* base = static_cast<T*>(impl_->storage->data);
    const std::int64_t n = kernels::row_length(shape()), step = kernels::row_step(strides());
    const T v = static_cast<T>(value);
    kernels::for_each_row(
        shape(), strides(), offset(),
        [&](std::int64_t, std::int64_t off) {
          for (std::int64_t i = 0; i < n; ++i) base[off + i * step] = v;
        },
        kernels::rows_overlap(shape(), strides()));
  });
}

void Tensor::copy_(const Tensor& src) {
  if (src.shape() != shape())
    throw std::invalid_argument("copy_: source " + src.str() + " does not match destination " + str());
  if (is_cuda() || src.is_cuda()) {  // on our device, dense, in our dtype; then one kernel writes our view
    NoGradGuard no_grad;
    const Tensor here = src.to(device());
    const bool in_place = here.dtype() == dtype() && here.is_contiguous() && here.impl()->storage != impl_->storage;
    const Tensor dense = in_place ? here : dense_copy(here, dtype());
    if (is_cuda()) return kernels::cuda().copy_into(*this, dense);
    return copy_(dense);
  }
  // A dense source of our dtype is read in place unless it shares our storage (then copy it first).
  const bool in_place = src.dtype() == dtype() && src.is_contiguous() && src.impl()->storage != impl_->storage;
  const Tensor dense = in_place ? src : dense_copy(src, dtype());
  dispatch_any(dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* base = static_cast<T*>(impl_->storage->data);
    const T* s = dense.data<T>();
    const std::int64_t n = kernels::row_length(shape()), step = kernels::row_step(strides());
    kernels::for_each_row(
        shape(), strides(), offset(),
        [&](std::int64_t r, std::int64_t off) {
          const T* in = s + r * n;
          if (step == 1)
            std::memcpy(base + off, in, static_cast<std::size_t>(n) * sizeof(T));
          else
            for (std::int64_t i = 0; i < n; ++i) base[off + i * step] = in[i];
        },
        kernels::rows_overlap(shape(), strides()));
  });
}

// ---------------------------------------------------------------------------------------------------
// Autograd fields (backward() itself is in engine.cpp)

bool Tensor::requires_grad() const { return checked(impl_).requires_grad; }

Tensor& Tensor::requires_grad_(bool on) {
  if (!is_leaf())
    throw std::logic_error("requires_grad_: only leaf tensors can be flagged; " + str() + " was produced by " +
                           impl_->grad_fn->op + " (use detach() first)");
  if (on && !is_floating(dtype()))
    throw std::invalid_argument("requires_grad_: only floating tensors can require gradients, got " + str());
  impl_->requires_grad = on;
  return *this;
}

const Tensor& Tensor::grad() const { return checked(impl_).grad; }
Tensor& Tensor::mutable_grad() {
  checked(impl_);
  return impl_->grad;
}
void Tensor::zero_grad() {
  checked(impl_);
  impl_->grad = Tensor();
}
const std::shared_ptr<Node>& Tensor::grad_fn() const { return checked(impl_).grad_fn; }
bool Tensor::is_leaf() const { return checked(impl_).grad_fn == nullptr; }
void Tensor::retain_grad() {
  checked(impl_);
  impl_->retains_grad = true;
}

Tensor Tensor::detach() const { return make_view(*this, shape(), strides(), offset()); }

Tensor make_view(const Tensor& base, const Shape& shape, const Strides& strides, std::int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.impl()->storage;
  impl->shape = shape;
  impl->strides = strides;
  impl->offset = offset;
  impl->dtype = base.dtype();
  return Tensor(std::move(impl));
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  os << t.str();
  if (!t.defined() || t.numel() > 64) return os;
  os << " [";
  auto v = t.to_vector<double>();
  for (std::size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  return os << "]";
}

}  // namespace recgrad
