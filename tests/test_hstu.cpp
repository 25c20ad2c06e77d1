// HSTU: a float64 Jacobian check of the whole forward (relative bias included), causality, the time
// buckets of docs/PROTOCOLS.md §2.3, and training on a tiny data set through the same trainer as SASRec.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <tuple>

#include "models/hstu.hpp"
#include "nn/relative_bias.hpp"
#include "tests/gradcheck.hpp"

namespace recgrad::models {
namespace {

HSTUConfig tiny() {
  HSTUConfig c;
  c.vocab = 11;
  c.max_len = 6;
  c.d = 8;
  c.heads = 2;
  c.d_qk = 3;
  c.d_v = 4;
  c.layers = 2;
  c.dropout = c.input_dropout = 0.0;
  c.norm_constant = 7;
  return c;
}

TEST(GradCheck, HSTUForward) {
  Generator gen(1);
  HSTUConfig c = tiny();
  c.max_len = 4;
  c.d = 4;
  c.d_qk = 2;
  c.d_v = 2;
  c.ln_affine = true;
  HSTU model(c, gen);
  model.to_(DType::f64).eval();
  const Tensor seq = Tensor::from_vector(std::vector<std::int64_t>{0, 3, 5, 2, 1, 4, 4, 7}, {2, 4});
  std::vector<Tensor> params = model.parameters();
  EXPECT_TRUE(test::gradcheck_passes([&](const std::vector<Tensor>&) { return model.forward(seq); }, params,
                                     {.eps = 1e-6, .atol = 1e-5, .rtol = 1e-4}));
}

// The side inputs: the time bias (its w_time per layer) and the action embedding get exact gradients.
TEST(GradCheck, HSTUForwardWithTimesAndActions) {
  Generator gen(3);
  HSTUConfig c = tiny();
  c.max_len = 4;
  c.d = 4;
  c.d_qk = 2;
  c.d_v = 2;
  c.time_bias = true;
  c.actions = 6;
  HSTU model(c, gen);
  model.to_(DType::f64).eval();
  const Tensor seq = Tensor::from_vector(std::vector<std::int64_t>{3, 5, 2, 0, 1, 4, 4, 7}, {2, 4});
  SideInputs side;
  side.key_time = Tensor::from_vector(std::vector<std::int64_t>{0, 60, 4000, 0, 10, 10, 90000, 5000000}, {2, 4});
  side.query_time =
      Tensor::from_vector(std::vector<std::int64_t>{60, 4000, 9000, 0, 10, 90000, 5000000, 5000100}, {2, 4});
  side.actions = Tensor::from_vector(std::vector<std::int64_t>{5, 1, 4, 0, 3, 3, 2, 5}, {2, 4});
  std::vector<Tensor> params{model.action_emb->weight};
  for (const auto& b : model.blocks) params.push_back(b->rab.w_time);
  EXPECT_TRUE(test::gradcheck_passes([&](const std::vector<Tensor>&) { return model.forward(seq, side); }, params,
                                     {.eps = 1e-6, .atol = 1e-5, .rtol = 1e-4}));
}

TEST(HSTU, SideInputsReachTheOutputAndAreRequiredWhenConfigured) {
  Generator gen(4);
  HSTUConfig c = tiny();
  c.time_bias = true;
  c.actions = 6;
  HSTU model(c, gen);
  model.eval();
  for (const auto& b : model.blocks) b->rab.w_time.copy_(Tensor::uniform(b->rab.w_time.shape(), -1, 1, gen));
  const Tensor seq = Tensor::from_vector(std::vector<std::int64_t>{3, 5, 2, 6}, {1, 4});
  auto times = [](std::int64_t gap) {
    return Tensor::from_vector(std::vector<std::int64_t>{0, gap, 2 * gap, 3 * gap}, {1, 4});
  };
  SideInputs a{times(60), times(60), Tensor::from_vector(std::vector<std::int64_t>{5, 5, 5, 5}, {1, 4})};
  SideInputs later = a, hated = a;
  later.query_time = times(86400 * 30);  // the same history, asked a month apart
  hated.actions = Tensor::from_vector(std::vector<std::int64_t>{1, 1, 1, 1}, {1, 4});
  const auto base = model.forward(seq, a).to_vector<double>();
  EXPECT_NE(model.forward(seq, later).to_vector<double>(), base) << "the query time moves the output";
  EXPECT_NE(model.forward(seq, hated).to_vector<double>(), base) << "the ratings move the output";
  EXPECT_THROW(model.forward(seq), std::invalid_argument) << "time_bias without timestamps";
  c.time_bias = false;
  HSTU no_time(c, gen);
  EXPECT_THROW(no_time.forward(seq), std::invalid_argument) << "actions without actions";
}

// One HSTU layer against the paper's equations written out with scalars: d = 2, one head, d_qk = 1,
// d_v = 2, T = 2, fixed weights, no dropout, LayerNorms without affine.
TEST(HSTU, TorchReferenceInitDrawsTheOutputBias) {
  HSTUConfig c = tiny();
  Generator g1(4), g2(4);
  const HSTU plain(c, g1);
  c.init = models::HSTUInit::torch_reference;
  const HSTU ref(c, g2);
  // f2: (d, H·d_v) = (8, 8); its bias U(±1/√8) instead of zeros; every other parameter drawn the same.
  for (float b : plain.blocks[1]->f2.bias.to_vector<float>()) EXPECT_EQ(b, 0.0f);
  int nonzero = 0;
  for (float b : ref.blocks[1]->f2.bias.to_vector<float>()) {
    EXPECT_LE(std::abs(b), 1.0 / std::sqrt(8.0));
    nonzero += b != 0.0f;
  }
  EXPECT_EQ(nonzero, 8);
  EXPECT_EQ(ref.blocks[0]->f1.weight.to_vector<float>(), plain.blocks[0]->f1.weight.to_vector<float>());
}

TEST(HSTU, LayerMatchesAHandComputedCase) {
  HSTUConfig c;
  c.max_len = 2;
  c.d = 2;
  c.heads = 1;
  c.d_qk = 1;
  c.d_v = 2;
  c.dropout = 0.0;
  c.ln_eps = 1e-6;
  Generator gen(0);
  HSTUBlock blk(c, gen);
  blk.to_(DType::f64).eval();
  // f1: 2 -> (u 2, v 2, q 1, k 1); f2: 2 -> 2 with bias; w_pos for offsets -1, 0, +1
  const std::vector<double> W1{0.5, -0.2, 0.1, 0.3, -0.4, 0.2, 0.7, 0.1, 0.3, -0.6, -0.2, 0.9};
  const std::vector<double> W2{0.4, -0.3, 0.2, 0.8}, b2{0.05, -0.1}, wpos{0.1, -0.2, 0.3};
  blk.f1.weight.copy_(Tensor::from_vector(W1, {6, 2}));
  blk.f2.weight.copy_(Tensor::from_vector(W2, {2, 2}));
  blk.f2.bias.copy_(Tensor::from_vector(b2, {2}));
  blk.rab.w_pos.copy_(Tensor::from_vector(wpos, {3, 1}));
  const std::vector<double> x{1.0, -0.5, 0.25, 2.0};  // (1, 2, 2)
  const Tensor y = blk.forward(Tensor::from_vector(x, {1, 2, 2}), blk.rab.positions(2).to(DType::f64),
                               Tensor::ones({1, 2}, DType::f64), Tensor::from_vector(std::vector<double>{3.0}, {1}));
  // By hand.
  auto silu = [](double z) { return z / (1 + std::exp(-z)); };
  auto ln2 = [](double a, double b) {  // LayerNorm over two values, no affine
    const double m = (a + b) / 2, var = ((a - m) * (a - m) + (b - m) * (b - m)) / 2;
    return std::make_pair((a - m) / std::sqrt(var + 1e-6), (b - m) / std::sqrt(var + 1e-6));
  };
  double u[2][2], v[2][2], q[2], k[2];
  for (int t = 0; t < 2; ++t) {
    const auto [n0, n1] = ln2(x[t * 2], x[t * 2 + 1]);
    double h[6];
    for (int o = 0; o < 6; ++o) h[o] = silu(W1[o * 2] * n0 + W1[o * 2 + 1] * n1);  // U, V, Q, K = Split(φ1(f1(LN(x))))
    u[t][0] = h[0], u[t][1] = h[1], v[t][0] = h[2], v[t][1] = h[3], q[t] = h[4], k[t] = h[5];
  }
  for (int i = 0; i < 2; ++i) {
    double av[2] = {0, 0};
    for (int j = 0; j <= i; ++j) {  // A = φ2(Q Kᵀ + rab) / N, causal
      const double a = silu(q[i] * k[j] + wpos[1 + j - i]) / 3.0;
      av[0] += a * v[j][0], av[1] += a * v[j][1];
    }
    const auto [m0, m1] = ln2(av[0], av[1]);
    const double g0 = m0 * u[i][0], g1 = m1 * u[i][1];  // Norm(A V) ⊙ U
    for (int o = 0; o < 2; ++o)                         // Y = X + f2(...)
      EXPECT_NEAR(y.at({0, i, o}), x[i * 2 + o] + W2[o * 2] * g0 + W2[o * 2 + 1] * g1 + b2[o], 1e-9) << i << "," << o;
  }
}

TEST(HSTU, OutputsAtPositionTIgnoreLaterItems) {
  Generator gen(2);
  HSTU model(tiny(), gen);
  model.eval();
  const Tensor a = Tensor::from_vector(std::vector<std::int64_t>{0, 1, 2, 3, 4, 5}, {1, 6});
  const Tensor b = Tensor::from_vector(std::vector<std::int64_t>{0, 1, 2, 3, 9, 9}, {1, 6});
  const Tensor Fa = model.forward(a), Fb = model.forward(b);
  for (std::int64_t t = 1; t < 4; ++t)
    for (std::int64_t k = 0; k < 8; ++k) EXPECT_NEAR(Fa.at({0, t, k}), Fb.at({0, t, k}), 1e-6) << "t " << t;
  EXPECT_GT(std::abs(Fa.at({0, 5, 0}) - Fb.at({0, 5, 0})), 1e-6) << "the last output does see the last item";
}

TEST(HSTU, LengthNormaliserDividesByEachSequencesLength) {
  // The attention weights of layer 0 (same seed, same weights): n = length scales A by 1/3, n = 7 by 1/7.
  HSTUConfig c = tiny();
  c.norm = models::AttentionNorm::length;
  Generator gen(4);
  HSTU model(c, gen);
  model.eval();
  const Tensor seq = Tensor::from_vector(std::vector<std::int64_t>{0, 0, 0, 1, 2, 3}, {1, 6});
  model.forward(seq);
  const Tensor A = model.blocks[0]->last_attention;  // (1, 2, 6, 6)
  Generator g2(4);
  HSTUConfig cc = tiny();
  HSTU constant(cc, g2);  // same seed, same weights, N = 7
  constant.eval();
  constant.forward(seq);
  const Tensor A7 = constant.blocks[0]->last_attention;
  EXPECT_NEAR(A.at({0, 0, 5, 4}) * 3.0, A7.at({0, 0, 5, 4}) * 7.0, 1e-6) << "3 real items vs the constant 7";
  EXPECT_EQ(A.at({0, 0, 5, 1}), 0.0) << "padded key";
  EXPECT_EQ(A.at({0, 0, 3, 4}), 0.0) << "future key";
}

// The chapter's intensity argument, computed: user A watched ten sci-fi films and one comedy, user B one
// of each. Keys and values are one-hot per genre, the query (at the comedy, the last position) prefers
// sci-fi. Softmax normalises the count away: both users get about the same sci-fi signal. SiLU
// aggregation sums it: A's signal is ~10x B's. The figures are printed and quoted in docs/REPRODUCTION.md.
TEST(HSTU, SiluAggregationKeepsIntensitySoftmaxDoesNot) {
  const std::int64_t T = 11;
  auto build = [&](int scifi) {  // (1, 1, T, 2) Q, K, V and key_valid (1, T): padding, sci-fi x n, comedy
    std::vector<double> q(T * 2, 0.0), k(T * 2, 0.0), v(T * 2, 0.0), valid(T, 0.0);
    for (std::int64_t t = T - 1 - scifi; t < T; ++t) {
      const bool comedy = t == T - 1;
      valid[t] = 1;
      k[t * 2 + (comedy ? 1 : 0)] = 2.0;
      v[t * 2 + (comedy ? 1 : 0)] = 1.0;
      q[t * 2] = 2.0;  // every query prefers sci-fi: q·k = 4 for sci-fi, 0 for comedy
    }
    auto t4 = [&](const std::vector<double>& x) { return Tensor::from_vector(x, {1, 1, T, 2}); };
    return std::make_tuple(t4(q), t4(k), t4(v), Tensor::from_vector(valid, {1, T}));
  };
  auto scifi_signal = [&](bool softmax, int scifi) {
    const auto [Q, K, V, valid] = build(scifi);
    Generator gen(0);
    const Tensor out = softmax ? causal_attention(Q, K, V, valid, 0.0, false, gen)
                               : hstu_attention(Q, K, V, Tensor::zeros({1, 1, T, T}, DType::f64), valid,
                                                Tensor::from_vector(std::vector<double>{double(T)}, {1}));
    return out.at({0, 0, T - 1, 0});  // the sci-fi component at the last position
  };
  const double soft_a = scifi_signal(true, 10), soft_b = scifi_signal(true, 1);
  const double silu_a = scifi_signal(false, 10), silu_b = scifi_signal(false, 1);
  std::printf("sci-fi signal at the last position: softmax A %.4f B %.4f (A/B %.2f); SiLU A %.4f B %.4f (A/B %.2f)\n",
              soft_a, soft_b, soft_a / soft_b, silu_a, silu_b, silu_a / silu_b);
  EXPECT_NEAR(soft_a / soft_b, 1.0, 0.1) << "softmax: about the same signal for both users";
  EXPECT_GT(silu_a / silu_b, 8.0) << "SiLU: ten sci-fi films give a much larger signal than one";
}

TEST(RelativeBias, TimeBucketsMatchThePapersCode) {
  EXPECT_EQ(nn::time_bucket(0), 0);
  EXPECT_EQ(nn::time_bucket(60), 13);
  EXPECT_EQ(nn::time_bucket(-86400), 37);
  EXPECT_EQ(nn::time_bucket(365LL * 86400), 57);
  EXPECT_EQ(nn::time_bucket(1LL << 62), 128);
}

TEST(RelativeBias, PositionsUseTheSignedOffset) {
  Generator gen(5);
  nn::RelativeBias rab(4, gen);
  const Tensor r = rab.positions(3);  // (1, 1, 3, 3): r[i, j] = w_pos[3 + j - i]
  for (std::int64_t i = 0; i < 3; ++i)
    for (std::int64_t j = 0; j < 3; ++j) EXPECT_EQ(r.at({0, 0, i, j}), rab.w_pos.at({3 + j - i, 0}));
  const Tensor ts = Tensor::from_vector(std::vector<std::int64_t>{0, 60, 86460}, {1, 3});
  const Tensor rt = rab.positions_and_times(ts);
  // query 0 uses ts[1] = 60: Δt to key 0 is 60 s -> bucket 13
  EXPECT_NEAR(rt.at({0, 0, 0, 0}), rab.w_pos.at({3, 0}) + rab.w_time.at({13, 0}), 1e-7);
  // the last query uses its own timestamp: Δt to key 0 is 86460 s -> bucket 37
  EXPECT_NEAR(rt.at({0, 0, 2, 0}), rab.w_pos.at({1, 0}) + rab.w_time.at({37, 0}), 1e-7);
}

TEST(RelativeBias, TimeBucketsOnlyBelowTheDiagonal) {
  const Tensor q = Tensor::from_vector(std::vector<std::int64_t>{60, 86400, 86400}, {1, 3});
  const Tensor k = Tensor::from_vector(std::vector<std::int64_t>{0, 60, 0}, {1, 3});
  const auto b = nn::time_buckets(q, k).to_vector<std::int64_t>();             // b[i, j] = bucket(q[i] - k[j]), j <= i
  EXPECT_EQ(b, (std::vector<std::int64_t>{13, 0, 0,                            //
                                          37, nn::time_bucket(86400 - 60), 0,  //
                                          37, nn::time_bucket(86400 - 60), 37}));
}

}  // namespace
}  // namespace recgrad::models
