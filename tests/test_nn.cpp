// nn: layers and losses (float64 Jacobian checks, parameters included), checkpoints.
#include <gtest/gtest.h>

#include "tests/expect_error.hpp"

#include <cmath>
#include <fstream>

#include "nn/attention.hpp"
#include "nn/checkpoint.hpp"
#include "nn/losses.hpp"
#include "tests/gradcheck.hpp"

namespace recgrad::nn {
namespace {

using In = std::vector<Tensor>;

std::vector<Tensor> with_params(std::vector<Tensor> inputs, const Module& m) {
  for (auto& p : m.parameters()) inputs.push_back(p);
  return inputs;
}

TEST(GradCheck, CausalSelfAttentionLayer) {
  Generator gen(1);
  CausalSelfAttention attn(4, 2, 0.2, gen);
  attn.to_(DType::f64).eval();
  // Key 1 of row 0 is padding. (A query whose every key is masked sits at -1e9, where float64 central
  // differences lose all precision; its output is never used by the models.)
  const Tensor valid = Tensor::from_vector(std::vector<double>{1, 0, 1, 1, 1, 1}, {2, 3});
  Tensor x = test::input({2, 3, 4}, gen);
  EXPECT_TRUE(
      test::gradcheck_passes([&](const In& v) { return attn.forward(v[0], v[0], valid); }, with_params({x}, attn)));
}

TEST(NN, AttentionIsCausal) {
  Generator gen(2);
  CausalSelfAttention attn(4, 1, 0.0, gen);
  Tensor x = Tensor::randn({1, 5, 4}, gen);
  Tensor y = attn.forward(x, x);
  Tensor x2 = x.clone();
  slice(x2, 1, 4, 5).fill_(9.0);  // change only the last position
  Tensor y2 = attn.forward(x2, x2);
  for (std::int64_t t = 0; t < 4; ++t)
    for (std::int64_t c = 0; c < 4; ++c) EXPECT_FLOAT_EQ(y.at({0, t, c}), y2.at({0, t, c})) << "position " << t;
  EXPECT_NE(y.at({0, 4, 0}), y2.at({0, 4, 0}));
  const Tensor P = attn.last_attention();
  EXPECT_EQ(P.at({0, 0, 1, 2}), 0.0) << "no weight on the future";
}

TEST(GradCheck, FeedForwardAndLayerNormLayers) {
  Generator gen(3);
  FeedForward ffn(4, 6, 0.2, gen);
  LayerNorm ln(4, 1e-3);
  ffn.to_(DType::f64).eval();
  ln.to_(DType::f64);
  Tensor x = test::input({2, 3, 4}, gen);
  EXPECT_TRUE(test::gradcheck_passes([&](const In& v) { return ln.forward(ffn.forward(v[0]) + v[0]); },
                                     with_params(with_params({x}, ffn), ln)));
}

TEST(GradCheck, BceSampledLoss) {
  Generator gen(4);
  const Tensor mask = Tensor::from_vector(std::vector<double>{1, 0, 1}, {3});
  EXPECT_TRUE(test::gradcheck_passes([&](const In& v) { return bce_sampled(v[0], v[1], mask); },
                                     {test::input({3}, gen), test::input({3, 2}, gen)}));
}

TEST(NN, BceSampledHandComputed) {
  // one row, s⁺ = 0, s⁻ = 0: loss = 2 ln 2
  const Tensor z = Tensor::zeros({1}, DType::f64);
  EXPECT_NEAR(bce_sampled(z, Tensor::zeros({1, 1}, DType::f64), Tensor::ones({1}, DType::f64)).item(),
              2 * std::log(2.0), 1e-12);
}

TEST(GradCheck, SampledSoftmaxLoss) {
  Generator gen(5);
  const Tensor pos_ids = Tensor::from_vector(std::vector<std::int64_t>{3, 5, 7}, {3});
  const Tensor neg_ids = Tensor::from_vector(std::vector<std::int64_t>{1, 5, 2, 9, 7, 4}, {3, 2});
  const Tensor shared_ids = Tensor::from_vector(std::vector<std::int64_t>{5, 8}, {2});
  const Tensor mask = Tensor::from_vector(std::vector<double>{1, 1, 0}, {3});
  for (bool l2 : {false, true}) {
    SampledSoftmaxOptions opt{l2 ? 0.05 : 1.0, l2};
    EXPECT_TRUE(test::gradcheck_passes(
        [&](const In& v) { return sampled_softmax(v[0], v[1], v[2], pos_ids, neg_ids, mask, opt); },
        {test::input({3, 4}, gen), test::input({3, 4}, gen), test::input({3, 2, 4}, gen)}))
        << "per-row negatives, l2 " << l2;
    EXPECT_TRUE(test::gradcheck_passes(
        [&](const In& v) { return sampled_softmax(v[0], v[1], v[2], pos_ids, shared_ids, mask, opt); },
        {test::input({3, 4}, gen), test::input({3, 4}, gen), test::input({2, 4}, gen)}))
        << "shared negatives, l2 " << l2;
  }
}

// The trainer's head (rows of F, the item table, per-position negative ids) against sampled_softmax on
// the same vectors gathered by hand, and its Jacobian with respect to F and the table.
TEST(NN, SampledSoftmaxHeadMatchesTheGatheredLoss) {
  Generator gen(6);
  const Tensor rows = Tensor::from_vector(std::vector<std::int64_t>{1, 2, 5}, {3});  // of B·T = 2·3 positions
  const Tensor pos = Tensor::from_vector(std::vector<std::int64_t>{3, 1, 4}, {3});
  const Tensor neg = Tensor::from_vector(std::vector<std::int64_t>{2, 3, 0, 4, 1, 1}, {3, 2});  // one hit: row 0
  const Tensor F = test::input({2, 3, 4}, gen), M = test::input({5, 4}, gen);
  for (bool l2 : {false, true}) {
    const SampledSoftmaxOptions opt{l2 ? 0.05 : 1.0, l2};
    const Tensor head = sampled_softmax_head(F, M, rows, pos, neg, opt);
    const Tensor h = index_select(reshape(F, {6, 4}), 0, rows);
    const Tensor gathered =
        sampled_softmax(h, embedding(M, pos), embedding(M, neg), pos, neg, Tensor::ones({3}, DType::f64), opt);
    EXPECT_NEAR(head.item(), gathered.item(), 1e-10) << "l2 " << l2;
    EXPECT_TRUE(test::gradcheck_passes(
        [&](const In& v) { return sampled_softmax_head(v[0], v[1], rows, pos, neg, opt); }, {F, M}))
        << "l2 " << l2;
  }
}

TEST(NN, SampledSoftmaxMasksAccidentalHits) {
  // h = e⁺ = e⁻: with the hit masked, the positive wins the softmax outright (loss ~ 0).
  Tensor h = Tensor::ones({1, 2}, DType::f64);
  Tensor neg = Tensor::ones({1, 1, 2}, DType::f64);
  const Tensor id = Tensor::from_vector(std::vector<std::int64_t>{4}, {1});
  const Tensor mask = Tensor::ones({1}, DType::f64);
  EXPECT_NEAR(sampled_softmax(h, h, neg, id, Tensor::from_vector(std::vector<std::int64_t>{4}, {1, 1}), mask).item(),
              0.0, 1e-9);
  EXPECT_NEAR(sampled_softmax(h, h, neg, id, Tensor::from_vector(std::vector<std::int64_t>{2}, {1, 1}), mask).item(),
              std::log(2.0), 1e-9);
}

// ---- checkpoints ----------------------------------------------------------------------------------

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("recgrad_test_" + std::to_string(::getpid()) + "_" + name);
}

TEST(Checkpoint, RoundTrip) {
  Generator gen(6);
  Linear a(3, 4, gen), b(3, 4, gen);
  const auto path = temp_path("rt.safetensors");
  save_safetensors(path, a.named_parameters(), {{"model", "test"}});
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp")) << "the temporary file is renamed away";
  load_into(path, b.named_parameters());
  EXPECT_EQ(a.weight.to_vector<float>(), b.weight.to_vector<float>());
  EXPECT_EQ(a.bias.to_vector<float>(), b.bias.to_vector<float>());
  EXPECT_EQ(load_safetensors(path).metadata.at("model"), "test");
  std::filesystem::remove(path);
}

TEST(Checkpoint, TruncationAndCorruptionAreReported) {
  Generator gen(7);
  Linear a(8, 8, gen);
  const auto path = temp_path("trunc.safetensors");
  save_safetensors(path, a.named_parameters());
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size - 10);
  test::expect_error([&] { load_safetensors(path); }, {path.string(), "truncated", "bias"});
  std::filesystem::resize_file(path, 5);
  test::expect_error([&] { load_safetensors(path); }, {"truncated", "no header"});
  {
    std::ofstream f(path, std::ios::binary);
    const char len[8] = {10, 0, 0, 0, 0, 0, 0, 0};
    f.write(len, 8);
    f << "{not json}";
  }
  test::expect_error([&] { load_safetensors(path); }, {"corrupt header"});
  std::filesystem::remove(path);
}

