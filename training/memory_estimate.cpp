#include "training/memory_estimate.hpp"

#include <unistd.h>

#include <fmt/core.h>

#include <stdexcept>

namespace recgrad::training {

namespace {

constexpr double kFloat = 4, kPerParameter = 4 + 4 + 16;  // value, gradient, Adam's two float64 moments
constexpr double kTemporaries = 1.5;                      // what lives beside the saved activations

// SASRec: item table, positions, per block attention (4 d²) and FFN (2 d²) -> parameters
double sasrec_parameters(const models::SASRecConfig& m, std::int64_t vocab) {
  const double d = static_cast<double>(m.d);
  return static_cast<double>(vocab + m.max_len) * d + static_cast<double>(m.layers) * (6 * d * d + 12 * d);
}

// SASRec's batch: per block ~16 (B, T, d) tensors and 3 (B, h, T, T) maps (scores, probabilities, dropout) -> floats
double sasrec_activations(const models::SASRecConfig& m, double B) {
  const double T = static_cast<double>(m.max_len), L = static_cast<double>(m.layers);
  return L * (16 * B * T * static_cast<double>(m.d) + 3 * B * static_cast<double>(m.heads) * T * T);
}

// HSTU: item table, f1 (d → h(2 d_qk + 2 d_v)), f2 (h d_v → d), the biases, the action table -> parameters
double hstu_parameters(const models::HSTUConfig& m, std::int64_t vocab) {
  const double d = static_cast<double>(m.d), h = static_cast<double>(m.heads);
  const double uvqk = h * static_cast<double>(2 * m.d_qk + 2 * m.d_v);
  const double block = d * uvqk + h * static_cast<double>(m.d_v) * d + uvqk + d + 2.0 * static_cast<double>(m.max_len);
  return static_cast<double>(vocab + m.max_len + m.actions) * d + static_cast<double>(m.layers) * block;
}

// HSTU's batch: per layer U, V, Q, K and their SiLU inputs, the attention output, and the (B, h, T, T) maps
// (QKᵀ + rab, SiLU of it; with the time bias its own (B, T, T) bias and its int64 buckets) -> floats
double hstu_activations(const models::HSTUConfig& m, double B) {
  const double T = static_cast<double>(m.max_len), L = static_cast<double>(m.layers);
  const double uvqk = static_cast<double>(m.heads * (2 * m.d_qk + 2 * m.d_v));
  const double maps = 3 * static_cast<double>(m.heads) + (m.time_bias ? 2 : 0);
  return L * (B * T * (2 * uvqk + 8 * static_cast<double>(m.d)) + maps * B * T * T) + (m.time_bias ? 2 * B * T * T : 0);
}

// TIGER: semantic-ID tokens, user buckets; encoder layers 4 h d_kv d + 2 d d_ff, decoder layers twice the
// attention -> parameters
double tiger_parameters(const TrainConfig& c) {
  const auto& t = c.tiger;
  const double d = static_cast<double>(t.d), att = 4 * static_cast<double>(t.heads * t.d_kv) * d;
  const double ffn = 2 * d * static_cast<double>(t.d_ff);
  const double tokens = static_cast<double>((c.rqvae.levels + 1) * c.rqvae.codebook_size + t.user_buckets + 8);
  return 2 * tokens * d + t.encoder_layers * (att + ffn) + t.decoder_layers * (2 * att + ffn);
}

// TIGER's batch: S = max_items·(levels + 1) + 1 encoder tokens, levels + 2 decoder tokens; per token and layer the
// block outputs (~12 d), the FFN's hidden layer, its ReLU and dropout (4 d_ff), Q, K, V and the heads' context
// before and after their transposes (8 h d_kv); per layer 4 (B, h, S, S) maps -> floats
double tiger_activations(const TrainConfig& c, double B) {
  const auto& t = c.tiger;
  const double S = static_cast<double>(t.max_items * (c.rqvae.levels + 1) + 1), D = c.rqvae.levels + 2.0;
  const double d = static_cast<double>(t.d), h = static_cast<double>(t.heads);
  const double per_token = 12 * d + 4 * static_cast<double>(t.d_ff) + 8 * h * static_cast<double>(t.d_kv);
  return t.encoder_layers * B * S * (per_token + 4 * h * S) + t.decoder_layers * B * D * (per_token + 4 * h * (S + D)) +
         2 * B * D * static_cast<double>((c.rqvae.levels + 1) * c.rqvae.codebook_size);
}

// The loss over the item table: BCE two (B, T, d) gathers; the sampled softmax scores its B·T·K negatives without
// gathering their vectors (kernels::embedding_dot), so it keeps their int64 ids, the logits and their gradients
// -> floats
double loss_activations(const TrainConfig& c, double B, double T, double d) {
  if (c.train.loss == Loss::bce) return 4 * B * T * d;
  return 4 * B * T * static_cast<double>(c.train.negatives) + 2 * B * T * d;
}

}  // namespace

MemoryEstimate estimate_memory(const TrainConfig& c, std::int64_t vocab) {
  const double B = static_cast<double>(c.train.batch_size);
  double params = 0, floats = 0;
  if (c.model == ModelKind::sasrec) {
    params = sasrec_parameters(c.sasrec, vocab);
    floats = sasrec_activations(c.sasrec, B) +
             loss_activations(c, B, static_cast<double>(c.sasrec.max_len), static_cast<double>(c.sasrec.d));
  } else if (c.model == ModelKind::hstu) {
    params = hstu_parameters(c.hstu, vocab);
    floats = hstu_activations(c.hstu, B) +
             loss_activations(c, B, static_cast<double>(c.hstu.max_len), static_cast<double>(c.hstu.d));
  } else {
    params = tiger_parameters(c);
    floats = tiger_activations(c, B);
  }
  MemoryEstimate e;
  e.parameters = static_cast<std::int64_t>(params);
  e.vocab = c.model == ModelKind::tiger ? 0 : vocab;
  e.model_bytes = params * kPerParameter;
  e.batch_bytes = floats * kFloat * kTemporaries;
  return e;
}

std::string MemoryEstimate::str() const {
  constexpr double GiB = 1024.0 * 1024 * 1024;
  return fmt::format("~{:.2f} GiB (model and Adam {:.2f} GiB, one batch {:.2f} GiB)", total() / GiB, model_bytes / GiB,
                     batch_bytes / GiB);
}

double machine_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 0.0;
}

void require_memory(const TrainConfig& c, const MemoryEstimate& e) {
  const double have = machine_memory_bytes();
  if (have <= 0 || e.total() <= have) return;
  const std::string advice =
      e.model_bytes > e.batch_bytes
          ? fmt::format(
                "the model is too large: its item table has {} rows (under id_space = \"raw\" the largest "
                "item id + 1; \"ascending\" numbers the items 1..n), or lower its width and layers",
                e.vocab)
          : "lower [train] batch_size, max_len, negatives or the model's width";
  throw std::runtime_error(
      fmt::format("{}: this preset needs {} of memory and the machine has {:.2f} GiB; {} (checked "
                  "before training, so nothing was lost)",
                  c.preset, e.str(), have / (1024.0 * 1024 * 1024), advice));
}

void check_memory(const TrainConfig& fitted, std::int64_t vocab, bool print) {
  const MemoryEstimate e = estimate_memory(fitted, vocab);
  require_memory(fitted, e);
  if (print)
    fmt::print("memory estimate: {} for {} parameters, of {:.1f} GiB\n", e.str(), e.parameters,
               machine_memory_bytes() / (1024.0 * 1024 * 1024));
}

}  // namespace recgrad::training
