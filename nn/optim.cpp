#include "nn/optim.hpp"

#include <cmath>

#include "autograd/kernels/adam.hpp"
#include "autograd/kernels/cuda/backend.hpp"
#include "autograd/kernels/kernel_path.hpp"

namespace recgrad::nn {

void Optimizer::zero_grad() {
  for (auto& p : params_) p.zero_grad();
}

// Applies f(θ, g, i) elementwise over a parameter and its gradient (both dense float). Each element is
// updated on its own, so large parameters (the item table) are split across threads with the same result.
template <class F>
static void for_each_element(Tensor& p, F f) {
  const Tensor& g = p.grad();
  dispatch_float(p.dtype(), "optimizer", [&](auto tag) {
    using T = decltype(tag);
    T* w = p.data<T>();
    const T* gr = g.data<T>();
    const std::int64_t n = p.numel();
#pragma omp parallel for schedule(static) if (n >= kernels::kParallelGrain)
    for (std::int64_t i = 0; i < n; ++i) f(w[i], static_cast<double>(gr[i]), i);
  });
}

SGD::SGD(std::vector<Tensor> params, double lr, double weight_decay)
    : Optimizer(std::move(params)), lr_(lr), wd_(weight_decay) {}

void SGD::step() {
  for (auto& p : params_) {
    if (!p.grad().defined()) continue;
    if (p.is_cuda()) {
      kernels::cuda().sgd_step(p, p.grad().contiguous(), lr_, wd_);
      continue;
    }
    for_each_element(
        p, [&](auto& w, double g, std::int64_t) { w -= static_cast<std::decay_t<decltype(w)>>(lr_ * (g + wd_ * w)); });
  }
}

Adam::Adam(std::vector<Tensor> params, Options opt) : Optimizer(std::move(params)), opt_(opt) {
  for (auto& p : params_) {
    m_.push_back(Tensor::zeros(p.shape(), DType::f64, p.device()));
    v_.push_back(Tensor::zeros(p.shape(), DType::f64, p.device()));
  }
}

void Adam::step() {
  ++t_;
  const double bc1 = 1.0 - std::pow(opt_.beta1, static_cast<double>(t_));
  const double bc2 = 1.0 - std::pow(opt_.beta2, static_cast<double>(t_));
  const kernels::AdamStep s{opt_.lr, opt_.beta1, opt_.beta2, opt_.eps, opt_.weight_decay, bc1, bc2, opt_.decoupled};
  for (std::size_t k = 0; k < params_.size(); ++k) {
    Tensor& p = params_[k];
    if (!p.grad().defined()) continue;
    if (m_[k].device() != p.device()) {  // the model moved after this optimizer was made: its moments follow
      m_[k] = m_[k].to(p.device());
      v_[k] = v_[k].to(p.device());
    }
    if (p.is_cuda()) {  // the same update, fused in one kernel (kernels/cuda/optim.cu)
      kernels::cuda().adam_step(p, p.grad().contiguous(), m_[k], v_[k], s);
      continue;
    }
    double* m = m_[k].data<double>();
    double* v = v_[k].data<double>();
    for_each_element(p, [&](auto& w, double g, std::int64_t i) {
      w = static_cast<std::decay_t<decltype(w)>>(kernels::adam_update(w, g, m[i], v[i], s));
    });
  }
}

std::vector<std::pair<std::string, Tensor>> Adam::state() const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (std::size_t k = 0; k < m_.size(); ++k) {
    out.emplace_back("m." + std::to_string(k), m_[k]);
    out.emplace_back("v." + std::to_string(k), v_[k]);
  }
  return out;
}

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm) {
  double sq = 0;
  Tensor sq_gpu;  // on a GPU the squares are summed there, in float64, and read back once
  for (const auto& p : params) {
    if (!p.grad().defined()) continue;
    if (p.grad().is_cuda()) {
      NoGradGuard no_grad;
      const Tensor g = p.grad().to(DType::f64);
      sq_gpu = sq_gpu.defined() ? sq_gpu + sum(g * g) : sum(g * g);
      continue;
    }
    for (double g : p.grad().to_vector<double>()) sq += g * g;
  }
  if (sq_gpu.defined()) sq += sq_gpu.item();
  const double norm = std::sqrt(sq);
  if (norm > max_norm && norm > 0) {
    const double s = max_norm / norm;
    for (auto p : params)
      if (p.grad().defined()) p.mutable_grad().copy_(p.grad() * s);
  }
  return norm;
}

}  // namespace recgrad::nn