TEST(Checkpoint, ShapeAndNameMismatchesAreListed) {
  Generator gen(8);
  Linear a(3, 4, gen), wider(3, 5, gen), nobias(3, 4, gen, false);
  const auto path = temp_path("mismatch.safetensors");
  save_safetensors(path, a.named_parameters());
  test::expect_error([&] { load_into(path, wider.named_parameters()); }, {"'weight'", "(4, 3)", "(5, 3)", "'bias'"});
  test::expect_error([&] { load_into(path, nobias.named_parameters()); }, {"unexpected tensor 'bias'"});
  std::filesystem::remove(path);
}

TEST(Checkpoint, UnwritableDirectoryKeepsTheOldFile) {
  Generator gen(9);
  Linear a(2, 2, gen);
  test::expect_error([&] { save_safetensors("/nonexistent-dir/model.safetensors", a.named_parameters()); },
                     {"/nonexistent-dir/model.safetensors.tmp", "cannot create"});
}

}  // namespace
}  // namespace recgrad::nn

#include "models/evaluate.hpp"
#include "nn/init.hpp"
#include "nn/optim.hpp"

namespace recgrad::nn {
namespace {

Tensor param(std::vector<float> v) {
  Tensor t = Tensor::from_vector(v, {static_cast<std::int64_t>(v.size())});
  t.requires_grad_(true);
  return t;
}

TEST(Optim, SgdAdamAdamWHandComputed) {
  Tensor a = param({1.0f}), b = param({1.0f}), c = param({1.0f});
  SGD sgd({a}, 0.1);
  Adam adam({b}, {.lr = 0.1});
  Adam adamw({c}, {.lr = 0.1, .weight_decay = 0.5, .decoupled = true});
  for (Tensor* p : {&a, &b, &c}) sum(*p * 3.0).backward();  // gradient 3
  sgd.step();
  adam.step();
  adamw.step();
  EXPECT_FLOAT_EQ(a.item(), 1.0f - 0.1f * 3.0f);
  EXPECT_NEAR(b.item(), 1.0 - 0.1, 1e-6) << "Adam's first step is lr · sign(g)";
  EXPECT_NEAR(c.item(), 1.0 - 0.1 * 0.5 - 0.1, 1e-6) << "AdamW: decay lr·wd·θ, then the Adam step";
}

TEST(Optim, ClipGradNorm) {
  Tensor a = param({0.0f, 0.0f});
  sum(a * Tensor::from_vector(std::vector<float>{3.0f, 4.0f}, {2})).backward();  // gradient (3, 4), norm 5
  EXPECT_NEAR(clip_grad_norm({a}, 1.0), 5.0, 1e-6);
  EXPECT_NEAR(a.grad().at({0}), 0.6, 1e-6);
  EXPECT_NEAR(a.grad().at({1}), 0.8, 1e-6);
  EXPECT_NEAR(clip_grad_norm({a}, 10.0), 1.0, 1e-6) << "below the bound: unchanged";
}

TEST(Init, RangesAndMoments) {
  Generator gen(1);
  Tensor w = Tensor::empty({200, 300});
  init::xavier_uniform_(w, gen);
  const double a = std::sqrt(6.0 / 500.0);
  double sq = 0;
  for (float v : w.to_vector<float>()) {
    ASSERT_LE(std::abs(v), a);
    sq += v * v;
  }
  EXPECT_NEAR(sq / w.numel(), a * a / 3, 0.05 * a * a / 3);
  init::truncated_normal_(w, 0.0, 0.02, gen);
  for (float v : w.to_vector<float>()) ASSERT_LE(std::abs(v), 0.04f + 1e-7f);
}

TEST(Evaluate, SampledRankingExcludesRatedItems) {
  // 1 user; item vectors: item 5 scores highest, every other item scores 0.
  std::vector<float> items(10 * 2, 0.0f);
  items[5 * 2] = 1.0f;
  const Tensor E = Tensor::from_vector(items, {10, 2});
  const Tensor u = Tensor::from_vector(std::vector<float>{1.0f, 0.0f}, {1, 2});
  auto m = models::sampled_ranking(u, E, {5}, {{5}}, {1}, 100, 3);
  EXPECT_EQ(m.at("hit_rate@1"), 1.0);
  // Target 2 (score 0) ties with every sampled negative except... item 5 is rated, so never sampled:
  // all 100 negatives tie with the target, which then ranks last.
  m = models::sampled_ranking(u, E, {2}, {{2, 5}}, {1, 101}, 100, 3);
  EXPECT_EQ(m.at("hit_rate@1"), 0.0);
  EXPECT_EQ(m.at("hit_rate@101"), 1.0);
}

}  // namespace
}  // namespace recgrad::nn

