// The tape: topological order, accumulation, no-grad, detach, retain_graph, graph freeing.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "autograd/autograd.hpp"
#include "autograd/profiler.hpp"

namespace recgrad {
namespace {

Tensor leaf(std::vector<double> v) {
  Tensor t = Tensor::from_vector(v, {static_cast<std::int64_t>(v.size())});
  t.requires_grad_(true);
  return t;
}

TEST(Engine, DiamondGraphSumsOverPaths) {
  // y = f(x) + g(x) with f = x², g = 3x, and a node h = x·x reused three times.
  Tensor x = leaf({2.0});
  Tensor h = x * x;                             // dh/dx = 2x = 4
  Tensor y = exp(x) + 3.0 * x + h + h * h + h;  // dy/dx = eˣ + 3 + 4 + 2h·4 + 4
  y.backward();
  EXPECT_NEAR(x.grad().item(), std::exp(2.0) + 3 + 4 + 2 * 4 * 4 + 4, 1e-12);
}

TEST(Engine, NodeUsedTwiceIsProcessedOnce) {
  Tensor x = leaf({1.0, 2.0});
  Tensor a = x * 2.0;
  Tensor b = a + a;       // a has two consumers
  sum(b * a).backward();  // s = Σ 2a·a = 8 Σ x², ds/dx = 16 x
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{16.0, 32.0}));
}

TEST(Engine, LeafGradsAccumulateAcrossBackwardCalls) {
  Tensor x = leaf({1.0, -1.0});
  sum(x * 3.0).backward();
  sum(x * 3.0).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{6.0, 6.0}));
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
  sum(x * 3.0).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{3.0, 3.0}));
}

TEST(Engine, BackwardWithExplicitGradient) {
  Tensor x = leaf({1.0, 2.0, 3.0});
  Tensor y = x * x;
  y.backward(Tensor::from_vector(std::vector<double>{1.0, 0.5, 0.0}, {3}));
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{2.0, 2.0, 0.0}));
}

TEST(Engine, NoGradGuardRecordsNothing) {
  Tensor x = leaf({1.0});
  {
    NoGradGuard guard;
    Tensor y = x * 2.0;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_TRUE(y.is_leaf());
    EXPECT_FALSE(is_grad_enabled());
  }
  EXPECT_TRUE(is_grad_enabled());
  EXPECT_TRUE((x * 2.0).requires_grad());
}

TEST(Engine, DetachCutsTheGraph) {
  Tensor x = leaf({3.0});
  Tensor y = x * x.detach();  // only the first factor carries a gradient
  y.backward();
  EXPECT_EQ(x.grad().item(), 3.0);
  EXPECT_EQ(x.detach().impl()->storage, x.impl()->storage);
  EXPECT_FALSE(x.detach().requires_grad());
}

TEST(Engine, GraphIsFreedAfterBackwardUnlessRetained) {
  Tensor x = leaf({1.0, 2.0});
  Tensor y = sum(exp(x));
  y.backward(/*retain_graph=*/true);
  y.backward();  // allowed: the first call retained the graph
  EXPECT_NEAR(x.grad().at({0}), 2 * std::exp(1.0), 1e-12);
  EXPECT_THROW(y.backward(), std::logic_error);
  try {
    y.backward();
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("retain_graph"), std::string::npos) << e.what();
  }
}

TEST(Engine, SavedTensorsAreReleased) {
  std::weak_ptr<TensorImpl> saved;
  Tensor x = leaf({1.0, 2.0});
  {
    Tensor e = exp(x);  // exp saves its output
    saved = e.grad_fn()->inputs[0].impl();
    sum(e * e).backward();
  }
  EXPECT_TRUE(saved.lock() != nullptr) << "x itself is still alive";
  Tensor y = exp(x);
  std::weak_ptr<Node> node = y.grad_fn();
  y.backward(Tensor::ones({2}, DType::f64));
  EXPECT_TRUE(node.lock()->inputs.empty()) << "backward without retain_graph frees the node's edges";
}

TEST(Engine, RetainGradOnIntermediate) {
  Tensor x = leaf({2.0});
  Tensor h = x * 3.0;
  h.retain_grad();
  (h * h).backward();
  EXPECT_EQ(h.grad().item(), 12.0);
  EXPECT_EQ(x.grad().item(), 36.0);
}

