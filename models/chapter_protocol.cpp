#include "models/chapter_protocol.hpp"

#include <chrono>
#include <memory>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "datasets/sequences.hpp"
#include "models/batching.hpp"
#include "models/evaluate.hpp"
#include "nn/losses.hpp"
#include "nn/optim.hpp"

namespace recgrad::models {

namespace {

// One BCE step on a batch of (seq, pos) rows with one uniform negative per position.
double train_step(SequenceModel& model, nn::Adam& adam, const std::vector<datasets::Row>& rows,
                  datasets::NegativeSampler& sampler) {
  std::vector<std::vector<std::int64_t>> seq, pos, neg;
  std::vector<float> mask;
  for (const auto& r : rows) {
    seq.push_back(r.seq);
    pos.push_back(r.pos);
    neg.emplace_back();
    for (auto p : r.pos) {
      neg.back().push_back(sampler.sample());
      mask.push_back(p != 0 ? 1.0f : 0.0f);
    }
  }
  const std::int64_t N = static_cast<std::int64_t>(mask.size());
  const Tensor F = model.forward(stack_rows(seq));  // (B, T, d)
  const Tensor& M = model.item_table();
  // r = F_t · M_i for the positive and the negative item of each position
  const Tensor s_pos = reshape(sum(F * embedding(M, stack_rows(pos)), {-1}), {N});
  const Tensor s_neg = reshape(sum(F * embedding(M, stack_rows(neg)), {-1}), {N, 1});
  return optimizer_step(nn::bce_sampled(s_pos, s_neg, Tensor::from_vector(mask, {N})), adam);
}

}  // namespace

HSTUConfig chapter_hstu() {
  HSTUConfig c;
  c.d = c.d_qk = c.d_v = 50;
  c.heads = 1;
  c.blocks = 2;
  c.max_len = 200;
  c.dropout = 0.2;
  c.input_dropout = 0.0;
  c.ln_eps = 1e-3;
  c.ln_affine = true;
  c.norm_constant = 200;
  c.item_init = "uniform";
  c.scale_embedding = false;
  c.final_ln = true;
  return c;
}

ChapterFeatures chapter_features(const datasets::UserSequences& raw, const ChapterConfig& cfg) {
  ChapterFeatures f{datasets::ItemIdMap::by_ascending_id(raw), {}, {}, {}};
  const auto seqs = f.map.remap(raw);
  const std::int64_t T = cfg.model_name == "hstu" ? cfg.hstu.max_len : cfg.model.max_len;
  // Users in ascending id order; the first floor(0.8 U) train.
  std::vector<std::size_t> users(seqs.users.size());
  std::iota(users.begin(), users.end(), 0);
  std::sort(users.begin(), users.end(), [&](auto a, auto b) { return seqs.users[a] < seqs.users[b]; });
  const std::size_t n_train = static_cast<std::size_t>(std::floor(users.size() * cfg.train_fraction));
  for (std::size_t k = 0; k < n_train; ++k) {
    const auto& full = seqs.items[users[k]];
    f.train_rows.push_back(datasets::next_item_row({full.begin(), full.end() - 1}, T));  // seq full[:-2], pos full[1:-1]
  }
  for (std::size_t u : users) {
    const auto& full = seqs.items[u];
    f.test_seqs.push_back(datasets::left_pad({full.begin(), full.end() - 1}, T));
    f.targets.push_back(full.back());
  }
  return f;
}

ChapterModel train_chapter(const ChapterFeatures& features, const ChapterConfig& cfg_in, std::uint64_t seed) {
  ChapterConfig cfg = cfg_in;
  cfg.model.vocab = cfg.hstu.vocab = features.map.num_items() + 1;
  Generator gen(seed);
  ChapterModel trained;
  if (cfg.model_name == "hstu") trained.model = std::make_unique<HSTU>(cfg.hstu, gen);
  else trained.model = std::make_unique<SASRec>(cfg.model, gen);
  SequenceModel& model = *trained.model;
  nn::Adam adam(model.parameters(), {.lr = cfg.lr, .beta1 = 0.9, .beta2 = 0.999, .eps = cfg.adam_eps});
  datasets::NegativeSampler sampler(features.map.num_items(), seed * 0x9E3779B97F4A7C15ull + 1);
  const auto& rows = features.train_rows;
  const auto t0 = std::chrono::steady_clock::now();
  for (int epoch = 0; epoch < cfg.epochs; ++epoch) {
    std::vector<std::size_t> order(rows.size());
    std::iota(order.begin(), order.end(), 0);
    shuffle(order, gen);
    for (std::size_t s = 0; s < order.size(); s += cfg.batch_size) {
      std::vector<datasets::Row> batch;
      for (std::size_t i = s; i < std::min(order.size(), s + cfg.batch_size); ++i) batch.push_back(rows[order[i]]);
      trained.step_losses.push_back(train_step(model, adam, batch, sampler));
    }
  }
  trained.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return trained;
}

std::map<std::string, double> evaluate_chapter(SequenceModel& model, const ChapterFeatures& features) {
  RankingOptions opt;
  opt.scoring = Scoring::cosine;
  opt.rank_padding_row = true;
  return full_ranking(last_position_vectors(model, features.test_seqs), model.item_table(), features.targets, {}, opt);
}

ChapterResult run_chapter(const datasets::UserSequences& raw, const ChapterConfig& cfg, std::uint64_t seed) {
  const ChapterFeatures features = chapter_features(raw, cfg);
  ChapterModel trained = train_chapter(features, cfg, seed);
  ChapterResult result;
  result.test = evaluate_chapter(*trained.model, features);
  result.train_seconds = trained.train_seconds;
  result.step_losses = trained.step_losses;
  return result;
}

}  // namespace recgrad::models