// ---- the layers TIGER is built from: residual quantisation, k-means, encoder-decoder attention ----------
#include <set>

#include "nn/kmeans.hpp"
#include "nn/multihead_attention.hpp"
#include "nn/residual_quantizer.hpp"

namespace recgrad::nn {
namespace {

// ---- residual quantiser --------------------------------------------------------------------------

// The straight-through estimator is not the derivative of the forward function (which is piecewise
// constant in z), so the reference is the surrogate it stands for, written out from the equations with the
// codes c_d held fixed and every sg[·] a frozen copy:
//   F(z, E) = Σ_d mean_n [ ‖sg[r_d] − E_d[c_d]‖² + β ‖r_d − sg[E_d[c_d]]‖² ] + Σ z ⊙ w,
//   r_0 = z, r_{d+1} = r_d − E_d[c_d]          (z_q = z + sg[ẑ − z] contributes Σ z ⊙ w)
// Its central differences in float64 (each sg[·] evaluated at the unperturbed point) must match the
// engine's gradient of the real quantiser.
double surrogate(const std::vector<double>& z, const std::vector<std::vector<double>>& E, const std::vector<double>& z0,
                 const std::vector<std::vector<double>>& E0, const std::vector<std::int64_t>& codes,
                 const std::vector<double>& w, int N, int D, double beta) {
  const int L = static_cast<int>(E.size());
  std::vector<double> r = z, r0 = z0;  // r_d at the evaluation point and at the frozen point
  double F = 0;
  for (int d = 0; d < L; ++d)
    for (int n = 0; n < N; ++n) {
      const std::int64_t c = codes[n * L + d];
      for (int j = 0; j < D; ++j) {
        const double e = E[d][c * D + j], e0 = E0[d][c * D + j];
        F += ((r0[n * D + j] - e) * (r0[n * D + j] - e) + beta * (r[n * D + j] - e0) * (r[n * D + j] - e0)) / N;
        r[n * D + j] -= e;
        r0[n * D + j] -= e0;
      }
    }
  for (int i = 0; i < N * D; ++i) F += z[i] * w[i];
  return F;
}

TEST(GradCheck, ResidualQuantizerWithStraightThrough) {
  const int N = 3, D = 2;
  const double beta = 0.25, eps = 1e-6;
  Generator gen(3);
  nn::ResidualQuantizer rq(2, 3, D, beta, gen);
  rq.to_(DType::f64);
  // points near distinct codes, far from every decision boundary
  rq.codebooks[0].copy_(Tensor::from_vector(std::vector<double>{0, 0, 4, 0, 0, 4}, {3, 2}));
  rq.codebooks[1].copy_(Tensor::from_vector(std::vector<double>{0.5, 0, -0.5, 0, 0, 0.5}, {3, 2}));
  const std::vector<double> z0{4.45, 0.1, 0.1, 3.6, -0.4, 0.05}, w{0.3, -1.2, 0.7, 0.2, -0.5, 1.1};
  Tensor z = Tensor::from_vector(z0, {N, D}).requires_grad_();
  const nn::ResidualQuantizer::Output o = rq.forward(z);
  add(o.loss, sum(o.z_q * Tensor::from_vector(w, {N, D}))).backward();
  const std::vector<std::int64_t> codes = o.codes.to_vector<std::int64_t>();
  EXPECT_EQ(codes, (std::vector<std::int64_t>{1, 0, 2, 0, 0, 1}));
  const std::vector<std::vector<double>> E0{rq.codebooks[0].to_vector<double>(), rq.codebooks[1].to_vector<double>()};
  // ∂F/∂z
  const std::vector<double> gz = z.grad().to_vector<double>();
  for (int i = 0; i < N * D; ++i) {
    std::vector<double> zp = z0, zm = z0;
    zp[i] += eps;
    zm[i] -= eps;
    const double num =
        (surrogate(zp, E0, z0, E0, codes, w, N, D, beta) - surrogate(zm, E0, z0, E0, codes, w, N, D, beta)) / (2 * eps);
    EXPECT_NEAR(gz[i], num, 1e-6 + 1e-4 * std::abs(num)) << "dF/dz[" << i << "]";
  }
  // ∂F/∂E_d
  for (int d = 0; d < 2; ++d) {
    const std::vector<double> gE = rq.codebooks[d].grad().to_vector<double>();
    for (int i = 0; i < 3 * D; ++i) {
      auto Ep = E0, Em = E0;
      Ep[d][i] += eps;
      Em[d][i] -= eps;
      const double num =
          (surrogate(z0, Ep, z0, E0, codes, w, N, D, beta) - surrogate(z0, Em, z0, E0, codes, w, N, D, beta)) /
          (2 * eps);
      EXPECT_NEAR(gE[i], num, 1e-6 + 1e-4 * std::abs(num)) << "dF/dE" << d << "[" << i << "]";
    }
  }
}

TEST(ResidualQuantizer, StraightThroughPassesTheGradientUnchangedAndCodesAreNearest) {
  Generator gen(4);
  nn::ResidualQuantizer rq(1, 2, 1, 0.25, gen);
  rq.codebooks[0].copy_(Tensor::from_vector(std::vector<float>{-1, 1}, {2, 1}));
  Tensor z = Tensor::from_vector(std::vector<float>{0.7f, -2.0f}, {2, 1}).requires_grad_();
  const auto o = rq.forward(z);
  EXPECT_EQ(o.codes.to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0}));
  EXPECT_EQ(o.z_q.to_vector<float>(), (std::vector<float>{1.0f, -1.0f}));
  sum(o.z_q * 3.0).backward();
  EXPECT_EQ(z.grad().to_vector<float>(), (std::vector<float>{3.0f, 3.0f}));  // ∂/∂z of z + sg[ẑ − z]
}