TEST(Engine, DeepChainDoesNotOverflowTheStack) {
  Tensor x = leaf({1.0});
  Tensor y = x;
  for (int i = 0; i < 20000; ++i) y = y * 1.0;
  y.backward();
  EXPECT_EQ(x.grad().item(), 1.0);
}

TEST(Engine, GradientOfFloat32GraphIsFloat32) {
  Tensor w = Tensor::ones({2, 2});
  w.requires_grad_(true);
  sum(matmul(w, w)).backward();
  EXPECT_EQ(w.grad().dtype(), DType::f32);
  EXPECT_EQ(w.grad().to_vector<float>(), (std::vector<float>{4, 4, 4, 4}));
}

// RECGRAD_PROFILE: each recorded op is counted once forward and once backward; ops run without grad
// mode are not counted; off again, nothing more is counted.
TEST(Profiler, CountsEachOpForwardAndBackward) {
  profiler::enable(true);
  profiler::reset();
  Generator gen(1);
  const Tensor x = Tensor::randn({64, 32}, gen).requires_grad_(), w = Tensor::randn({32, 16}, gen).requires_grad_();
  for (int i = 0; i < 3; ++i) sum(relu(matmul(x, w))).backward();
  {
    NoGradGuard no_grad;
    matmul(x, w);
  }
  profiler::enable(false);
  matmul(x, w);
  std::map<std::string, profiler::Row> by_op;
  for (const auto& r : profiler::rows()) by_op[r.op] = r;
  for (const char* op : {"matmul", "relu", "sum"}) {
    ASSERT_TRUE(by_op.count(op)) << op;
    EXPECT_EQ(by_op[op].forward_calls, 3) << op;
    EXPECT_EQ(by_op[op].backward_calls, 3) << op;
    EXPECT_GE(by_op[op].backward_ms, 0.0) << op;
  }
  EXPECT_NE(profiler::report().find("matmul"), std::string::npos);
  profiler::reset();
  EXPECT_TRUE(profiler::rows().empty());
}

}  // namespace
}  // namespace recgrad

namespace recgrad {
namespace {

// y = x² recorded by hand, with the right backward (2x g) or a wrong one (3x g).
Tensor square_with(const Tensor& x, double factor) {
  Tensor y;
  {
    NoGradGuard no_grad;
    y = x * x;
  }
  return record("square", y, {x}, [x, factor](const Tensor& g) { return std::vector<Tensor>{g * x * factor}; });
}

// The public check (autograd/gradcheck.hpp) passes a right rule and names the worst entry of a wrong one.
TEST(PublicGradcheck, PassesARightRuleAndReportsTheWorstEntryOfAWrongOne) {
  const Tensor x = Tensor::from_vector(std::vector<double>{0.5, -1.0, 2.0}, {3}).requires_grad_(true);
  const GradcheckReport right = gradcheck([](const std::vector<Tensor>& in) { return square_with(in[0], 2.0); }, {x});
  EXPECT_TRUE(right.ok) << right;
  EXPECT_EQ(right.checked, 9);
  const GradcheckReport wrong = gradcheck([](const std::vector<Tensor>& in) { return square_with(in[0], 3.0); }, {x});
  EXPECT_FALSE(wrong.ok);
  EXPECT_EQ(wrong.failed, 3);  // the three diagonal entries
  EXPECT_EQ(wrong.input, 0);
  EXPECT_EQ(wrong.element, 2);  // x = 2: analytic 6, numeric 4, the largest miss
  EXPECT_EQ(wrong.output, 2);
  EXPECT_NEAR(wrong.analytic, 6.0, 1e-9);
  EXPECT_NEAR(wrong.numeric, 4.0, 1e-6);
  EXPECT_NE(wrong.str().find("FAILED"), std::string::npos);
  const GradcheckReport f32 =
      gradcheck([](const std::vector<Tensor>& in) { return in[0] * 2.0; }, {Tensor::ones({2}).requires_grad_(true)});
  EXPECT_FALSE(f32.ok);
  EXPECT_NE(f32.error.find("float64"), std::string::npos) << f32;
}

}  // namespace
}  // namespace recgrad
