// SASRec: a float64 Jacobian check of the whole forward, causality, and overfitting a tiny data set.
#include <gtest/gtest.h>

#include <cmath>

#include "models/batching.hpp"
#include "datasets/sequences.hpp"
#include "models/evaluate.hpp"
#include "models/hstu.hpp"
#include "models/sasrec.hpp"
#include "nn/losses.hpp"
#include "nn/optim.hpp"
#include "tests/gradcheck.hpp"

namespace recgrad::models {
namespace {

SASRecConfig tiny() {
  SASRecConfig c;
  c.vocab = 11;
  c.max_len = 6;
  c.d = 8;
  c.heads = 2;
  c.layers = 1;
  c.dropout = 0.0;
  return c;
}

// The spread of a tensor's entries: sqrt(mean(x²) − mean(x)²).
double spread(const Tensor& w) {
  double s = 0, s2 = 0;
  const auto v = w.to_vector<float>();
  for (float x : v) s += x, s2 += static_cast<double>(x) * x;
  const double n = static_cast<double>(v.size());
  return std::sqrt(s2 / n - (s / n) * (s / n));
}

TEST(SASRec, TorchReferenceInitDrawsTheReferenceScales) {
  Generator gen(3);
  SASRecConfig c = tiny();
  c.d = 64;
  c.heads = 1;
  c.max_len = 200;
  c.init = models::SASRecInit::torch_reference;
  const SASRec model(c, gen);
  // Q, K, V: one fused (3d, d) Xavier-normal draw, std √(2/(4d)) = 0.0884; W_O: √(2/(2d)) = 0.125.
  EXPECT_NEAR(spread(model.blocks[0]->attn.W_Q.weight), std::sqrt(2.0 / (4 * 64)), 0.006);
  EXPECT_NEAR(spread(model.blocks[0]->attn.W_O.weight), std::sqrt(2.0 / (2 * 64)), 0.008);
  // Positions: truncated (±2σ) normal with σ = √(1/d): spread 0.88 σ.
  EXPECT_NEAR(spread(model.P), 0.8796 * std::sqrt(1.0 / 64), 0.004);
  // FFN biases: U(±1/√fan_in), spread (1/√64)/√3; attention biases stay 0.
  const Tensor& b1 = model.blocks[0]->ffn.fc1.bias;
  EXPECT_NEAR(spread(b1), 0.125 / std::sqrt(3.0), 0.02);
  for (float x : b1.to_vector<float>()) EXPECT_LE(std::abs(x), 0.125f);
  for (float x : model.blocks[0]->attn.W_Q.bias.to_vector<float>()) EXPECT_EQ(x, 0.0f);
  // The default keeps Xavier-uniform: W_Q spread √(2/(2d)).
  c.init = models::SASRecInit::xavier_uniform;
  const SASRec plain(c, gen);
  EXPECT_NEAR(spread(plain.blocks[0]->attn.W_Q.weight), std::sqrt(2.0 / (2 * 64)), 0.008);
}

TEST(GradCheck, SASRecForward) {
  Generator gen(1);
  SASRecConfig c = tiny();
  c.max_len = 4;
  c.d = 4;
  SASRec model(c, gen);
  model.to_(DType::f64).eval();
  const Tensor seq = Tensor::from_vector(std::vector<std::int64_t>{0, 3, 5, 2, 1, 4, 4, 7}, {2, 4});
  // Outputs at padded positions are dropped: their every key is masked at -1e9, where float64 central
  // differences have no precision left, and no loss or metric ever reads them.
  const Tensor valid = Tensor::from_vector(std::vector<double>{0, 1, 1, 1, 1, 1, 1, 1}, {2, 4, 1});
  std::vector<Tensor> params = model.parameters();
  EXPECT_TRUE(test::gradcheck_passes([&](const std::vector<Tensor>&) { return model.forward(seq) * valid; }, params,
                                     {.eps = 1e-6, .atol = 1e-5, .rtol = 1e-4}));
}

// The block as the HSTU paper's code builds it: LN(LN(x) + A), no affine, FFN output dropout (off in
// eval), no final LN.
TEST(GradCheck, SASRecForwardPaperBlock) {
  Generator gen(4);
  SASRecConfig c = tiny();
  c.max_len = 4;
  c.d = 4;
  c.attn_residual = models::AttnResidual::query;
  c.ln_affine = c.final_ln = false;
  c.ffn_output_dropout = c.zero_padding = true;
  SASRec model(c, gen);
  model.to_(DType::f64).eval();
  const Tensor seq = Tensor::from_vector(std::vector<std::int64_t>{0, 3, 5, 2, 1, 4, 4, 7}, {2, 4});
  std::vector<Tensor> params = model.parameters();
  EXPECT_TRUE(test::gradcheck_passes([&](const std::vector<Tensor>&) { return model.forward(seq); }, params,
                                     {.eps = 1e-6, .atol = 1e-5, .rtol = 1e-4}));
}

TEST(SASRec, OutputsAtPositionTIgnoreLaterItems) {
  Generator gen(2);
  SASRec model(tiny(), gen);
  model.eval();
  const Tensor a = Tensor::from_vector(std::vector<std::int64_t>{0, 1, 2, 3, 4, 5}, {1, 6});
  const Tensor b = Tensor::from_vector(std::vector<std::int64_t>{0, 1, 2, 3, 9, 9}, {1, 6});
  const Tensor Fa = model.forward(a), Fb = model.forward(b);
  for (std::int64_t t = 1; t < 4; ++t)
    for (std::int64_t k = 0; k < 8; ++k) EXPECT_NEAR(Fa.at({0, t, k}), Fb.at({0, t, k}), 1e-5) << "t " << t;
}

// Right padding: the user vector is read at the slot of the last item, and equals the left-padded
// model's output when the row is full (no padding at all).
TEST(SASRec, UserVectorsAtTheLastItemWithRightPadding) {
  Generator gen(5);
  SASRecConfig c = tiny();
  c.positions_from_start = true;
  SASRec model(c, gen);
  const std::vector<std::vector<std::int64_t>> rows{{1, 2, 3, 0, 0, 0}, {4, 5, 6, 7, 8, 9}};
  const Tensor u = last_position_vectors(model, rows, {2, 5});
  model.eval();
  const Tensor F = model.forward(stack_rows(rows));
  for (std::int64_t k = 0; k < 8; ++k) {
    EXPECT_FLOAT_EQ(u.at({0, k}), F.at({0, 2, k}));
    EXPECT_FLOAT_EQ(u.at({1, k}), F.at({1, 5, k}));
  }
}

// Evaluation batches rows by length and cuts each batch to its longest row; the user vectors must be
// those of the full rows, in the original order, for both padding sides and both models (more than one
// batch of 256, lengths 1..T in random order).
TEST(SASRec, UserVectorsBatchedByLengthEqualTheFullRows) {
  Generator gen(6);
  for (bool right : {false, true})
    for (bool hstu : {false, true}) {
      SASRecConfig sc = tiny();
      HSTUConfig hc;
      hc.vocab = sc.vocab;
      hc.max_len = sc.max_len;
      hc.d = 8;
      hc.d_qk = hc.d_v = 4;
      hc.heads = 2;
      sc.positions_from_start = hc.positions_from_start = right;
      std::unique_ptr<SequenceModel> model;
      if (hstu)
        model = std::make_unique<HSTU>(hc, gen);
      else
        model = std::make_unique<SASRec>(sc, gen);
      const std::int64_t T = sc.max_len;
      std::vector<std::vector<std::int64_t>> rows;
      std::vector<std::int64_t> last;
      for (int u = 0; u < 300; ++u) {
        const std::int64_t len = 1 + gen.next_int(T);
        std::vector<std::int64_t> items;
        for (std::int64_t t = 0; t < len; ++t) items.push_back(1 + gen.next_int(sc.vocab - 1));
        rows.push_back(right ? datasets::right_pad(items, T) : datasets::left_pad(items, T));
        last.push_back(right ? len - 1 : T - 1);
      }
      const Tensor u = last_position_vectors(*model, rows, right ? last : std::vector<std::int64_t>{});
      model->eval();
      const Tensor F = model->forward(stack_rows(rows));  // (300, T, d)
      for (std::int64_t r = 0; r < 300; ++r)
        for (std::int64_t k = 0; k < F.size(2); ++k)
          ASSERT_NEAR(u.at({r, k}), F.at({r, last[r], k}), 1e-5)
              << (hstu ? "hstu" : "sasrec") << (right ? " right" : " left") << " row " << r;
    }
}

TEST(SASRec, OverfitsATinySequenceSet) {
  // Ten users, each walking the cycle 1→2→…→10→1 from a different start: the next item is always
  // (last mod 10) + 1. After training, HR@1 must be 1 and the BCE loss below 0.05 (the stated bound).
  Generator gen(3);
  SASRec model(tiny(), gen);
  nn::Adam adam(model.parameters(), {.lr = 0.01});
  std::vector<std::int64_t> seq, pos, targets;
  std::vector<std::vector<std::int64_t>> histories;
  for (std::int64_t u = 0; u < 10; ++u) {
    std::vector<std::int64_t> walk;
    for (std::int64_t t = 0; t < 7; ++t) walk.push_back((u + t) % 10 + 1);
    seq.insert(seq.end(), walk.begin(), walk.begin() + 6);
    pos.insert(pos.end(), walk.begin() + 1, walk.end());
    targets.push_back(walk.back() % 10 + 1);
    histories.push_back(walk);
  }
  const Tensor S = Tensor::from_vector(seq, {10, 6}), Pp = Tensor::from_vector(pos, {10, 6});
  Generator neg_gen(4);
  double loss_value = 0;
  for (int step = 0; step < 300; ++step) {
    std::vector<std::int64_t> neg;
    for (auto p : pos) {
      std::int64_t n;
      do n = 1 + neg_gen.next_int(10);
      while (n == p);
      neg.push_back(n);
    }
    const Tensor F = model.forward(S);
    const Tensor& M = model.item_table();
    const Tensor sp = reshape(sum(F * embedding(M, Pp), {-1}), {60});
    const Tensor sn = reshape(sum(F * embedding(M, Tensor::from_vector(neg, {10, 6})), {-1}), {60, 1});
    Tensor loss = nn::bce_sampled(sp, sn, Tensor::ones({60}));
    loss_value = loss.item();
    adam.zero_grad();
    loss.backward();
    adam.step();
  }
  EXPECT_LT(loss_value, 0.05);
  // Predict the item after each full walk.
  std::vector<std::int64_t> last6;
  for (const auto& h : histories) last6.insert(last6.end(), h.begin() + 1, h.end());
  NoGradGuard no_grad;
  model.eval();
  const Tensor F = model.forward(Tensor::from_vector(last6, {10, 6}));
  const Tensor users = squeeze(slice(F, 1, 5, 6), 1);
  RankingOptions opt;
  opt.ks = {1};
  const auto m = full_ranking(users, model.item_table(), targets, histories, opt);
  EXPECT_EQ(m.at("hit_rate@1"), 1.0);
}

}  // namespace
}  // namespace recgrad::models

