#include "models/sasrec.hpp"

#include <cmath>

#include "nn/init.hpp"

namespace recgrad::models {

SASRecBlock::SASRecBlock(const SASRecConfig& c, Generator& gen)
    : ln_attn(c.d, c.ln_eps, c.ln_affine),
      ln_out(c.d, c.ln_eps, c.ln_affine),
      attn(c.d, c.heads, c.dropout, gen),
      ffn(c.d, c.d, c.dropout, gen),
      ffn_out_drop(c.ffn_output_dropout ? c.dropout : 0.0, gen),
      attn_residual(c.attn_residual),
      ffn_residual(c.ffn_residual) {
  register_module("ln_attn", ln_attn);
  register_module("attn", attn);
  register_module("ln_out", ln_out);
  register_module("ffn", ffn);
  register_module("ffn_out_drop", ffn_out_drop);
}

SASRec::SASRec(const SASRecConfig& c, Generator& gen)
    : config(c),
      item_emb(c.vocab, c.d, gen, c.padding_row_trainable ? -1 : 0),
      final_ln(c.d, c.ln_eps, c.ln_affine),
      input_drop(c.input_dropout, gen) {
  if (c.item_init == ItemInit::truncated_normal)
    nn::init::truncated_normal_(item_emb.weight, 0.0, 0.02, gen);
  else
    nn::init::uniform_(item_emb.weight, -0.05, 0.05, gen);  // the chapter's Keras initialiser
  if (!c.padding_row_trainable) slice(item_emb.weight, 0, 0, 1).fill_(0.0);
  register_module("item_emb", item_emb);
  P = Tensor::empty({c.max_len, c.d});
  nn::init::xavier_uniform_(P, gen);
  register_parameter("P", P);
  for (std::int64_t b = 0; b < c.layers; ++b) {
    blocks.push_back(std::make_unique<SASRecBlock>(c, gen));
    register_module("blocks." + std::to_string(b), *blocks.back());
  }
  register_module("final_ln", final_ln);
  register_module("input_drop", input_drop);
  if (c.init == SASRecInit::torch_reference) init_like_torch_reference(gen);
}

// generative-recommenders' SASRec: reset_state() draws every ≥2-D block weight Xavier-normal, where Q, K, V
// are one fused (3d, d) in-projection (std √(2/(3d + d))); the out-projection and both 1×1 convolutions of
// the FFN get std √(2/(d + d)); biases keep torch's defaults (attention 0, Conv1d U(±1/√fan_in)); the
// position table keeps the preprocessor's truncated normal with std √(1/d).
void SASRec::init_like_torch_reference(Generator& gen) {
  const double d = static_cast<double>(config.d);
  nn::init::truncated_normal_(P, 0.0, std::sqrt(1.0 / d), gen);
  for (auto& blk : blocks) {
    for (nn::Linear* W : {&blk->attn.W_Q, &blk->attn.W_K, &blk->attn.W_V})
      nn::init::normal_(W->weight, 0.0, std::sqrt(2.0 / (4.0 * d)), gen);
    nn::init::normal_(blk->attn.W_O.weight, 0.0, std::sqrt(2.0 / (2.0 * d)), gen);
    for (nn::Linear* fc : {&blk->ffn.fc1, &blk->ffn.fc2}) {
      const double fan_in = static_cast<double>(fc->weight.size(1));
      nn::init::normal_(fc->weight, 0.0, std::sqrt(2.0 / (fan_in + static_cast<double>(fc->weight.size(0)))), gen);
      nn::init::uniform_(fc->bias, -1.0 / std::sqrt(fan_in), 1.0 / std::sqrt(fan_in), gen);
    }
  }
}

// x: (B, T, d), valid: (B, T) -> (B, T, d)
Tensor SASRecBlock::forward(const Tensor& x, const Tensor& valid) const {
  // A = Attention(LN(x), x)
  const Tensor q = ln_attn.forward(x);
  const Tensor A = attn.forward(q, x, valid);
  // x = LN(x + A), or LN(LN(x) + A) with the residual taken from the query
  const Tensor h = ln_out.forward((attn_residual == AttnResidual::query ? q : x) + A);
  // x = x + FFN(x), or FFN(x) alone without the residual (fun-rec's code)
  const Tensor f = ffn_out_drop.forward(ffn.forward(h));
  return ffn_residual ? h + f : f;
}

Tensor SASRec::forward(const Tensor& seq) const {
  const Tensor valid = padding_mask(seq).to(P.device());  // (B, T): 1 where seq[b, t] is an item
  const Tensor keep = unsqueeze(valid.to(P.dtype()), 2);  // (B, T, 1)
  auto zero_padding = [&](const Tensor& x) { return config.zero_padding ? x * keep : x; };
  // E = M[s] + P   (√d M[s] + P with scale_embedding)
  Tensor items = item_emb.forward(seq);
  if (config.scale_embedding) items = items * std::sqrt(static_cast<double>(config.d));
  Tensor x = zero_padding(input_drop.forward(items + position_rows(P, seq.size(1), config.positions_from_start)));
  for (const auto& blk : blocks) x = zero_padding(blk->forward(x, valid));
  return config.final_ln ? final_ln.forward(x) : x;  // F: (B, T, d)
}

}  // namespace recgrad::models
