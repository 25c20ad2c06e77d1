// recgrad/models/sasrec.hpp — SASRec (Kang & McAuley, ICDM'18) as the chapter describes it.
//
//   E = M[s] + P                                  item embedding M (shared with the output), positions P
//   per block:  A = Attention(LN(x), x)          causal, softmax, dropout on the probabilities
//               x = LN(x + A)                    (kang205's and the HSTU paper's code: LN(LN(x) + A),
//                                                 attn_residual = "query")
//               x = x + FFN(x)                   (fun-rec's code drops this residual: ffn_residual = false)
//   F = LN(x);  r_{t,i} = F_t · M_iᵀ             the score of item i after position t (the HSTU paper's
//                                                 SASRec has no final LN: final_ln = false)
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "models/sequence_model.hpp"
#include "nn/attention.hpp"

namespace recgrad::models {

// Where the attention sub-layer's residual starts: x + A, or LN(x) + A (kang205, generative-recommenders).
enum class AttnResidual { input, query };
inline NameTable<AttnResidual> names(AttnResidual) {
  return {{AttnResidual::input, "input"}, {AttnResidual::query, "query"}};
}
// "xavier_uniform": every Linear Xavier-uniform, biases 0, P Xavier-uniform | "torch_reference": as
// generative-recommenders' sasrec.py under PyTorch (reset_state + torch defaults), see init_like_torch_reference
enum class SASRecInit { xavier_uniform, torch_reference };
inline NameTable<SASRecInit> names(SASRecInit) {
  return {{SASRecInit::xavier_uniform, "xavier_uniform"}, {SASRecInit::torch_reference, "torch_reference"}};
}

struct SASRecConfig {
  std::int64_t vocab = 3707;  // items + 1 (id 0 is padding)
  std::int64_t max_len = 200;
  std::int64_t d = 50;
  std::int64_t heads = 1;
  std::int64_t layers = 2;  // SASRec blocks
  double dropout = 0.2;
  double ln_eps = 1e-3;
  bool ffn_residual = true;
  bool padding_row_trainable = true;  // the chapter's Keras table trains row 0 and ranks it
  bool scale_embedding = false;       // E = √d M[s] + P (the SASRec and HSTU papers' code)
  double input_dropout = 0.0;         // dropout on E
  bool zero_padding = false;          // multiply padded positions by 0 after the input and each block
  ItemInit item_init = ItemInit::uniform;
  AttnResidual attn_residual = AttnResidual::input;
  bool ln_affine = true;            // LayerNorms with γ, β (generative-recommenders' SASRec has none)
  bool ffn_output_dropout = false;  // dropout after the FFN's second layer (kang205, generative-recommenders)
  bool final_ln = true;             // LN on the last block's output (kang205: yes; generative-recommenders: no)
  SASRecInit init = SASRecInit::xavier_uniform;
  bool positions_from_start = false;  // slot s of a row gets P[s] (right padding; rows may be cut shorter
                                      // than max_len); false: the last slot gets P[max_len − 1] (left padding)
};

// One SASRec block; its two switches are the variants the reproductions need (SASRecConfig).
struct SASRecBlock : nn::Module {
  SASRecBlock(const SASRecConfig& c, Generator& gen);
  // x: (B, T, d), valid: (B, T) -> (B, T, d)
  Tensor forward(const Tensor& x, const Tensor& valid) const;
  nn::LayerNorm ln_attn, ln_out;
  nn::CausalSelfAttention attn;
  nn::FeedForward ffn;
  nn::Dropout ffn_out_drop;
  AttnResidual attn_residual;
  bool ffn_residual;
};

class SASRec : public SequenceModel {
 public:
  SASRec(const SASRecConfig& c, Generator& gen);
  // seq: (B, T) int64 item ids, left-padded with 0 -> F: (B, T, d)
  Tensor forward(const Tensor& seq) const override;
  // The item table M: (vocab, d), shared by input and output.
  const Tensor& item_table() const override { return item_emb.weight; }
  // Re-draws P and the blocks' weights the way generative-recommenders' SASRec gets them (config.init).
  void init_like_torch_reference(Generator& gen);

  SASRecConfig config;
  nn::Embedding item_emb;
  Tensor P;  // (max_len, d)
  std::vector<std::unique_ptr<SASRecBlock>> blocks;
  nn::LayerNorm final_ln;
  nn::Dropout input_drop;
};

}  // namespace recgrad::models
