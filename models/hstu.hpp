// recgrad/models/hstu.hpp — HSTU (Zhai et al., ICML'24, "Actions Speak Louder than Words") as the chapter
// describes it and as the paper's code computes it (docs/PROTOCOLS.md §2.3):
//
//   x = Dropout(√d (M[s] + E_a[a]) + P) ⊙ keep                       (padded slots × 0; E_a: action embedding)
//   per layer:  U, V, Q, K = Split(φ1(f1(LN(x))))                    pointwise projection, φ1 = SiLU
//               A(X)V(X) = φ2(Q Kᵀ + rab^{p,t}) V / N                pointwise aggregation, φ2 = SiLU, causal
//               (rab^t only with time_bias and timestamps given as side inputs)
//               x = x + f2(Dropout(LN(A V) ⊙ U))                      pointwise transformation
//   F = x;  r_{t,i} = F_t · M_iᵀ (on L2-normalised vectors in the paper protocol)
//
// LayerNorms have no affine parameters by default (the paper's code); N is the padded length (the
// code's constant) or each sequence's own length (norm = "length").
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "models/sequence_model.hpp"
#include "nn/layers.hpp"
#include "nn/linear.hpp"
#include "nn/relative_bias.hpp"

namespace recgrad::models {

// What the attention weights are divided by: a constant N (the paper's code: its array width) or each
// sequence's own length.
enum class AttentionNorm { constant, length };
inline NameTable<AttentionNorm> names(AttentionNorm) {
  return {{AttentionNorm::constant, "constant"}, {AttentionNorm::length, "length"}};
}
// "zero_bias": f2's bias starts at 0 | "torch_reference": U(±1/√fan_in), torch's nn.Linear default, which
// generative-recommenders' HSTU keeps for its output projection _o (its reset skips the layers)
enum class HSTUInit { zero_bias, torch_reference };
inline NameTable<HSTUInit> names(HSTUInit) {
  return {{HSTUInit::zero_bias, "zero_bias"}, {HSTUInit::torch_reference, "torch_reference"}};
}

struct HSTUConfig {
  std::int64_t vocab = 3953;
  std::int64_t max_len = 200;
  std::int64_t d = 50;
  std::int64_t heads = 1;
  std::int64_t d_qk = 50;  // per head
  std::int64_t d_v = 50;   // per head
  std::int64_t layers = 2;
  double dropout = 0.2;        // on f2's input
  double input_dropout = 0.2;  // on the embeddings
  double ln_eps = 1e-6;
  bool ln_affine = false;
  AttentionNorm norm = AttentionNorm::constant;
  double norm_constant = 211;  // the paper's code: 200 + 11 (its padded array width)
  ItemInit item_init = ItemInit::truncated_normal;
  bool scale_embedding = true;  // x = √d M[s] + P (the paper's code); false: M[s] + P (the chapter)
  bool final_ln = false;        // a LayerNorm on the last layer's output (the chapter's models have one)
  HSTUInit init = HSTUInit::zero_bias;
  bool time_bias = false;             // add rab^t (needs key and query times in the side inputs)
  std::int64_t actions = 0;           // rows of the action embedding E_a (0: no action input; ratings: 6)
  bool positions_from_start = false;  // slot s of a row gets P[s] (right padding; rows may be cut shorter
                                      // than max_len); false: the last slot gets P[max_len − 1] (left padding)
};

struct HSTUBlock : nn::Module {
  HSTUBlock(const HSTUConfig& c, Generator& gen);
  // x: (B, T, d), rab: (B or 1, 1, T, T), valid: (B, T), n: (B) -> (B, T, d)
  Tensor forward(const Tensor& x, const Tensor& rab, const Tensor& valid, const Tensor& n) const;
  HSTUConfig config;
  nn::LayerNorm ln_in, ln_attn;
  nn::Linear f1;  // d -> H·(2 d_v + 2 d_qk), no bias: U, V, Q, K
  nn::Dropout drop;
  nn::Linear f2;  // H·d_v -> d
  nn::RelativeBias rab;
  mutable Tensor last_attention;  // A of the last forward, (B, H, T, T) (for plots)
};

class HSTU : public SequenceModel {
 public:
  HSTU(const HSTUConfig& c, Generator& gen);
  Tensor forward(const Tensor& seq) const override;                          // seq: (B, T) -> F: (B, T, d)
  Tensor forward(const Tensor& seq, const SideInputs& side) const override;  // seq, side: (B, T) -> F: (B, T, d)
  const Tensor& item_table() const override { return item_emb.weight; }

  HSTUConfig config;
  nn::Embedding item_emb;
  std::unique_ptr<nn::Embedding> action_emb;  // (actions, d), row 0 = no action; only when config.actions > 0
  Tensor P;                                   // (max_len, d)
  std::vector<std::unique_ptr<HSTUBlock>> blocks;
  nn::Dropout input_drop;
  nn::LayerNorm final_ln;
};

}  // namespace recgrad::models
