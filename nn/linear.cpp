#include "nn/linear.hpp"

#include "nn/init.hpp"

namespace recgrad::nn {

Linear::Linear(std::int64_t in, std::int64_t out, Generator& gen, bool with_bias, DType dtype) {
  weight = Tensor::empty({out, in}, dtype);
  init::xavier_uniform_(weight, gen);
  register_parameter("weight", weight);
  if (with_bias) {
    bias = Tensor::zeros({out}, dtype);
    register_parameter("bias", bias);
  }
}

// y = x Wᵀ + b
Tensor Linear::forward(const Tensor& x) const {
  Tensor y = matmul(x, transpose(weight, 0, 1));
  return bias.defined() ? y + bias : y;
}

}  // namespace recgrad::nn
