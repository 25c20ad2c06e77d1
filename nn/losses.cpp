#include "nn/losses.hpp"

#include "autograd/kernels/kernel_path.hpp"

#include <stdexcept>

namespace recgrad::nn {

// A sampled negative that is the positive itself gets this logit (the HSTU paper's code): exp(−5e4 / τ) is 0,
// so the accidental hit drops out of the softmax, while the value stays finite in float16 and bfloat16.
constexpr double kAccidentalHitLogit = -5e4;

// L = Σ m [softplus(-s⁺) + Σ_k softplus(s⁻)] / Σ m
Tensor bce_sampled(const Tensor& pos, const Tensor& neg, const Tensor& mask) {
  if (pos.dim() != 1 || neg.dim() != 2 || neg.size(0) != pos.size(0) || mask.shape() != pos.shape())
    throw std::invalid_argument("bce_sampled: expected pos (N), neg (N, k), mask (N), got " + shape_str(pos.shape()) +
                                ", " + shape_str(neg.shape()) + ", " + shape_str(mask.shape()));
  const Tensor per_row = softplus(recgrad::neg(pos)) + sum(softplus(neg), {1});
  const double count = std::max(1.0, sum(mask).item());
  return sum(per_row * mask) / count;
}

Tensor sampled_softmax(const Tensor& h_in, const Tensor& pos_in, const Tensor& neg_in, const Tensor& pos_ids,
                       const Tensor& neg_ids, const Tensor& mask, SampledSoftmaxOptions opt) {
  const std::int64_t N = h_in.size(0);
  if (h_in.dim() != 2 || pos_in.shape() != h_in.shape() || (neg_in.dim() != 2 && neg_in.dim() != 3))
    throw std::invalid_argument("sampled_softmax: expected h (N, d), pos (N, d), neg (N, k, d) or (k, d), got " +
                                shape_str(h_in.shape()) + ", " + shape_str(pos_in.shape()) + ", " +
                                shape_str(neg_in.shape()));
  Tensor h = h_in, pos = pos_in, neg = neg_in;
  if (opt.l2_normalize) {
    h = l2_normalize(h, -1, 1e-6);
    pos = l2_normalize(pos, -1, 1e-6);
    neg = l2_normalize(neg, -1, 1e-6);
  }
  const Tensor pos_logit = sum(h * pos, {1}, true);                                                          // (N, 1)
  const Tensor neg_logit = neg.dim() == 3 ? reshape(matmul(unsqueeze(h, 1), transpose(neg, 1, 2)), {N, -1})  // (N, k)
                                          : matmul(h, transpose(neg, 0, 1));
  const Tensor ids = neg_ids.dim() == 2 ? neg_ids : expand(unsqueeze(neg_ids, 0), {N, neg_ids.size(0)});
  return sampled_softmax_from_logits(pos_logit, neg_logit, pos_ids, ids, mask, opt.temperature);
}

Tensor sampled_softmax_head(const Tensor& F, const Tensor& M, const Tensor& rows, const Tensor& pos_ids,
                            const Tensor& neg_ids, SampledSoftmaxOptions opt) {
  if (F.dim() != 3 || M.dim() != 2 || F.size(2) != M.size(1) || rows.dim() != 1 || pos_ids.shape() != rows.shape() ||
      neg_ids.dim() != 2 || neg_ids.size(0) != rows.size(0))
    throw std::invalid_argument(
        "sampled_softmax_head: expected F (B, T, d), M (V, d), rows (N), pos_ids (N), neg_ids (N, k), got " +
        shape_str(F.shape()) + ", " + shape_str(M.shape()) + ", " + shape_str(rows.shape()) + ", " +
        shape_str(pos_ids.shape()) + ", " + shape_str(neg_ids.shape()));
  const std::int64_t N = rows.size(0);
  auto norm = [&](const Tensor& x) { return opt.l2_normalize ? l2_normalize(x, -1, 1e-6) : x; };
  const Tensor h = norm(index_select(reshape(F, {-1, F.size(2)}), 0, rows));  // (N, d)
  const Tensor Mn = norm(M);                                                  // (V, d)
  const Tensor pos_logit = embedding_dot(h, Mn, reshape(pos_ids, {N, 1}));    // (N, 1)
  const Tensor neg_logit = embedding_dot(h, Mn, neg_ids);                     // (N, k)
  return sampled_softmax_from_logits(pos_logit, neg_logit, pos_ids, neg_ids, Tensor::ones({N}), opt.temperature);
}

Tensor sampled_softmax_from_logits(const Tensor& pos_logit, const Tensor& neg_logit_in, const Tensor& pos_ids,
                                   const Tensor& neg_ids, const Tensor& mask, double temperature) {
  const std::int64_t N = neg_logit_in.size(0), k = neg_logit_in.size(1);
  if (pos_logit.shape() != Shape{N, 1} || neg_ids.shape() != Shape{N, k} || pos_ids.shape() != Shape{N})
    throw std::invalid_argument(
        "sampled_softmax: expected pos_logit (N, 1), neg_logit and neg_ids (N, k), pos_ids (N), got " +
        shape_str(pos_logit.shape()) + ", " + shape_str(neg_logit_in.shape()) + ", " + shape_str(neg_ids.shape()) +
        ", " + shape_str(pos_ids.shape()));
  // Accidental hits: a sampled negative that is the positive itself is pushed out of the softmax.
  // The ids and the mask are read on the host (copied back when a caller built them on a GPU).
  const Tensor p = pos_ids.to(Device::cpu()).contiguous(), n = neg_ids.to(Device::cpu()).contiguous();
  const Tensor m = mask.to(Device::cpu()).to(DType::f64).contiguous();
  const std::int64_t *pp = p.data<std::int64_t>(), *np = n.data<std::int64_t>();
  Tensor hit = Tensor::empty({N, k}, neg_logit_in.dtype());
  dispatch_float(hit.dtype(), "sampled_softmax", [&](auto tag) {
    using T = decltype(tag);
    T* h = hit.data<T>();
#pragma omp parallel for schedule(static) if (N * k >= kernels::kParallelGrain)
    for (std::int64_t i = 0; i < N; ++i)
      for (std::int64_t j = 0; j < k; ++j) h[i * k + j] = np[i * k + j] == pp[i] ? T(kAccidentalHitLogit) : T(0);
  });
  const Tensor logits = concat({pos_logit, neg_logit_in + hit.to(neg_logit_in.device())}, 1) * (1.0 / temperature);
  Tensor target = Tensor::empty({N}, DType::i64);  // class 0 (the positive); -100 for rows that do not count
  for (std::int64_t i = 0; i < N; ++i) target.data<std::int64_t>()[i] = m.data<double>()[i] == 0 ? -100 : 0;
  return cross_entropy(logits, target, -100);
}

}  // namespace recgrad::nn
