// recgrad/autograd/tensor.hpp — the N-d tensor and its autograd fields.
//
// A Tensor is a cheap handle (shared_ptr) to a TensorImpl: a view (shape, strides, offset) onto a
// reference-counted Storage, plus the autograd fields (requires_grad, grad, grad_fn). Copies of a
// Tensor share everything, like torch.Tensor in Python.
//
//   Tensor x = Tensor::randn({4, 3}, gen).requires_grad_();
//   Tensor y = sum(relu(matmul(x, W)));     // every op records a Node on the tape
//   y.backward();                            // fills x.grad() and W.grad()
//
// Views (reshape of a contiguous tensor, transpose, permute, slice, expand) share storage; kernels
// that need dense memory call contiguous(), which copies only when needed.
//
// Memory lives on a Device (autograd/device.hpp): the CPU, or a GPU in a build with CUDA. Tensors are
// made on the CPU unless a factory is given a device; `to(Device)` copies (and is differentiable).
#pragma once
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "autograd/device.hpp"
#include "autograd/dtype.hpp"
#include "autograd/shape.hpp"

namespace recgrad {

class Generator;
struct Node;
struct TensorImpl;

// An uninitialised buffer from a caching allocator: 64-byte aligned host memory (autograd/allocator.hpp),
// or GPU memory (autograd/kernels/cuda/runtime.cu).
struct Storage {
  explicit Storage(std::size_t nbytes, Device device = Device::cpu());
  // Bytes that belong to `owner` (kept alive by this Storage, never freed by it): a view of memory made elsewhere.
  Storage(void* data, std::size_t nbytes, Device device, std::shared_ptr<const void> owner);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  void* data = nullptr;
  std::size_t nbytes = 0;
  Device device;
  std::shared_ptr<const void> owner;  // set: borrowed bytes
};

class Tensor {
 public:
  Tensor() = default;  // an undefined tensor (used for "no gradient")
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- creation (contiguous, row-major) ----
  static Tensor empty(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
  static Tensor zeros(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
  static Tensor ones(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
  static Tensor full(const Shape& shape, double value, DType dtype = DType::f32, Device device = Device::cpu());
  static Tensor scalar(double value, DType dtype = DType::f32);  // always on the CPU (see device.hpp)
  static Tensor arange(std::int64_t n, DType dtype = DType::i64);
  static Tensor from_vector(const std::vector<float>& v, const Shape& shape);
  static Tensor from_vector(const std::vector<double>& v, const Shape& shape);
  static Tensor from_vector(const std::vector<std::int64_t>& v, const Shape& shape);
  static Tensor randn(const Shape& shape, Generator& gen, DType dtype = DType::f32);  // N(0, 1)
  static Tensor rand(const Shape& shape, Generator& gen, DType dtype = DType::f32);   // U[0, 1)
  static Tensor uniform(const Shape& shape, double lo, double hi, Generator& gen, DType dtype = DType::f32);
  static Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype(), t.device()); }

  // ---- metadata ----
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  const Strides& strides() const;
  std::int64_t offset() const;
  std::int64_t size(int axis) const;  // negative axes count from the end
  int dim() const;
  std::int64_t numel() const;
  DType dtype() const;
  Device device() const;
  bool is_cuda() const { return device().is_cuda(); }
  bool is_contiguous() const;
  std::string str() const;  // "Tensor(float32, (2, 3))", with ", cuda:0" on a GPU

  // ---- data access ----
  template <class T>
  T* data() const;                 // host pointer to element 0 of this view (checks the dtype and the device)
  Tensor contiguous() const;       // self if already dense, else a dense copy (differentiable)
  Tensor clone() const;            // always a dense copy (differentiable)
  Tensor to(DType dtype) const;    // cast (differentiable between float types)
  Tensor to(Device device) const;  // copy to another device (differentiable); self when already there
  double item() const;             // the single element of a 1-element tensor (waits for the GPU)
  double at(const std::vector<std::int64_t>& index) const;
  template <class T>
  std::vector<T> to_vector() const;  // elements in row-major order of this view (copied from the GPU)
  void fill_(double value);          // in place, never recorded
  void copy_(const Tensor& src);     // in place copy of same shape, never recorded

  // ---- autograd ----
  bool requires_grad() const;
  Tensor& requires_grad_(bool on = true);  // only on leaves
  const Tensor& grad() const;              // undefined until a backward reaches this tensor
  Tensor& mutable_grad();
  void zero_grad();  // drops the gradient (next backward starts from 0)
  const std::shared_ptr<Node>& grad_fn() const;
  bool is_leaf() const;
  void retain_grad();  // keep .grad() on a non-leaf after backward
  // Backward from a 1-element tensor (seed 1) or with an explicit upstream gradient of this shape.
  void backward(bool retain_graph = false) const;
  void backward(const Tensor& grad_output, bool retain_graph = false) const;
  Tensor detach() const;  // same storage, no history, requires_grad false

  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Strides strides;
  std::int64_t offset = 0;
  DType dtype = DType::f32;
  bool requires_grad = false;
  bool retains_grad = false;
  Tensor grad;                    // accumulated with += by backward()
  std::shared_ptr<Node> grad_fn;  // the op that produced this tensor (null for leaves)
};

// A view of `base` with the given geometry, sharing its storage. No autograd history.
Tensor make_view(const Tensor& base, const Shape& shape, const Strides& strides, std::int64_t offset);

std::ostream& operator<<(std::ostream& os, const Tensor& t);

}  // namespace recgrad
