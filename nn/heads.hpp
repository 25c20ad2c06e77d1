// recgrad/nn/heads.hpp — moving between one wide feature axis and H attention heads.
#pragma once
#include "autograd/autograd.hpp"

namespace recgrad::nn {

// x: (B, T, H·e) -> (B, H, T, e): head h reads features [h·e, (h + 1)·e) (a view where x is contiguous)
inline Tensor split_heads(const Tensor& x, std::int64_t H) {
  return permute(reshape(x, {x.size(0), x.size(1), H, x.size(2) / H}), {0, 2, 1, 3});
}

// A: (B, H, T, e) -> (B, T, H·e), the inverse of split_heads
inline Tensor merge_heads(const Tensor& A) {
  return reshape(permute(A, {0, 2, 1, 3}), {A.size(0), A.size(2), A.size(1) * A.size(3)});
}

}  // namespace recgrad::nn