// ---- k-means -----------------------------------------------------------------------------------------

// 4 tight clusters far apart: k-means finds them whatever the seed.
Tensor clustered_points(int per_cluster, Generator& gen, double spread = 0.05) {
  const double centers[4][2] = {{0, 0}, {10, 0}, {0, 10}, {10, 10}};
  std::vector<double> x;
  for (int c = 0; c < 4; ++c)
    for (int i = 0; i < per_cluster; ++i)
      for (int j = 0; j < 2; ++j) x.push_back(centers[c][j] + spread * gen.next_normal());
  return Tensor::from_vector(x, {4 * per_cluster, 2});
}

TEST(KMeans, FindsSeparatedClusters) {
  for (std::uint64_t seed : {1, 2, 3}) {
    Generator gen(seed);
    const Tensor x = clustered_points(25, gen);
    const nn::KMeansResult r = nn::kmeans(x, 4, gen);
    for (int c = 0; c < 4; ++c) {  // every cluster's points share one label, and labels differ between clusters
      std::set<std::int64_t> labels(r.assignment.begin() + c * 25, r.assignment.begin() + (c + 1) * 25);
      EXPECT_EQ(labels.size(), 1u) << "seed " << seed;
    }
    EXPECT_EQ(std::set<std::int64_t>(r.assignment.begin(), r.assignment.end()).size(), 4u);
    EXPECT_LT(r.inertia, 100 * 2 * 0.05 * 0.05 * 2);  // about N · D · spread², far below any wrong split (≥ 2500)
  }
}

