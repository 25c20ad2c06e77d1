#include "models/tiger.hpp"

#include "nn/init.hpp"

namespace recgrad::models {

TigerEncoderLayer::TigerEncoderLayer(const TigerConfig& c, Generator& gen)
    : ln_attn(c.d),
      ln_ffn(c.d),
      attn(c.d, c.heads, c.d_kv, c.dropout, gen),
      ffn(c.d, c.d_ff, c.dropout, gen),
      drop(c.dropout, gen) {
  register_module("ln_attn", ln_attn);
  register_module("ln_ffn", ln_ffn);
  register_module("attn", attn);
  register_module("ffn", ffn);
  register_module("drop", drop);
}

Tensor TigerEncoderLayer::forward(const Tensor& x, const Tensor& valid) const {
  const Tensor h = ln_attn.forward(x);
  const Tensor x1 = x + drop.forward(attn.forward(h, h, valid, valid, /*causal=*/false));  // x + Drop(SelfAttn(LN(x)))
  return x1 + drop.forward(ffn.forward(ln_ffn.forward(x1)));                               // x + Drop(FFN(LN(x)))
}

TigerDecoderLayer::TigerDecoderLayer(const TigerConfig& c, Generator& gen)
    : ln_self(c.d),
      ln_cross(c.d),
      ln_ffn(c.d),
      self_attn(c.d, c.heads, c.d_kv, c.dropout, gen),
      cross_attn(c.d, c.heads, c.d_kv, c.dropout, gen),
      ffn(c.d, c.d_ff, c.dropout, gen),
      drop(c.dropout, gen) {
  register_module("ln_self", ln_self);
  register_module("ln_cross", ln_cross);
  register_module("ln_ffn", ln_ffn);
  register_module("self_attn", self_attn);
  register_module("cross_attn", cross_attn);
  register_module("ffn", ffn);
  register_module("drop", drop);
}

Tensor TigerDecoderLayer::forward(const Tensor& y, const Tensor& memory, const Tensor& memory_valid,
                                  std::int64_t beams) const {
  const Tensor h = ln_self.forward(y);
  const Tensor y1 = y + drop.forward(self_attn.forward(h, h, Tensor(), Tensor(), /*causal=*/true));
  const auto [memory_K, memory_V] = cross_attn.keys_values(memory);
  return cross_and_feed_forward(y1, memory_K, memory_V, memory_valid, beams);
}

Tensor TigerDecoderLayer::step(const Tensor& y, Tensor& K, Tensor& V, const Tensor& memory_K, const Tensor& memory_V,
                               const Tensor& memory_valid, std::int64_t beams) const {
  const Tensor h = ln_self.forward(y);
  const auto [k, v] = self_attn.keys_values(h);  // (U·b, 1, H·d_kv)
  K = K.defined() ? concat({K, k}, 1) : k;
  V = V.defined() ? concat({V, v}, 1) : v;
  // the newest position sees every earlier one and itself: no mask needed
  const Tensor y1 = y + drop.forward(self_attn.attend(h, K, V, Tensor(), Tensor(), /*causal=*/false));
  return cross_and_feed_forward(y1, memory_K, memory_V, memory_valid, beams);
}

// y1: (U·b, t, d) -> y2 = y1 + Drop(CrossAttn(LN(y1), memory));  y2 + Drop(FFN(LN(y2)))
Tensor TigerDecoderLayer::cross_and_feed_forward(const Tensor& y1, const Tensor& memory_K, const Tensor& memory_V,
                                                 const Tensor& memory_valid, std::int64_t beams) const {
  const std::int64_t rows = y1.size(0), t = y1.size(1), d = y1.size(2);
  // each query attends to its user's memory; a user's b beams are b·t queries of one row
  const Tensor q = reshape(ln_cross.forward(y1), {rows / beams, beams * t, d});
  const Tensor c =
      reshape(cross_attn.attend(q, memory_K, memory_V, Tensor(), memory_valid, /*causal=*/false), {rows, t, d});
  const Tensor y2 = y1 + drop.forward(c);
  return y2 + drop.forward(ffn.forward(ln_ffn.forward(y2)));
}

Tiger::Tiger(const TigerConfig& c, const TokenSpace& tokens, Generator& gen)
    : config(c),
      space(tokens),
      token_emb(tokens.vocab(), c.d, gen, TokenSpace::pad),
      enc_pos(1 + c.max_items * tokens.positions(), c.d, gen),
      dec_pos(tokens.positions(), c.d, gen),
      enc_ln(c.d),
      dec_ln(c.d),
      head(c.d, tokens.n_semantic(), gen) {
  for (Tensor* t : {&token_emb.weight, &enc_pos.weight, &dec_pos.weight})
    nn::init::truncated_normal_(*t, 0.0, 0.02, gen);
  slice(token_emb.weight, 0, TokenSpace::pad, TokenSpace::pad + 1).fill_(0.0);
  register_module("token_emb", token_emb);
  register_module("enc_pos", enc_pos);
  register_module("dec_pos", dec_pos);
  for (int i = 0; i < c.encoder_layers; ++i) {
    encoder.push_back(std::make_unique<TigerEncoderLayer>(c, gen));
    register_module("encoder." + std::to_string(i), *encoder.back());
  }
  for (int i = 0; i < c.decoder_layers; ++i) {
    decoder.push_back(std::make_unique<TigerDecoderLayer>(c, gen));
    register_module("decoder." + std::to_string(i), *decoder.back());
  }
  register_module("enc_ln", enc_ln);
  register_module("dec_ln", dec_ln);
  register_module("head", head);
}

Tensor token_valid(const Tensor& tokens) { return padding_mask(tokens, TokenSpace::pad); }

Tensor Tiger::encode(const Tensor& tokens) const {
  const std::int64_t S = tokens.size(1);
  if (S > enc_pos.weight.size(0))
    throw std::invalid_argument("Tiger::encode: " + std::to_string(S) + " tokens, the model has positions for " +
                                std::to_string(enc_pos.weight.size(0)));
  const Tensor valid = token_valid(tokens);
  Tensor x = token_emb.forward(tokens) + slice(enc_pos.weight, 0, 0, S);  // (B, S, d)
  for (const auto& layer : encoder) x = layer->forward(x, valid);
  return enc_ln.forward(x);
}

Tensor Tiger::decoder_states(const Tensor& dec_tokens, const Tensor& memory, const Tensor& memory_valid,
                             std::int64_t beams) const {
  const std::int64_t t = dec_tokens.size(1);
  if (beams < 1 || dec_tokens.size(0) != memory.size(0) * beams)
    throw std::invalid_argument("Tiger::decode: " + std::to_string(dec_tokens.size(0)) + " decoder rows for " +
                                std::to_string(memory.size(0)) + " memory rows and " + std::to_string(beams) +
                                " beams each");
  Tensor y = token_emb.forward(dec_tokens) + slice(dec_pos.weight, 0, 0, t);  // (U·b, t, d)
  for (const auto& layer : decoder) y = layer->forward(y, memory, memory_valid, beams);
  return dec_ln.forward(y);
}

Tensor Tiger::decode(const Tensor& dec_tokens, const Tensor& memory, const Tensor& memory_valid,
                     std::int64_t beams) const {
  return head.forward(decoder_states(dec_tokens, memory, memory_valid, beams));  // (U·b, t, n_semantic)
}

Tiger::DecoderCache Tiger::start_decoding(const Tensor& memory) const {
  DecoderCache cache;
  cache.K.resize(decoder.size());
  cache.V.resize(decoder.size());
  for (const auto& layer : decoder) {
    auto [K, V] = layer->cross_attn.keys_values(memory);
    cache.memory_K.push_back(K);
    cache.memory_V.push_back(V);
  }
  return cache;
}

Tensor Tiger::decode_step(const Tensor& tokens, std::int64_t position, DecoderCache& cache, const Tensor& memory_valid,
                          std::int64_t beams) const {
  const std::int64_t rows = tokens.size(0);
  if (beams < 1 || rows != cache.memory_K.at(0).size(0) * beams)
    throw std::invalid_argument("Tiger::decode_step: " + std::to_string(rows) + " rows for " +
                                std::to_string(cache.memory_K.at(0).size(0)) + " memory rows and " +
                                std::to_string(beams) + " beams each");
  Tensor y = token_emb.forward(tokens) + slice(dec_pos.weight, 0, position, position + 1);  // (U·b, 1, d)
  for (std::size_t l = 0; l < decoder.size(); ++l)
    y = decoder[l]->step(y, cache.K[l], cache.V[l], cache.memory_K[l], cache.memory_V[l], memory_valid, beams);
  return reshape(dec_ln.forward(y), {rows, config.d});
}

}  // namespace recgrad::models
