// A tiny end-to-end: an MLP learns XOR-like quadrant labels; the loss must fall below a stated bound.
#include <gtest/gtest.h>

#include "autograd/autograd.hpp"
#include "nn/linear.hpp"
#include "nn/optim.hpp"

namespace recgrad {
namespace {

TEST(EndToEnd, MlpLearnsQuadrants) {
  Generator gen(0);
  // 256 points in [-1, 1]²; label = 1 when x·y > 0 (XOR of the signs): not linearly separable.
  const std::int64_t n = 256;
  Tensor x = Tensor::uniform({n, 2}, -1, 1, gen);
  std::vector<std::int64_t> labels;
  for (std::int64_t i = 0; i < n; ++i) labels.push_back(x.at({i, 0}) * x.at({i, 1}) > 0 ? 1 : 0);
  Tensor y = Tensor::from_vector(labels, {n});

  nn::Linear fc1(2, 32, gen), fc2(32, 2, gen);
  std::vector<Tensor> params = fc1.parameters();
  for (auto& p : fc2.parameters()) params.push_back(p);
  nn::Adam adam(params, {.lr = 0.02});
  double first = 0, last = 0;
  for (int step = 0; step < 300; ++step) {
    Tensor loss = cross_entropy(fc2.forward(tanh(fc1.forward(x))), y);
    if (step == 0) first = loss.item();
    last = loss.item();
    adam.zero_grad();
    loss.backward();
    adam.step();
  }
  EXPECT_GT(first, 0.6) << "starts near ln 2";
  EXPECT_LT(last, 0.15) << "the stated bound: cross-entropy below 0.15 after 300 Adam steps";
}

TEST(EndToEnd, ParameterNamesAreHierarchical) {
  struct Net : nn::Module {
    nn::Linear a, b;
    explicit Net(Generator& g) : a(3, 4, g), b(4, 1, g, /*bias=*/false) {
      register_module("encoder", a);
      register_module("head", b);
    }
  };
  Generator gen(1);
  Net net(gen);
  std::vector<std::string> names;
  for (auto& [name, p] : net.named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"encoder.weight", "encoder.bias", "head.weight"}));
  net.eval();
  EXPECT_FALSE(net.a.training());
}

}  // namespace
}  // namespace recgrad
