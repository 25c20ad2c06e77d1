// recgrad/nn/module.hpp — the base of every layer: named parameters, children, train/eval mode.
//
//   struct MLP : Module {
//     Linear fc1{...}, fc2{...};
//     MLP() { register_module("fc1", fc1); register_module("fc2", fc2); }
//   };
//   for (auto& [name, p] : mlp.named_parameters()) ...   // "fc1.weight", "fc1.bias", ...
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "autograd/autograd.hpp"

namespace recgrad::nn {

class Module {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Parameters of this module and all children, named by path ("blocks.0.attn.W_q").
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  std::vector<Tensor> parameters() const;
  void zero_grad();
  // Converts every parameter to `dtype` in place (float64 for gradient checks); returns *this.
  Module& to_(DType dtype);
  // Moves every parameter to `device` in place: the same Tensors, so optimizers and tied weights follow. Returns *this.
  Module& to_(Device device);
  void train(bool on = true);
  void eval() { train(false); }
  bool training() const { return training_; }

 protected:
  // Registers a leaf parameter (sets requires_grad) and returns it.
  Tensor& register_parameter(const std::string& name, Tensor& p);
  void register_module(const std::string& name, Module& child);

 private:
  std::vector<std::pair<std::string, Tensor*>> params_;
  std::vector<std::pair<std::string, Module*>> children_;
  bool training_ = true;
};

}  // namespace recgrad::nn
