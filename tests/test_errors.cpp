// Error messages name the op and the shapes involved.
#include <gtest/gtest.h>

#include "autograd/autograd.hpp"

namespace recgrad {
namespace {

// Expects `f` to throw an exception whose message contains every string in `parts`.
template <class F>
void expect_message(F f, std::vector<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "no exception thrown";
  } catch (const std::exception& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << "message: " << e.what();
  }
}

TEST(Errors, BroadcastMismatchNamesOpAndShapes) {
  expect_message([] { add(Tensor::zeros({2, 3}), Tensor::zeros({4})); }, {"add", "(2, 3)", "(4,)"});
  expect_message([] { mul(Tensor::zeros({5, 2}), Tensor::zeros({3, 2})); }, {"mul", "(5, 2)", "(3, 2)"});
}

TEST(Errors, MatmulInnerMismatch) {
  expect_message([] { matmul(Tensor::zeros({2, 3}), Tensor::zeros({4, 5})); }, {"matmul", "(2, 3)", "(4, 5)"});
  expect_message([] { matmul(Tensor::zeros({2, 2, 3}), Tensor::zeros({3, 3, 1})); }, {"matmul", "(2,)", "(3,)"});
}

TEST(Errors, ReshapeAndViews) {
  expect_message([] { reshape(Tensor::zeros({2, 3}), {4, 2}); }, {"reshape", "(2, 3)", "(4, 2)"});
  expect_message([] { expand(Tensor::zeros({3}), {2, 4}); }, {"expand", "(3,)"});
  expect_message([] { squeeze(Tensor::zeros({2, 3}), 0); }, {"squeeze", "axis 0"});
  expect_message([] { sum(Tensor::zeros({2, 3}), {2}); }, {"sum", "axis 2"});
  expect_message([] { concat({Tensor::zeros({2, 3}), Tensor::zeros({3, 3})}, 1); }, {"concat", "(3, 3)", "(2, 3)"});
}

TEST(Errors, IndexOutOfRange) {
  Tensor w = Tensor::zeros({4, 2});
  expect_message([&] { embedding(w, Tensor::from_vector(std::vector<std::int64_t>{1, 4}, {2})); },
                 {"embedding", "index 4", "[0, 4)"});
  expect_message([] { cross_entropy(Tensor::zeros({2, 3}), Tensor::from_vector(std::vector<std::int64_t>{0, 3}, {2})); },
                 {"cross_entropy", "target 3", "row 1"});
}

TEST(Errors, LayerNormParameters) {
  expect_message([] { layer_norm(Tensor::zeros({2, 4}), Tensor::zeros({3}), Tensor::zeros({3})); },
                 {"layer_norm", "(3,)", "(2, 4)"});
}

TEST(Errors, MixedDtypes) {
  expect_message([] { add(Tensor::zeros({2}), Tensor::zeros({2}, DType::f64)); }, {"add", "float32", "float64"});
}

TEST(Errors, AutogradMisuse) {
  Tensor c = Tensor::ones({1});
  expect_message([&] { c.backward(); }, {"does not require grad"});
  Tensor x = Tensor::ones({2});
  x.requires_grad_(true);
  Tensor y = x * 2.0;
  expect_message([&] { y.backward(); }, {"1-element", "(2,)"});
  expect_message([&] { y.requires_grad_(true); }, {"leaf", "mul_scalar"});
}

}  // namespace
}  // namespace recgrad