TEST(KMeans, MorecentroidsThanDistinctPointsStillGivesK) {
  Generator gen(1);
  const Tensor x = Tensor::from_vector(std::vector<double>{1, 1, 1, 1, 2, 2}, {3, 2});
  const nn::KMeansResult r = nn::kmeans(x, 5, gen);
  EXPECT_EQ(r.centroids.size(0), 5);
  EXPECT_NEAR(r.inertia, 0.0, 1e-12);
}

// ---- encoder-decoder attention --------------------------------------------------------------------------

TEST(GradCheck, MultiHeadCrossAttentionWithPadding) {
  Generator gen(17);
  nn::MultiHeadAttention attn(4, 2, 3, 0.0, gen);
  attn.to_(DType::f64);
  const Tensor q = test::input({2, 3, 4}, gen), kv = test::input_noncontiguous({2, 5, 4}, gen);
  const Tensor valid = Tensor::from_vector(std::vector<double>{1, 1, 1, 0, 0, 1, 1, 1, 1, 1}, {2, 5});
  EXPECT_TRUE(test::gradcheck_passes(
      [&](const std::vector<Tensor>& in) { return attn.forward(in[0], in[1], Tensor(), valid, false); }, {q, kv}));
  const Tensor x = test::input({1, 4, 4}, gen);
  EXPECT_TRUE(test::gradcheck_passes(
      [&](const std::vector<Tensor>& in) { return attn.forward(in[0], in[0], Tensor(), Tensor(), true); }, {x}));
}

