// Fused composite ops against their composition from primitives: values and gradients (float64).
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/autograd.hpp"
#include "tests/gradcheck.hpp"

namespace recgrad {
namespace {

using In = std::vector<Tensor>;

// Runs f and g on copies of the same inputs; expects equal outputs and equal input gradients
// for the upstream gradient `w` (random, fixed).
void expect_same(const test::Fn& fused, const test::Fn& composed, const std::vector<Tensor>& inputs,
                 double tol = 1e-10) {
  auto run = [&](const test::Fn& f) {
    std::vector<Tensor> xs;
    for (const auto& x : inputs) {
      Tensor c = x.detach().clone();
      if (x.requires_grad()) c.requires_grad_(true);
      xs.push_back(c);
    }
    Tensor y = f(xs);
    Generator gw(99);
    y.backward(Tensor::uniform(y.shape(), -1, 1, gw, DType::f64));
    std::vector<std::vector<double>> out{y.to_vector<double>()};
    for (auto& x : xs)
      if (x.requires_grad()) out.push_back(x.grad().to_vector<double>());
    return out;
  };
  const auto a = run(fused), b = run(composed);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    ASSERT_EQ(a[k].size(), b[k].size());
    for (std::size_t i = 0; i < a[k].size(); ++i)
      EXPECT_NEAR(a[k][i], b[k][i], tol) << (k == 0 ? "output" : "gradient of input " + std::to_string(k - 1)) << " ["
                                         << i << "]";
  }
}

TEST(Composite, SoftmaxMatchesExpOverSum) {
  Generator gen(1);
  Tensor x = test::input({3, 4, 7}, gen, -5, 5);
  expect_same([](const In& v) { return softmax(v[0], -1); },
              [](const In& v) {
                Tensor e = exp(v[0] - max(v[0], {-1}, true).detach());
                return e / sum(e, {-1}, true);
              },
              {x});
}

TEST(Composite, LogSoftmaxMatchesShiftMinusLogSumExp) {
  Generator gen(2);
  Tensor x = test::input({5, 9}, gen, -5, 5);
  expect_same([](const In& v) { return log_softmax(v[0], 1); },
              [](const In& v) { return v[0] - logsumexp(v[0], {1}, true); }, {x});
}

TEST(Composite, LogSumExpMatchesLogOfSumOfExp) {
  Generator gen(3);
  Tensor x = test::input({4, 6}, gen, -3, 3);
  expect_same([](const In& v) { return logsumexp(v[0], {1}); }, [](const In& v) { return log(sum(exp(v[0]), {1})); },
              {x});
}

TEST(Composite, LayerNormMatchesPrimitives) {
  Generator gen(4);
  Tensor x = test::input({2, 3, 8}, gen, -3, 3), gamma = test::input({8}, gen), beta = test::input({8}, gen);
  auto composed = [](const In& v) {
    Tensor mu = mean(v[0], {-1}, true);
    Tensor var = mean((v[0] - mu) * (v[0] - mu), {-1}, true);
    Tensor xhat = (v[0] - mu) * rsqrt(var + 1e-5);
    return v.size() == 3 ? xhat * v[1] + v[2] : xhat;
  };
  expect_same([](const In& v) { return layer_norm(v[0], v[1], v[2], 1e-5); }, composed, {x, gamma, beta});
  expect_same([](const In& v) { return layer_norm(v[0], Tensor(), Tensor(), 1e-5); }, composed, {x});
}

TEST(Composite, CrossEntropyMatchesHandComputed) {
  // logits row 0 = (0, 0): loss ln 2; row 1 ignored; row 2 = (ln 3, 0), target 1: loss ln 4.
  Tensor logits = Tensor::from_vector(std::vector<double>{0, 0, 5, -5, std::log(3.0), 0}, {3, 2});
  Tensor target = Tensor::from_vector(std::vector<std::int64_t>{0, -100, 1}, {3});
  EXPECT_NEAR(cross_entropy(logits, target).item(), (std::log(2.0) + std::log(4.0)) / 2, 1e-12);
  Tensor all_ignored = Tensor::from_vector(std::vector<std::int64_t>{-100, -100, -100}, {3});
  EXPECT_EQ(cross_entropy(logits, all_ignored).item(), 0.0);
}

TEST(Composite, DropoutKeepsExpectationAndIsSeeded) {
  Generator g1(5), g2(5);
  Tensor x = Tensor::ones({100000});
  Tensor a = dropout(x, 0.2, true, g1), b = dropout(x, 0.2, true, g2);
  EXPECT_EQ(a.to_vector<float>(), b.to_vector<float>()) << "same seed, same mask";
  const auto v = a.to_vector<float>();
  double kept = 0, total = 0;
  for (float e : v) {
    kept += e != 0;
    total += e;
  }
  EXPECT_NEAR(kept / v.size(), 0.8, 0.01);
  EXPECT_NEAR(total / v.size(), 1.0, 0.01);
  EXPECT_EQ(dropout(x, 0.2, /*training=*/false, g1).impl(), x.impl()) << "identity in eval mode";
  Tensor c = dropout(x, 0.2, true, g1);
  EXPECT_NE(c.to_vector<float>(), a.to_vector<float>()) << "the generator advances";
}

TEST(Composite, PairwiseDistanceMatchesDirect) {
  Generator gen(6);
  Tensor a = Tensor::uniform({4, 3}, -1, 1, gen, DType::f64), b = Tensor::uniform({5, 3}, -1, 1, gen, DType::f64);
  Tensor d = pairwise_sq_dist(a, b);
  for (std::int64_t i = 0; i < 4; ++i)
    for (std::int64_t k = 0; k < 5; ++k) {
      double s = 0;
      for (std::int64_t j = 0; j < 3; ++j) s += std::pow(a.at({i, j}) - b.at({k, j}), 2);
      EXPECT_NEAR(d.at({i, k}), s, 1e-12);
    }
  const auto nearest = argmin(d, 1).to_vector<std::int64_t>();
  for (std::int64_t i = 0; i < 4; ++i)
    for (std::int64_t k = 0; k < 5; ++k) EXPECT_LE(d.at({i, nearest[i]}), d.at({i, k}));
}

}  // namespace
}  // namespace recgrad
