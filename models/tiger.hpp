// recgrad/models/tiger.hpp — TIGER's sequence-to-sequence model (Rajput et al., NeurIPS'23, §3.2): a
// T5-style encoder–decoder over semantic-ID tokens.
//
//   encoder input   [user token, ID tokens of item 1, …, ID tokens of item n]   (n ≤ max_items, oldest first)
//   decoder input   [BOS, t_1, …, t_m]      target  [t_1, …, t_{m+1}]           (teacher forcing)
//   encoder layer   x = x + Drop(SelfAttn(LN(x)));             x = x + Drop(FFN(LN(x)))
//   decoder layer   y = y + Drop(CausalSelfAttn(LN(y)));       y = y + Drop(CrossAttn(LN(y), memory))
//                   y = y + Drop(FFN(LN(y)))
//   logits          W_out LN(y): scores of the semantic tokens (the output never names a user token)
// Deviations from T5, kept for readability: LayerNorm instead of RMSNorm, learned absolute positions
// instead of T5's bucketed relative bias, untied input and output tables.
#pragma once
#include <memory>
#include <vector>

#include "models/enum_names.hpp"
#include "models/semantic_ids.hpp"
#include "nn/multihead_attention.hpp"

namespace recgrad::models {

// The learning rate after `warmup_steps` of linear warm-up: constant, or a cosine decay to 0 at the last step.
enum class LrSchedule { constant, cosine };
inline NameTable<LrSchedule> names(LrSchedule) {
  return {{LrSchedule::constant, "constant"}, {LrSchedule::cosine, "cosine"}};
}

struct TigerConfig {
  std::int64_t d = 128;  // d_model
  std::int64_t heads = 6;
  std::int64_t d_kv = 64;  // per head
  std::int64_t d_ff = 1024;
  int encoder_layers = 4;
  int decoder_layers = 4;
  double dropout = 0.1;
  std::int64_t max_items = 20;  // history cap (cornac's max_len = 20)
  std::int64_t user_buckets = 2000;
  int beam = 20;              // beam width at evaluation (must be ≥ every k reported)
  int prefixes_per_user = 0;  // training targets drawn per user each epoch (0: every prefix)
  LrSchedule lr_schedule = LrSchedule::cosine;
  std::int64_t warmup_steps = 500;
  std::int64_t valid_users = 0;  // validate on this many users (0: all), drawn once with the seed
  std::int64_t test_users = 0;   // test on this many users drawn with a fixed seed, plus every cold-item user (0: all)
};

struct TigerEncoderLayer : nn::Module {
  TigerEncoderLayer(const TigerConfig& c, Generator& gen);
  // x: (B, S, d), valid: (B, S) -> (B, S, d)
  Tensor forward(const Tensor& x, const Tensor& valid) const;
  nn::LayerNorm ln_attn, ln_ffn;
  nn::MultiHeadAttention attn;
  nn::FeedForward ffn;
  nn::Dropout drop;
};

struct TigerDecoderLayer : nn::Module {
  TigerDecoderLayer(const TigerConfig& c, Generator& gen);
  // y: (U·b, t, d), memory: (U, S, d), memory_valid: (U, S) -> (U·b, t, d); rows u·b … u·b + b − 1 of y
  // read memory row u (b = beams; 1 in training)
  Tensor forward(const Tensor& y, const Tensor& memory, const Tensor& memory_valid, std::int64_t beams = 1) const;
  // The same for one new position, reusing what earlier positions computed (a KV cache; evaluation only).
  // y: (U·b, 1, d) the newest position; K, V: this layer's self-attention keys and values of the earlier
  // positions, (U·b, t, H·d_kv) or undefined, extended here by the new one; memory_K, memory_V: the
  // cross-attention keys and values of each user's memory, (U, S, H·d_kv) -> (U·b, 1, d)
  Tensor step(const Tensor& y, Tensor& K, Tensor& V, const Tensor& memory_K, const Tensor& memory_V,
              const Tensor& memory_valid, std::int64_t beams) const;
  // The part both share: cross-attention to the memory's keys and values (U, S, H·d_kv), then the FFN.
  // y1: (U·b, t, d) -> (U·b, t, d)
  Tensor cross_and_feed_forward(const Tensor& y1, const Tensor& memory_K, const Tensor& memory_V,
                                const Tensor& memory_valid, std::int64_t beams) const;
  nn::LayerNorm ln_self, ln_cross, ln_ffn;
  nn::MultiHeadAttention self_attn, cross_attn;
  nn::FeedForward ffn;
  nn::Dropout drop;
};

class Tiger : public nn::Module {
 public:
  Tiger(const TigerConfig& c, const TokenSpace& tokens, Generator& gen);
  // tokens: (B, S) int64, 0 = padding -> memory (B, S, d)
  Tensor encode(const Tensor& tokens) const;
  // dec_tokens: (U·b, t) starting with BOS; memory: (U, S, d); memory_valid: (U, S) -> logits (U·b, t, n_semantic).
  // Rows u·b … u·b + b − 1 belong to user u: in beam search the b beams of a user share one memory, so
  // the cross-attention's keys and values are computed once per user, not once per beam.
  Tensor decode(const Tensor& dec_tokens, const Tensor& memory, const Tensor& memory_valid,
                std::int64_t beams = 1) const;
  // The same before the output layer: LN(y), (U·b, t, d). Beam search applies `head` to the last position only.
  Tensor decoder_states(const Tensor& dec_tokens, const Tensor& memory, const Tensor& memory_valid,
                        std::int64_t beams = 1) const;

  // Incremental decoding (beam search): each decoder layer's keys and values, kept between steps.
  struct DecoderCache {
    std::vector<Tensor> K, V;  // per layer: self-attention, (U·b, t, H·d_kv) for the t positions decoded
    std::vector<Tensor> memory_K, memory_V;  // per layer: cross-attention of each user's memory, (U, S, H·d_kv)
  };
  // memory: (U, S, d) -> a cache with the memory's keys and values and no decoded position yet
  DecoderCache start_decoding(const Tensor& memory) const;
  // tokens: (U·b, 1), the token at `position` of every row; cache: its rows' earlier positions (rows u·b … u·b + b − 1
  // belong to user u of the cache's memory) -> LN(y) of that position, (U·b, d). Equals decoder_states(…)'s last
  // position for the same prefixes.
  Tensor decode_step(const Tensor& tokens, std::int64_t position, DecoderCache& cache, const Tensor& memory_valid,
                     std::int64_t beams) const;
  TigerConfig config;
  TokenSpace space;
  nn::Embedding token_emb, enc_pos, dec_pos;
  std::vector<std::unique_ptr<TigerEncoderLayer>> encoder;
  std::vector<std::unique_ptr<TigerDecoderLayer>> decoder;
  nn::LayerNorm enc_ln, dec_ln;
  nn::Linear head;
};

// 1 where a token is real, 0 at padding. tokens: (B, S) int64 -> (B, S) float32
Tensor token_valid(const Tensor& tokens);

}  // namespace recgrad::models
