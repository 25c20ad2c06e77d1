// recgrad/nn/linear.hpp — y = x Wᵀ + b.
#pragma once
#include "nn/module.hpp"

namespace recgrad::nn {

class Linear : public Module {
 public:
  // weight: (out, in) Xavier-uniform, bias: (out) zeros.
  Linear(std::int64_t in, std::int64_t out, Generator& gen, bool bias = true, DType dtype = DType::f32);
  // x: (..., in) -> (..., out)
  Tensor forward(const Tensor& x) const;

  Tensor weight, bias;
};

}  // namespace recgrad::nn