TEST(MultiHeadAttention, PaddedAndFutureKeysHaveNoInfluence) {
  Generator gen(19);
  nn::MultiHeadAttention attn(4, 2, 2, 0.0, gen);
  attn.eval();
  const Tensor q = Tensor::randn({1, 2, 4}, gen);
  Tensor kv = Tensor::randn({1, 3, 4}, gen);
  const Tensor valid = Tensor::from_vector(std::vector<float>{1, 1, 0}, {1, 3});
  const std::vector<float> before = attn.forward(q, kv, Tensor(), valid, false).to_vector<float>();
  slice(kv, 1, 2, 3).fill_(100.0);  // change the padded key only
  EXPECT_EQ(attn.forward(q, kv, Tensor(), valid, false).to_vector<float>(), before);
  Tensor x = Tensor::randn({1, 3, 4}, gen);
  const std::vector<float> causal = attn.forward(x, x, Tensor(), Tensor(), true).to_vector<float>();
  slice(x, 1, 2, 3).fill_(-50.0);  // the last position may change only the last output
  const std::vector<float> after = attn.forward(x, x, Tensor(), Tensor(), true).to_vector<float>();
  for (int i = 0; i < 8; ++i) EXPECT_EQ(after[i], causal[i]);
}

}  // namespace
}  // namespace recgrad::nn
