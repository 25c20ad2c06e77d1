#include "models/hstu.hpp"

#include <cmath>
#include <stdexcept>

#include "nn/heads.hpp"
#include "nn/init.hpp"

namespace recgrad::models {

HSTUBlock::HSTUBlock(const HSTUConfig& c, Generator& gen)
    : config(c),
      ln_in(c.d, c.ln_eps, c.ln_affine),
      ln_attn(c.heads * c.d_v, c.ln_eps, c.ln_affine),
      f1(c.d, c.heads * (2 * c.d_v + 2 * c.d_qk), gen, /*bias=*/false),
      drop(c.dropout, gen),
      f2(c.heads * c.d_v, c.d, gen),
      rab(c.max_len, gen) {
  nn::init::normal_(f1.weight, 0.0, 0.02, gen);  // the paper's code: uvqk ~ N(0, 0.02²)
  register_module("ln_in", ln_in);
  register_module("f1", f1);
  register_module("ln_attn", ln_attn);
  register_module("dropout", drop);
  register_module("f2", f2);
  register_module("rab", rab);
}

Tensor HSTUBlock::forward(const Tensor& x, const Tensor& rab_bias, const Tensor& valid, const Tensor& n) const {
  const std::int64_t H = config.heads, dv = config.d_v, dqk = config.d_qk;
  // Pointwise projection:  U, V, Q, K = Split(φ1(f1(LN(x))))
  // φ1 acts elementwise, so each part is φ1 of LN(x) times its own rows of f1's weight (u, v, q, k in that
  // order): four narrow products rather than slices of one wide one, whose backward would build four
  // zero-padded (B, T, H·(2 d_v + 2 d_qk)) gradients and add them.
  const Tensor xn = ln_in.forward(x);                      // (B, T, d)
  auto part = [&](std::int64_t begin, std::int64_t end) {  // -> (B, T, end - begin)
    return silu(matmul(xn, transpose(slice(f1.weight, 0, begin, end), 0, 1)));
  };
  const Tensor U = part(0, H * dv);
  const Tensor V = nn::split_heads(part(H * dv, 2 * H * dv), H);
  const Tensor Q = nn::split_heads(part(2 * H * dv, 2 * H * dv + H * dqk), H);
  const Tensor K = nn::split_heads(part(2 * H * dv + H * dqk, 2 * H * (dv + dqk)), H);
  // Pointwise aggregation:  A(X)V(X) = φ2(Q Kᵀ + rab) V / N   (causal)
  const Tensor AV = hstu_attention(Q, K, V, rab_bias, valid, n, &last_attention);  // (B, H, T, d_v)
  const Tensor AVc = nn::merge_heads(AV);                                          // (B, T, H·d_v)
  // Pointwise transformation:  Y = f2(Norm(A V) ⊙ U), with the residual
  return x + f2.forward(drop.forward(ln_attn.forward(AVc) * U));
}

HSTU::HSTU(const HSTUConfig& c, Generator& gen)
    : config(c),
      item_emb(c.vocab, c.d, gen, /*padding_idx=*/0),
      input_drop(c.input_dropout, gen),
      final_ln(c.d, c.ln_eps, c.ln_affine) {
  if (c.d_qk < 1 || c.d_v < 1 || c.heads < 1) throw std::invalid_argument("HSTU: heads, d_qk and d_v must be positive");
  if (c.item_init == ItemInit::truncated_normal)
    nn::init::truncated_normal_(item_emb.weight, 0.0, 0.02, gen);
  else
    nn::init::uniform_(item_emb.weight, -0.05, 0.05, gen);
  slice(item_emb.weight, 0, 0, 1).fill_(0.0);
  register_module("item_emb", item_emb);
  P = Tensor::empty({c.max_len, c.d});
  nn::init::normal_(P, 0.0, std::sqrt(2.0 / static_cast<double>(c.max_len + c.d)), gen);  // Xavier-normal
  register_parameter("P", P);
  for (std::int64_t b = 0; b < c.layers; ++b) {
    blocks.push_back(std::make_unique<HSTUBlock>(c, gen));
    register_module("blocks." + std::to_string(b), *blocks.back());
  }
  register_module("input_drop", input_drop);
  if (c.final_ln) register_module("final_ln", final_ln);
  if (c.init == HSTUInit::torch_reference)
    for (auto& blk : blocks) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(blk->f2.weight.size(1)));
      nn::init::uniform_(blk->f2.bias, -bound, bound, gen);
    }
  if (c.actions > 0) {  // created last, so configs without actions draw the same initial parameters
    action_emb = std::make_unique<nn::Embedding>(c.actions, c.d, gen, /*padding_idx=*/0);
    nn::init::truncated_normal_(action_emb->weight, 0.0, 0.02, gen);
    slice(action_emb->weight, 0, 0, 1).fill_(0.0);
    register_module("action_emb", *action_emb);
  }
}

Tensor HSTU::forward(const Tensor& seq) const { return forward(seq, SideInputs{}); }

Tensor HSTU::forward(const Tensor& seq, const SideInputs& side) const {
  const std::int64_t B = seq.size(0), T = seq.size(1);
  const Tensor valid = padding_mask(seq).to(P.device());  // (B, T): 1 where seq[b, t] is an item
  // N of A = φ2(Q Kᵀ + rab) / N: each row's own length (at least 1), or the constant
  const Tensor n = config.norm == AttentionNorm::length ? clamp_min(sum(valid, {1}), 1.0)
                                                        : Tensor::full({B}, config.norm_constant);  // (B)
  const Tensor keep = reshape(valid.to(P.dtype()), {B, T, 1});
  // x = Dropout(√d (M[s] + E_a[a]) + P) ⊙ keep
  Tensor tokens = item_emb.forward(seq);
  if (config.actions > 0) {
    if (!side.actions.defined()) throw std::invalid_argument("HSTU: config.actions > 0 but no actions were given");
    tokens = tokens + action_emb->forward(side.actions);
  }
  if (config.scale_embedding) tokens = tokens * std::sqrt(static_cast<double>(config.d));
  Tensor x = input_drop.forward(tokens + position_rows(P, T, config.positions_from_start)) * keep;
  // rab^{p,t}: the time buckets are computed once and shared by the layers
  Tensor buckets;
  if (config.time_bias) {
    if (!side.key_time.defined() || !side.query_time.defined())
      throw std::invalid_argument("HSTU: time_bias needs key and query times (the data has no timestamps?)");
    buckets = nn::time_buckets(side.query_time, side.key_time);  // (B, T, T)
  }
  for (const auto& blk : blocks) {
    Tensor rab = blk->rab.positions(T).to(P.dtype());
    if (buckets.defined()) rab = rab + blk->rab.times(buckets).to(P.dtype());  // (B, 1, T, T)
    x = blk->forward(x, rab, valid, n);
  }
  return config.final_ln ? final_ln.forward(x) : x;  // F: (B, T, d)
}

}  // namespace recgrad::models
