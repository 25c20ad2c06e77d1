// An emulated GPU for the tests: a CUDA table (autograd/kernels/cuda/backend.hpp) whose "device memory" is host
// memory and whose every entry runs the CPU kernel on the same bytes. Linked into recgrad_emulated_gpu_tests with
// tests/test_cuda.cpp, it runs every GPU test where no GPU is: it cannot check the CUDA kernels themselves (their
// results equal the CPU's by construction), but it checks everything around them: that each op, module, model,
// loss, optimizer, checkpoint and training task keeps its tensors on the device, sends every kernel to the table,
// never reads a GPU pointer on the host, and that the CPU and "GPU" runs of the five SASRec steps agree.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "autograd/autograd.hpp"
#include "autograd/kernels/cuda/backend.hpp"
#include "autograd/kernels/embedding_dot.hpp"
#include "autograd/kernels/indexing.hpp"
#include "autograd/kernels/softmax.hpp"

namespace recgrad::test {
namespace {

using namespace kernels;

// The same bytes labelled with another device: a new TensorImpl over a borrowed Storage.
Tensor relabel(const Tensor& t, Device device) {
  if (!t.defined()) return t;
  const auto& s = t.impl()->storage;
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(s->data, s->nbytes, device, s);
  impl->shape = t.shape();
  impl->strides = t.strides();
  impl->offset = t.offset();
  impl->dtype = t.dtype();
  return Tensor(impl);
}
Tensor host(const Tensor& t) { return t.defined() && t.is_cuda() ? relabel(t, Device::cpu()) : t; }
Tensor gpu(const Tensor& t) { return relabel(t, Device::cuda()); }

void* allocate(std::size_t n) { return std::aligned_alloc(64, (n + 63) / 64 * 64 + 64); }
void deallocate(void* p, std::size_t) { std::free(p); }
void copy_bytes(void* dst, bool, const void* src, bool, std::size_t n) { std::memcpy(dst, src, n); }

Tensor dense_copy(const Tensor& src, DType to) {
  Tensor out = Tensor::empty(src.shape(), to);
  out.copy_(host(src));
  return gpu(out);
}

LayerNormForward layer_norm(const Tensor& x, const Tensor& g, const Tensor& b, double eps) {
  const LayerNormForward f = layer_norm_rows(host(x), host(g), host(b), eps);
  return {gpu(f.y), gpu(f.xhat), gpu(f.rstd)};
}
LayerNormBackward layer_norm_backward(const Tensor& g, const LayerNormForward& s, const Tensor& gamma, bool affine) {
  const LayerNormBackward b =
      layer_norm_rows_backward(host(g), {host(s.y), host(s.xhat), host(s.rstd)}, host(gamma), affine);
  return {gpu(b.dx), b.dgamma.defined() ? gpu(b.dgamma) : Tensor(), b.dbeta.defined() ? gpu(b.dbeta) : Tensor()};
}

void attention_fwd(const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& qv, const Tensor& kv,
                   const AttentionDims& d, double scale, const AttentionDropout& drop, Tensor& P, Tensor& Pd,
                   Tensor& O) {
  Tensor hp = host(P), hpd = host(Pd), ho = host(O);
  attention_forward(host(Q), host(K), host(V), host(qv), host(kv), d, scale, drop, hp, hpd, ho);
}
void attention_bwd(const Tensor& dO, const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& P,
                   const Tensor& Pd, const Tensor& qv, const Tensor& kv, const AttentionDims& d, double scale, double p,
                   Tensor& dQ, Tensor& dK, Tensor& dV) {
  Tensor a = host(dQ), b = host(dK), c = host(dV);
  attention_backward(host(dO), host(Q), host(K), host(V), host(P), host(Pd), host(qv), host(kv), d, scale, p, a, b, c);
}
void hstu_fwd(const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& rab, bool batched, const Tensor& inv_n,
              const Tensor& kv, const HstuAttentionDims& d, Tensor& Z, Tensor& A, Tensor& O) {
  Tensor z = host(Z), a = host(A), o = host(O);
  hstu_attention_forward(host(Q), host(K), host(V), host(rab), batched, host(inv_n), host(kv), d, z, a, o);
}
void hstu_bwd(const Tensor& dO, const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& Z, const Tensor& A,
              const Tensor& inv_n, const Tensor& kv, const HstuAttentionDims& d, Tensor& dQ, Tensor& dK, Tensor& dV,
              Tensor& dZ) {
  Tensor a = host(dQ), b = host(dK), c = host(dV), z = host(dZ);
  hstu_attention_backward(host(dO), host(Q), host(K), host(V), host(Z), host(A), host(inv_n), host(kv), d, a, b, c, z);
}

// kernels/adam.hpp's update, element by element.
void adam_step(const Tensor& theta, const Tensor& grad, const Tensor& m, const Tensor& v, const AdamStep& s) {
  const Tensor w = host(theta), g = host(grad), hm = host(m), hv = host(v);
  dispatch_float(w.dtype(), "adam", [&](auto tag) {
    using T = decltype(tag);
    T* pw = w.data<T>();
    const T* pg = g.data<T>();
    double *pm = hm.data<double>(), *pv = hv.data<double>();
    for (std::int64_t i = 0; i < w.numel(); ++i) pw[i] = static_cast<T>(adam_update(pw[i], pg[i], pm[i], pv[i], s));
  });
}
void sgd_step(const Tensor& theta, const Tensor& grad, double lr, double wd) {
  const Tensor w = host(theta), g = host(grad);
  dispatch_float(w.dtype(), "sgd", [&](auto tag) {
    using T = decltype(tag);
    T* pw = w.data<T>();
    const T* pg = g.data<T>();
    for (std::int64_t i = 0; i < w.numel(); ++i) pw[i] -= static_cast<T>(lr * (pg[i] + wd * pw[i]));
  });
}

const CudaKernels& emulated_table() {
  static const CudaKernels table{
      [] { return 1; },
      [] { return "emulated GPU (host memory, CPU kernels)"; },
      allocate,
      deallocate,
      [] {},
      [] { return std::size_t{0}; },
      copy_bytes,
      [] {},
      [](const Tensor& t, double v) { host(t).fill_(v); },
      dense_copy,
      [](const Tensor& dst, const Tensor& src) { host(dst).copy_(host(src)); },
      [](Unary f, const Tensor& x) { return gpu(unary(f, host(x))); },
      [](Binary f, const Tensor& a, const Tensor& b, const Shape&) { return gpu(binary(f, host(a), host(b), "op")); },
      [](const Tensor& x, double lo, double hi) { return gpu(inside_mask(host(x), lo, hi)); },
      [](const Tensor& x, double lo, double hi) { return gpu(clamp_values(host(x), lo, hi)); },
      [](const Tensor& c, const Tensor& a, const Tensor& b, const Shape& s) {
        return gpu(kernels::where(host(c), host(a), host(b), s));
      },
      [](const Tensor& ids, std::int64_t pad, DType dt) { return gpu(kernels::padding_mask(host(ids), pad, dt)); },
      [](const Shape& s, DType dt, double p, std::uint64_t key, std::uint64_t base) {
        return gpu(dropout_mask(s, dt, Device::cpu(), p, key, base));
      },
      [](Reduce op, const Tensor& x, const std::vector<int>& axes) { return gpu(reduce(op, host(x), axes)); },
      [](const Tensor& x, int axis) { return gpu(kernels::argmin(host(x), axis)); },
      [](const Tensor& x, bool log) { return gpu(softmax_rows(host(x), log)); },
      [](const Tensor& y, const Tensor& g, bool log) { return gpu(softmax_rows_backward(host(y), host(g), log)); },
      layer_norm,
      layer_norm_backward,
      [](const Tensor& a, const Tensor& b, const Shape&) {
        NoGradGuard no_grad;
        return gpu(matmul(host(a), host(b)));
      },
      [](const Tensor& x, int axis, const Tensor& ids) { return gpu(select_rows(host(x), axis, host(ids))); },
      [](const Tensor& g, const Shape& s, int axis, const Tensor& ids, std::int64_t skip) {
        return gpu(scatter_add_rows(host(g), s, axis, host(ids), skip));
      },
      [](const Tensor& x, const Tensor& off, const Shape& s) { return gpu(take(host(x), host(off), s)); },
      [](const Tensor& g, const Tensor& off, const Shape& s) { return gpu(put_add(host(g), host(off), s)); },
      [](const Tensor& h, const Tensor& W, const Tensor& ids) {
        return gpu(kernels::embedding_dot(host(h), host(W), host(ids)));
      },
      [](const Tensor& g, const Tensor& h, const Tensor& W, const Tensor& ids, Tensor& gh, Tensor& gW) {
        kernels::embedding_dot_backward(host(g), host(h), host(W), host(ids), gh, gW);
        gh = gpu(gh);
        gW = gpu(gW);
      },
      attention_fwd,
      attention_bwd,
      hstu_fwd,
      hstu_bwd,
      adam_step,
      sgd_step,
  };
  return table;
}

class EmulatedGpu : public ::testing::Environment {
 public:
  void SetUp() override { set_cuda_for_testing(&emulated_table()); }
  void TearDown() override { set_cuda_for_testing(nullptr); }
};

[[maybe_unused]] ::testing::Environment* const kEnvironment = ::testing::AddGlobalTestEnvironment(new EmulatedGpu);

}  // namespace
}  // namespace recgrad::test
