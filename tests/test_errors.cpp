// Error messages name the op and the shapes involved.
#include <gtest/gtest.h>

#include "tests/expect_error.hpp"

#include "autograd/autograd.hpp"

namespace recgrad {
namespace {

TEST(Errors, BroadcastMismatchNamesOpAndShapes) {
  test::expect_error([] { add(Tensor::zeros({2, 3}), Tensor::zeros({4})); }, {"add", "(2, 3)", "(4,)"});
  test::expect_error([] { mul(Tensor::zeros({5, 2}), Tensor::zeros({3, 2})); }, {"mul", "(5, 2)", "(3, 2)"});
}

TEST(Errors, MatmulInnerMismatch) {
  test::expect_error([] { matmul(Tensor::zeros({2, 3}), Tensor::zeros({4, 5})); }, {"matmul", "(2, 3)", "(4, 5)"});
  test::expect_error([] { matmul(Tensor::zeros({2, 2, 3}), Tensor::zeros({3, 3, 1})); }, {"matmul", "(2,)", "(3,)"});
}

TEST(Errors, ReshapeAndViews) {
  test::expect_error([] { reshape(Tensor::zeros({2, 3}), {4, 2}); }, {"reshape", "(2, 3)", "(4, 2)"});
  test::expect_error([] { expand(Tensor::zeros({3}), {2, 4}); }, {"expand", "(3,)"});
  test::expect_error([] { squeeze(Tensor::zeros({2, 3}), 0); }, {"squeeze", "axis 0"});
  test::expect_error([] { sum(Tensor::zeros({2, 3}), {2}); }, {"sum", "axis 2"});
  test::expect_error([] { concat({Tensor::zeros({2, 3}), Tensor::zeros({3, 3})}, 1); }, {"concat", "(3, 3)", "(2, 3)"});
}

TEST(Errors, IndexOutOfRange) {
  Tensor w = Tensor::zeros({4, 2});
  test::expect_error(
      [&] {
        embedding(w, Tensor::from_vector(std::vector<std::int64_t>{1, 4}, {2}));
      },
      {"embedding", "index 4", "[0, 4)"});
  test::expect_error(
      [] {
        cross_entropy(Tensor::zeros({2, 3}), Tensor::from_vector(std::vector<std::int64_t>{0, 3}, {2}));
      },
      {"cross_entropy", "target 3", "row 1"});
}

TEST(Errors, LayerNormParameters) {
  test::expect_error(
      [] {
        layer_norm(Tensor::zeros({2, 4}), Tensor::zeros({3}), Tensor::zeros({3}));
      },
      {"layer_norm", "(3,)", "(2, 4)"});
}

TEST(Errors, MixedDtypes) {
  test::expect_error([] { add(Tensor::zeros({2}), Tensor::zeros({2}, DType::f64)); }, {"add", "float32", "float64"});
}

TEST(Errors, AutogradMisuse) {
  Tensor c = Tensor::ones({1});
  test::expect_error([&] { c.backward(); }, {"does not require grad"});
  Tensor x = Tensor::ones({2});
  x.requires_grad_(true);
  Tensor y = x * 2.0;
  test::expect_error([&] { y.backward(); }, {"1-element", "(2,)"});
  test::expect_error([&] { y.requires_grad_(true); }, {"leaf", "mul_scalar"});
}

}  // namespace
}  // namespace recgrad
