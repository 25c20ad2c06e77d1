#include "nn/module.hpp"

namespace recgrad::nn {

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (const auto& [name, p] : params_) out.emplace_back(name, *p);
  for (const auto& [cname, child] : children_)
    for (auto& [name, p] : child->named_parameters()) out.emplace_back(cname + "." + name, p);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, p] : named_parameters()) out.push_back(p);
  return out;
}

void Module::zero_grad() {
  for (auto& p : parameters()) p.zero_grad();
}

Module& Module::to_(DType dtype) {
  for (auto& [name, p] : params_) {
    *p = p->detach().to(dtype).contiguous();  // a fresh leaf
    p->requires_grad_(true);
  }
  for (auto& [name, child] : children_) child->to_(dtype);
  return *this;
}

// The storage moves under the same TensorImpl, so every handle to a parameter (an optimizer's, a tied weight's)
// sees it on the new device.
Module& Module::to_(Device device) {
  for (auto& [name, p] : params_) {
    if (p->device() == device) continue;  // also a tied weight met a second time
    const Tensor moved = p->detach().to(device);
    TensorImpl& impl = *p->impl();
    impl.storage = moved.impl()->storage;
    impl.strides = contiguous_strides(impl.shape);
    impl.offset = 0;
    impl.grad = Tensor();
  }
  for (auto& [name, child] : children_) child->to_(device);
  return *this;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

Tensor& Module::register_parameter(const std::string& name, Tensor& p) {
  p.requires_grad_(true);
  params_.emplace_back(name, &p);
  return p;
}

void Module::register_module(const std::string& name, Module& child) { children_.emplace_back(name, &child); }

}  // namespace recgrad::nn
