// A float64 Jacobian check for every differentiable op: plain, broadcast and non-contiguous inputs.
// Test names are the op names, so `ctest -R GradCheck` lists the coverage.
#include <gtest/gtest.h>

#include "autograd/autograd.hpp"
#include "autograd/kernels/kernel_path.hpp"
#include "tests/gradcheck.hpp"

namespace recgrad {
namespace {

using test::gradcheck_passes;
using test::input;
using test::input_noncontiguous;
using In = std::vector<Tensor>;

// Checks a binary op on same-shape, broadcast (both sides) and non-contiguous operands.
void check_binary(const test::Fn& f, double lo = -2.0, double hi = 2.0) {
  Generator gen(1);
  EXPECT_TRUE(gradcheck_passes(f, {input({2, 3}, gen, lo, hi), input({2, 3}, gen, lo, hi)})) << "same shape";
  EXPECT_TRUE(gradcheck_passes(f, {input({2, 3, 4}, gen, lo, hi), input({3, 1}, gen, lo, hi)})) << "broadcast b";
  EXPECT_TRUE(gradcheck_passes(f, {input({4}, gen, lo, hi), input({3, 4}, gen, lo, hi)})) << "broadcast a";
  EXPECT_TRUE(gradcheck_passes(f, {input_noncontiguous({3, 4}, gen, lo, hi), input({3, 4}, gen, lo, hi)}))
      << "non-contiguous";
}

// Checks a unary op on a dense and a non-contiguous input.
void check_unary(const test::Fn& f, double lo = -2.0, double hi = 2.0) {
  Generator gen(2);
  EXPECT_TRUE(gradcheck_passes(f, {input({2, 3, 4}, gen, lo, hi)})) << "dense";
  EXPECT_TRUE(gradcheck_passes(f, {input_noncontiguous({3, 5}, gen, lo, hi)})) << "non-contiguous";
}

// Like check_unary with inputs kept away from kinks.
void check_unary_kinks(const test::Fn& f, std::vector<double> kinks) {
  Generator gen(3);
  EXPECT_TRUE(gradcheck_passes(f, {test::input_away_from({2, 3, 4}, gen, kinks)}));
  Tensor nc = transpose(test::input_away_from({5, 3}, gen, kinks).detach(), 0, 1).detach();
  nc.requires_grad_(true);
  EXPECT_TRUE(gradcheck_passes(f, {nc})) << "non-contiguous";
}

// ---- binary -------------------------------------------------------------------------------------
// clang-format off
TEST(GradCheck, add) { check_binary([](const In& x) { return x[0] + x[1]; }); }
TEST(GradCheck, sub) { check_binary([](const In& x) { return x[0] - x[1]; }); }
TEST(GradCheck, mul) { check_binary([](const In& x) { return x[0] * x[1]; }); }
TEST(GradCheck, div) { check_binary([](const In& x) { return x[0] / x[1]; }, 0.5, 2.0); }
TEST(GradCheck, pow) { check_binary([](const In& x) { return pow(x[0], x[1]); }, 0.5, 2.0); }
// clang-format on
TEST(GradCheck, maximum) {
  Generator gen(4);  // distinct values almost surely; the kink a == b is not sampled
  EXPECT_TRUE(gradcheck_passes([](const In& x) { return maximum(x[0], x[1]); }, {input({3, 4}, gen), input({4}, gen)}));
}

// ---- scalar variants ------------------------------------------------------------------------------
// clang-format off
TEST(GradCheck, add_scalar) { check_unary([](const In& x) { return x[0] + 1.5; }); }
TEST(GradCheck, sub_scalar) { check_unary([](const In& x) { return x[0] - 1.5; }); }
TEST(GradCheck, rsub_scalar) { check_unary([](const In& x) { return 1.5 - x[0]; }); }
TEST(GradCheck, mul_scalar) { check_unary([](const In& x) { return x[0] * -2.5; }); }
TEST(GradCheck, div_scalar) { check_unary([](const In& x) { return x[0] / 4.0; }); }
TEST(GradCheck, rdiv_scalar) { check_unary([](const In& x) { return 3.0 / x[0]; }, 0.5, 2.0); }
// clang-format on
TEST(GradCheck, pow_scalar) {
  check_unary([](const In& x) { return pow(x[0], 3.0); });
  check_unary([](const In& x) { return pow(x[0], 0.5); }, 0.5, 2.0);
}

// ---- unary ----------------------------------------------------------------------------------------
// clang-format off
TEST(GradCheck, neg) { check_unary([](const In& x) { return -x[0]; }); }
TEST(GradCheck, exp) { check_unary([](const In& x) { return exp(x[0]); }); }
TEST(GradCheck, log) { check_unary([](const In& x) { return log(x[0]); }, 0.2, 3.0); }
TEST(GradCheck, sqrt) { check_unary([](const In& x) { return sqrt(x[0]); }, 0.2, 3.0); }
TEST(GradCheck, rsqrt) { check_unary([](const In& x) { return rsqrt(x[0]); }, 0.2, 3.0); }
TEST(GradCheck, abs) { check_unary_kinks([](const In& x) { return abs(x[0]); }, {0.0}); }
TEST(GradCheck, clamp) { check_unary_kinks([](const In& x) { return clamp(x[0], -0.5, 1.0); }, {-0.5, 1.0}); }
TEST(GradCheck, relu) { check_unary_kinks([](const In& x) { return relu(x[0]); }, {0.0}); }
TEST(GradCheck, silu) { check_unary([](const In& x) { return silu(x[0]); }); }
TEST(GradCheck, sigmoid) { check_unary([](const In& x) { return sigmoid(x[0]); }); }
TEST(GradCheck, tanh) { check_unary([](const In& x) { return tanh(x[0]); }); }
TEST(GradCheck, softplus) { check_unary([](const In& x) { return softplus(x[0] * 10.0); }); }
TEST(GradCheck, gelu) { check_unary([](const In& x) { return gelu(x[0]); }); }
// clang-format on

// ---- matmul ---------------------------------------------------------------------------------------
// NumPy's rule for two 1-D operands: the inner product, a 0-d tensor.
TEST(Matmul, TwoVectorsGiveTheirInnerProduct) {
  const Tensor a = Tensor::from_vector(std::vector<double>{1, 2, 3}, {3});
  const Tensor b = Tensor::from_vector(std::vector<double>{4, -5, 6}, {3});
  const Tensor c = matmul(a, b);
  EXPECT_EQ(c.dim(), 0);
  EXPECT_DOUBLE_EQ(c.item(), 1 * 4 - 2 * 5 + 3 * 6);
}

TEST(GradCheck, matmul) {
  Generator gen(5);
  auto mm = [](const In& x) { return matmul(x[0], x[1]); };
  EXPECT_TRUE(gradcheck_passes(mm, {input({3, 4}, gen), input({4, 5}, gen)})) << "2-D";
  EXPECT_TRUE(gradcheck_passes(mm, {input({2, 3, 4}, gen), input({2, 4, 2}, gen)})) << "batched";
  EXPECT_TRUE(gradcheck_passes(mm, {input({2, 1, 3, 4}, gen), input({3, 4, 2}, gen)})) << "broadcast batch";
  EXPECT_TRUE(gradcheck_passes(mm, {input({2, 3, 4}, gen), input({4, 2}, gen)})) << "matrix broadcast over batch";
  EXPECT_TRUE(gradcheck_passes(mm, {input_noncontiguous({2, 3, 4}, gen), input({4, 2}, gen)}))
      << "matrix broadcast over a non-contiguous batch (not folded into rows)";
  EXPECT_TRUE(gradcheck_passes(mm, {input({2, 2, 3, 4}, gen), input_noncontiguous({4, 2}, gen)}))
      << "two batch axes, transposed matrix";
  EXPECT_TRUE(gradcheck_passes(mm, {input_noncontiguous({3, 4}, gen), input_noncontiguous({4, 5}, gen)}))
      << "transposed";
  EXPECT_TRUE(gradcheck_passes(mm, {input({4}, gen), input({4, 3}, gen)})) << "vector @ matrix";
  EXPECT_TRUE(gradcheck_passes(mm, {input({4}, gen), input({4}, gen)})) << "vector @ vector (the inner product)";
  EXPECT_TRUE(gradcheck_passes(mm, {input({3, 4}, gen), input({4}, gen)})) << "matrix @ vector";
}

// ---- reductions -----------------------------------------------------------------------------------
void check_reduction(Tensor (*op)(const Tensor&, std::vector<int>, bool)) {
  Generator gen(6);
  for (bool keep : {false, true}) {
    EXPECT_TRUE(gradcheck_passes([&](const In& x) { return op(x[0], {}, keep); }, {input({2, 3, 4}, gen)})) << "all";
    EXPECT_TRUE(gradcheck_passes([&](const In& x) { return op(x[0], {1}, keep); }, {input({2, 3, 4}, gen)}))
        << "axis 1";
    EXPECT_TRUE(gradcheck_passes(
        [&](const In& x) {
          return op(x[0], {0, 2}, keep);
        },
        {input({2, 3, 4}, gen)}))
        << "axes 0,2";
    EXPECT_TRUE(gradcheck_passes([&](const In& x) { return op(x[0], {-1}, keep); }, {input_noncontiguous({3, 4}, gen)}))
        << "non-contiguous";
  }
}
// clang-format off
TEST(GradCheck, sum) { check_reduction(&sum); }
TEST(GradCheck, mean) { check_reduction(&mean); }
TEST(GradCheck, max) { check_reduction(&max); }
TEST(GradCheck, logsumexp) { check_reduction(&logsumexp); }
// clang-format on

// ---- softmax family -------------------------------------------------------------------------------
TEST(GradCheck, softmax) {
  Generator gen(7);
  EXPECT_TRUE(gradcheck_passes([](const In& x) { return softmax(x[0], -1); }, {input({2, 3, 5}, gen)}));
  EXPECT_TRUE(gradcheck_passes([](const In& x) { return softmax(x[0], 1); }, {input({2, 3, 5}, gen)})) << "middle axis";
  EXPECT_TRUE(gradcheck_passes([](const In& x) { return softmax(x[0], -1); }, {input_noncontiguous({4, 3}, gen)}));
}
TEST(GradCheck, log_softmax) {
  Generator gen(8);
  EXPECT_TRUE(gradcheck_passes([](const In& x) { return log_softmax(x[0], -1); }, {input({2, 3, 5}, gen)}));
  EXPECT_TRUE(gradcheck_passes([](const In& x) { return log_softmax(x[0], 0); }, {input({3, 4}, gen)})) << "axis 0";
  EXPECT_TRUE(gradcheck_passes([](const In& x) { return log_softmax(x[0], -1); }, {input_noncontiguous({4, 3}, gen)}));
}

// ---- layer norm -----------------------------------------------------------------------------------
TEST(GradCheck, layer_norm) {
  Generator gen(9);
  EXPECT_TRUE(gradcheck_passes([](const In& x) { return layer_norm(x[0], x[1], x[2], 1e-5); },
                               {input({2, 3, 6}, gen), input({6}, gen), input({6}, gen)}))
      << "affine";
  EXPECT_TRUE(
      gradcheck_passes([](const In& x) { return layer_norm(x[0], Tensor(), Tensor(), 1e-5); }, {input({4, 5}, gen)}))
      << "no affine";
  EXPECT_TRUE(gradcheck_passes([](const In& x) { return layer_norm(x[0], x[1], x[2], 1e-3); },
                               {input_noncontiguous({3, 5}, gen), input({5}, gen), input({5}, gen)}))
      << "non-contiguous";
}

// ---- dropout (a fresh generator per call, so the mask is the same in every evaluation) ------------
TEST(GradCheck, dropout) {
  Generator gen(10);
  auto f = [](const In& x) {
    Generator mask_gen(42);
    return dropout(x[0], 0.3, /*training=*/true, mask_gen);
  };
  EXPECT_TRUE(gradcheck_passes(f, {input({4, 6}, gen)}));
  EXPECT_TRUE(gradcheck_passes(f, {input_noncontiguous({4, 6}, gen)})) << "non-contiguous";
}

// ---- indexing -------------------------------------------------------------------------------------
TEST(GradCheck, embedding) {
  Generator gen(11);
  // Repeated ids accumulate; the padding row (0 here, not among the ids) must not disturb the others.
  const Tensor ids = Tensor::from_vector(std::vector<std::int64_t>{1, 2, 3, 1, 2, 2}, {2, 3});
  EXPECT_TRUE(
      gradcheck_passes([&](const In& x) { return embedding(x[0], ids, /*padding_idx=*/0); }, {input({4, 3}, gen)}));
  // With the padding id present, its row gets exactly zero gradient (by design, as in PyTorch).
  Tensor w = input({4, 3}, gen);
  const Tensor with_pad = Tensor::from_vector(std::vector<std::int64_t>{0, 2, 0}, {3});
  sum(embedding(w, with_pad, 0)).backward();
  EXPECT_EQ(w.grad().to_vector<double>(), (std::vector<double>{0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0}));
}
// The fused attention kernel in float64 (the fast path) and its composition (the reference path), with
// a padded key, a query that sees no key, right padding, dropout, and non-contiguous Q.
TEST(GradCheck, causal_attention) {
  Generator gen(15);
  const Tensor valid = Tensor::from_vector(std::vector<double>{0, 1, 1, 0, 1, 1, 1, 1, 0, 0}, {2, 5});
  for (auto path : {kernels::Path::fast, kernels::Path::reference}) {
    kernels::PathGuard guard(path);
    auto f = [&](const In& x) {
      Generator drop(3);
      return causal_attention(x[0], x[1], x[2], valid, 0.25, /*training=*/true, drop);
    };
    EXPECT_TRUE(gradcheck_passes(f, {input({2, 2, 5, 3}, gen), input({2, 2, 5, 3}, gen), input({2, 2, 5, 3}, gen)}));
    const Tensor Qt = transpose(input({2, 2, 3, 5}, gen), 2, 3).detach().requires_grad_(true);
    EXPECT_TRUE(gradcheck_passes(f, {Qt, input({2, 2, 5, 3}, gen), input({2, 2, 5, 3}, gen)})) << "non-contiguous Q";
  }
}

// Multi-head attention on (B, T, H·d) operands, both paths, float64: bidirectional self-attention with
// left and right padding, causal self-attention, and cross-attention (Tq ≠ Tk, V wider than K) whose keys are
// padded and whose queries are all real; dropout on, a non-contiguous K.
TEST(GradCheck, attention) {
  Generator gen(16);
  const Tensor valid = Tensor::from_vector(std::vector<double>{0, 1, 1, 0, 1, 1, 1, 1, 0, 0}, {2, 5});
  for (auto path : {kernels::Path::fast, kernels::Path::reference}) {
    kernels::PathGuard guard(path);
    for (bool causal : {false, true}) {
      auto self = [&](const In& x) {
        Generator drop(3);
        return attention(x[0], x[1], x[2], 2, valid, valid, causal, 0.25, /*training=*/true, drop);
      };
      EXPECT_TRUE(gradcheck_passes(self, {input({2, 5, 6}, gen), input({2, 5, 6}, gen), input({2, 5, 6}, gen)}))
          << (causal ? "causal" : "bidirectional");
    }
    auto cross = [&](const In& x) {
      Generator drop(4);
      return attention(x[0], x[1], x[2], 2, Tensor(), valid, false, 0.25, /*training=*/true, drop);
    };
    const Tensor Kt = transpose(input({2, 6, 5}, gen), 1, 2).detach().requires_grad_(true);
    EXPECT_TRUE(gradcheck_passes(cross, {input({2, 3, 6}, gen), Kt, input({2, 5, 8}, gen)}))
        << "cross, non-contiguous K";
  }
}

// HSTU's pointwise attention on both paths in float64: Q, K, V and the relative bias (per sequence and
// shared), with a padded key, right padding and a non-contiguous K.
TEST(GradCheck, hstu_attention) {
  Generator gen(16);
  const Tensor valid = Tensor::from_vector(std::vector<double>{0, 1, 1, 0, 1, 1, 1, 1, 0, 0}, {2, 5});
  const Tensor n = Tensor::from_vector(std::vector<double>{7, 5}, {2});
  for (auto path : {kernels::Path::fast, kernels::Path::reference}) {
    kernels::PathGuard guard(path);
    auto f = [&](const In& x) { return hstu_attention(x[0], x[1], x[2], x[3], valid, n); };
    EXPECT_TRUE(gradcheck_passes(
        f, {input({2, 2, 5, 3}, gen), input({2, 2, 5, 3}, gen), input({2, 2, 5, 4}, gen), input({2, 1, 5, 5}, gen)}))
        << "d_v != d_qk";
    const Tensor Kt = transpose(input({2, 2, 3, 5}, gen), 2, 3).detach().requires_grad_(true);
    EXPECT_TRUE(gradcheck_passes(f, {input({2, 2, 5, 3}, gen), Kt, input({2, 2, 5, 3}, gen), input({1, 1, 5, 5}, gen)}))
        << "shared rab, non-contiguous K";
  }
}

TEST(GradCheck, embedding_dot) {
  Generator gen(14);
  // Repeated ids within a row and across rows accumulate into the same weight row.
  const Tensor ids = Tensor::from_vector(std::vector<std::int64_t>{1, 3, 1, 0, 3, 3}, {2, 3});
  auto f = [&](const In& x) { return embedding_dot(x[0], x[1], ids); };
  EXPECT_TRUE(gradcheck_passes(f, {input({2, 5}, gen), input({4, 5}, gen)}));
  EXPECT_TRUE(gradcheck_passes(f, {input_noncontiguous({2, 5}, gen), input_noncontiguous({4, 5}, gen)}))
      << "non-contiguous";
  // Equal to the composed gather + batched dot it replaces.
  const Tensor h = input({2, 5}, gen), w = input({4, 5}, gen);
  const Tensor composed = reshape(matmul(unsqueeze(h, 1), transpose(embedding(w, ids), 1, 2)), {2, 3});
  const auto a = embedding_dot(h, w, ids).to_vector<double>(), b = composed.to_vector<double>();
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-12) << i;
}
TEST(GradCheck, index_select) {
  Generator gen(12);
  const Tensor idx = Tensor::from_vector(std::vector<std::int64_t>{2, 0, 2}, {3});
  EXPECT_TRUE(gradcheck_passes([&](const In& x) { return index_select(x[0], 1, idx); }, {input({2, 3, 2}, gen)}));
  EXPECT_TRUE(
      gradcheck_passes([&](const In& x) { return index_select(x[0], 0, idx); }, {input_noncontiguous({3, 4}, gen)}));
}
TEST(GradCheck, gather) {
  Generator gen(13);
  const Tensor idx = Tensor::from_vector(std::vector<std::int64_t>{0, 2, 2, 1, 0, 0}, {3, 2});
  EXPECT_TRUE(gradcheck_passes([&](const In& x) { return gather(x[0], 1, idx); }, {input({3, 3}, gen)}));
  EXPECT_TRUE(gradcheck_passes([&](const In& x) { return gather(x[0], 1, idx); }, {input_noncontiguous({3, 4}, gen)}));
}
TEST(GradCheck, where) {
  Generator gen(14);
  const Tensor cond = Tensor::from_vector(std::vector<std::int64_t>{1, 0, 0, 1}, {4});
  EXPECT_TRUE(
      gradcheck_passes([&](const In& x) { return where(cond, x[0], x[1]); }, {input({3, 4}, gen), input({1, 4}, gen)}));
}
TEST(GradCheck, masked_fill) {
  Generator gen(15);
  const Tensor mask = Tensor::from_vector(std::vector<std::int64_t>{1, 0, 0, 1, 1, 0}, {2, 3});
  EXPECT_TRUE(gradcheck_passes([&](const In& x) { return masked_fill(x[0], mask, -1e9); }, {input({2, 3}, gen)}));
}

// ---- views and joins ------------------------------------------------------------------------------
TEST(GradCheck, reshape) {
  Generator gen(16);
  EXPECT_TRUE(gradcheck_passes([](const In& x) { return reshape(x[0], {3, -1}); }, {input({2, 3, 2}, gen)}));
  EXPECT_TRUE(gradcheck_passes([](const In& x) { return reshape(x[0], {-1}); }, {input_noncontiguous({3, 4}, gen)}));
}
TEST(GradCheck, permute) {
  Generator gen(17);
  EXPECT_TRUE(gradcheck_passes([](const In& x) { return permute(x[0], {2, 0, 1}) * 1.0; }, {input({2, 3, 4}, gen)}));
}
TEST(GradCheck, transpose) {
  Generator gen(18);
  EXPECT_TRUE(
      gradcheck_passes([](const In& x) { return transpose(x[0], 0, 1) * 1.0; }, {input_noncontiguous({3, 4}, gen)}));
}
TEST(GradCheck, slice) {
  Generator gen(19);
  EXPECT_TRUE(gradcheck_passes([](const In& x) { return slice(x[0], 1, 1, 5, 2) * 1.0; }, {input({3, 6}, gen)}));
  EXPECT_TRUE(
      gradcheck_passes([](const In& x) { return slice(x[0], 0, -2, 4) * 1.0; }, {input_noncontiguous({4, 3}, gen)}));
}
TEST(GradCheck, expand) {
  Generator gen(20);
  EXPECT_TRUE(gradcheck_passes([](const In& x) { return expand(x[0], {2, 3, 4}) * 1.0; }, {input({3, 1}, gen)}));
}
TEST(GradCheck, unsqueeze_squeeze) {
  Generator gen(21);
  EXPECT_TRUE(gradcheck_passes([](const In& x) { return squeeze(unsqueeze(x[0], 1), 1) * unsqueeze(x[0], 0); },
                               {input({3}, gen)}));
}
TEST(GradCheck, contiguous_clone_to) {
  Generator gen(22);
  EXPECT_TRUE(gradcheck_passes([](const In& x) { return x[0].contiguous() * x[0].clone(); },
                               {input_noncontiguous({3, 4}, gen)}));
  EXPECT_TRUE(gradcheck_passes([](const In& x) { return x[0].to(DType::f32).to(DType::f64) * 1.0; }, {input({3}, gen)},
                               {.eps = 1e-3, .atol = 1e-4, .rtol = 1e-3}))
      << "through float32";
}
TEST(GradCheck, concat) {
  Generator gen(23);
  EXPECT_TRUE(gradcheck_passes(
      [](const In& x) {
        return concat({x[0], x[1]}, 1);
      },
      {input({2, 3}, gen), input({2, 2}, gen)}));
  EXPECT_TRUE(gradcheck_passes(
      [](const In& x) {
        return concat({x[0], x[1]}, 0);
      },
      {input_noncontiguous({3, 2}, gen), input({1, 2}, gen)}));
}
TEST(GradCheck, stack) {
  Generator gen(24);
  EXPECT_TRUE(gradcheck_passes(
      [](const In& x) {
        return stack({x[0], x[1], x[0]}, 1);
      },
      {input({2, 3}, gen), input({2, 3}, gen)}));
}
TEST(GradCheck, split) {
  Generator gen(25);
  EXPECT_TRUE(gradcheck_passes(
      [](const In& x) {
        auto parts = split(x[0], {1, 3}, 1);
        return parts[0] * parts[1];  // (2,1) * (2,3): both parts feed the output
      },
      {input({2, 4}, gen)}));
}

// ---- losses and vector quantisation ---------------------------------------------------------------
TEST(GradCheck, cross_entropy) {
  Generator gen(26);
  const Tensor target = Tensor::from_vector(std::vector<std::int64_t>{2, -100, 0, 4}, {4});
  EXPECT_TRUE(gradcheck_passes([&](const In& x) { return cross_entropy(x[0], target); }, {input({4, 5}, gen)}));
  EXPECT_TRUE(
      gradcheck_passes([&](const In& x) { return cross_entropy(x[0], target); }, {input_noncontiguous({4, 5}, gen)}));
}
TEST(GradCheck, l2_normalize) {
  Generator gen(27);
  EXPECT_TRUE(gradcheck_passes([](const In& x) { return l2_normalize(x[0], -1); }, {input({3, 4}, gen)}));
  EXPECT_TRUE(gradcheck_passes([](const In& x) { return l2_normalize(x[0], 0); }, {input_noncontiguous({3, 4}, gen)}));
}
TEST(GradCheck, l2_normalize_zero_row_has_finite_gradient) {
  // At x = 0, y = x / eps, so dy/dx = 1/eps: finite (a sqrt-first composition gives 0/0 = NaN here).
  Tensor x = Tensor::zeros({2, 3}, DType::f64);
  x.requires_grad_(true);
  sum(l2_normalize(x, -1, 1e-6) * 2.0).backward();
  for (double g : x.grad().to_vector<double>()) EXPECT_NEAR(g, 2.0 / 1e-6, 1e-3);
}

TEST(GradCheck, pairwise_sq_dist) {
  Generator gen(28);
  EXPECT_TRUE(gradcheck_passes([](const In& x) { return pairwise_sq_dist(x[0], x[1]); },
                               {input({3, 4}, gen), input({5, 4}, gen)}));
}
TEST(GradCheck, straight_through) {
  Generator gen(29);
  // The gradient w.r.t. x is the identity, whatever q is (q is a constant here).
  const Tensor q = Tensor::uniform({3, 4}, -1, 1, gen, DType::f64);
  Tensor x = input({3, 4}, gen);
  Tensor y = straight_through(x, q);
  EXPECT_EQ(y.to_vector<double>(), q.to_vector<double>());
  sum(y * y).backward();
  const auto g = x.grad().to_vector<double>();
  const auto qv = q.to_vector<double>();
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_DOUBLE_EQ(g[i], 2 * qv[i]);
}

}  // namespace
}  // namespace recgrad