namespace recgrad::models {
namespace {

TEST(Evaluate, FullRankingHandComputed) {
  // items: row 0 padding (0, 0); 1 = (1, 0); 2 = (0, 1); 3 = (2, 0)
  const Tensor items = Tensor::from_vector(std::vector<float>{0, 0, 1, 0, 0, 1, 2, 0}, {4, 2});
  const Tensor users = Tensor::from_vector(std::vector<float>{1, 0.1f}, {1, 2});
  RankingOptions dot;
  dot.ks = {1, 2};
  // dot scores: 1 -> 1, 2 -> 0.1, 3 -> 2. Target 1 has rank 1 (item 3 above).
  auto m = full_ranking(users, items, {1}, {{3}}, dot);
  EXPECT_EQ(m.at("hit_rate@1"), 0.0);
  EXPECT_EQ(m.at("hit_rate@2"), 1.0);
  EXPECT_NEAR(m.at("ndcg@2"), 1.0 / std::log2(3.0), 1e-12);
  dot.exclude_history = true;  // item 3 is in the history: removed, target 1 now ranks first
  EXPECT_EQ(full_ranking(users, items, {1}, {{3}}, dot).at("hit_rate@1"), 1.0);
  RankingOptions cos;
  cos.ks = {1};
  cos.scoring = Scoring::cosine;  // cosine: items 1 and 3 tie at the top; ties count against the target
  EXPECT_EQ(full_ranking(users, items, {1}, {{}}, cos).at("hit_rate@1"), 0.0);
  EXPECT_EQ(full_ranking(users, items, {3}, {{}}, cos).at("hit_rate@1"), 0.0);
}

}  // namespace
}  // namespace recgrad::models
