// Losses, composed from primitive ops (so their gradients need no rule of their own).
#include "autograd/ops/common.hpp"

namespace recgrad {

// logits: (N, C), target: int64 (N).
// loss = -(1/|V|) Σ_{i ∈ V} log_softmax(logits)[i, target_i],  V = {i : target_i != ignore_index}
Tensor cross_entropy(const Tensor& logits, const Tensor& target, std::int64_t ignore_index) {
  if (logits.dim() != 2 || target.dim() != 1 || target.size(0) != logits.size(0))
    throw std::invalid_argument("cross_entropy: expected logits (N, C) and target (N), got " +
                                shape_str(logits.shape()) + " and " + shape_str(target.shape()));
  if (target.dtype() != DType::i64)
    throw std::invalid_argument("cross_entropy: target must be int64, got " + target.str());
  const std::int64_t N = logits.size(0), C = logits.size(1);
  auto t = target.to_vector<std::int64_t>();
  std::vector<double> weight(t.size(), 0.0);
  std::int64_t valid = 0;
  for (std::int64_t i = 0; i < N; ++i) {
    if (t[i] == ignore_index) {
      t[i] = 0;
      continue;
    }
    if (t[i] < 0 || t[i] >= C)
      throw std::out_of_range("cross_entropy: target " + std::to_string(t[i]) + " at row " + std::to_string(i) +
                              " is out of range [0, " + std::to_string(C) + ")");
    weight[i] = 1.0;
    ++valid;
  }
  for (auto& w : weight) w /= std::max<std::int64_t>(valid, 1);
  const Tensor picked = gather(log_softmax(logits, 1), 1, Tensor::from_vector(t, {N, 1}));  // (N, 1)
  const Tensor w = Tensor::from_vector(weight, {N, 1}).to(logits.dtype()).to(logits.device());
  return neg(sum(picked * w));
}

}  // namespace recgrad
