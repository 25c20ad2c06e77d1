// recgrad/nn/losses.hpp — the training losses of the sequential recommenders.
#pragma once
#include "autograd/autograd.hpp"

namespace recgrad::nn {

// Binary cross-entropy with logits over sampled negatives (SASRec's original loss):
//   L = Σ_i m_i [ -log σ(s⁺_i) - Σ_k log(1 - σ(s⁻_ik)) ] / Σ_i m_i
// pos: (N), neg: (N, k), mask: (N) 1 for positions that count. -log σ(s) = softplus(-s).
Tensor bce_sampled(const Tensor& pos, const Tensor& neg, const Tensor& mask);

// Sampled softmax: the positive competes with k sampled negatives.
//   logits = [<h, e⁺>, <h, e⁻_1>, …, <h, e⁻_k>] / τ,  L = mean over valid rows of -log softmax(logits)[0]
// h: (N, d), pos_emb: (N, d), neg_emb: (N, k, d) or (k, d) shared by all rows; pos_ids (N) and neg_ids
// (N, k) or (k) int64: a negative equal to the positive (an accidental hit) gets logit -5e4.
// l2_normalize: normalise h and embeddings first (then τ = 0.05 as in the HSTU paper's code).
struct SampledSoftmaxOptions {
  double temperature = 1.0;
  bool l2_normalize = false;
};
Tensor sampled_softmax(const Tensor& h, const Tensor& pos_emb, const Tensor& neg_emb, const Tensor& pos_ids,
                       const Tensor& neg_ids, const Tensor& mask, SampledSoftmaxOptions opt = {});

// The sequential recommenders' head with negatives drawn per position: F (B, T, d) outputs, M (V, d) the
// item table, rows (N) int64 flat positions b·T + t that have a target, pos_ids (N), neg_ids (N, k).
//   h = F[rows], logits = [<h, M[pos]>, <h, M[neg_1]>, …] / τ (L2-normalised first when asked), accidental hits
//   masked. The whole table is normalised once and embedding_dot gathers: no (N, k, d) temporary.
Tensor sampled_softmax_head(const Tensor& F, const Tensor& M, const Tensor& rows, const Tensor& pos_ids,
                            const Tensor& neg_ids, SampledSoftmaxOptions opt);

// The same loss from logits already computed: pos_logit (N, 1), neg_logit (N, k), pos_ids (N),
// neg_ids (N, k) for the accidental-hit mask, mask (N).  L = mean over valid rows of
// -log softmax([pos, neg] / τ)[0]
Tensor sampled_softmax_from_logits(const Tensor& pos_logit, const Tensor& neg_logit, const Tensor& pos_ids,
                                   const Tensor& neg_ids, const Tensor& mask, double temperature);

}  // namespace recgrad::nn
