// recgrad/tests/gradcheck.hpp — the reusable Jacobian check (float64 central differences).
//
//   auto x = test::input({3, 4}, gen);                  // float64 leaf, requires_grad
//   EXPECT_TRUE(test::gradcheck([](auto& in) { return tanh(in[0]); }, {x}));
//
// The analytic Jacobian comes from one backward per output element (retain_graph), the numeric one
// from (f(x + eps e_i) - f(x - eps e_i)) / 2 eps per input element; they must agree elementwise
// within atol + rtol |numeric|. Every input with requires_grad is checked; others are constants.
#pragma once
#include <functional>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/autograd.hpp"

namespace recgrad::test {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-6;
  double rtol = 1e-4;
};

::testing::AssertionResult gradcheck(const Fn& f, const std::vector<Tensor>& inputs, GradcheckOptions opt = {});

// A float64 leaf with values in [lo, hi), requires_grad set.
Tensor input(const Shape& shape, Generator& gen, double lo = -2.0, double hi = 2.0);
// The same, but a non-contiguous leaf: the transpose of a dense tensor with the last two axes swapped.
Tensor input_noncontiguous(const Shape& shape, Generator& gen, double lo = -2.0, double hi = 2.0);
// A float64 leaf whose elements are at least `margin` away from every point in `kinks` (for relu, abs, clamp).
Tensor input_away_from(const Shape& shape, Generator& gen, std::vector<double> kinks, double margin = 0.05);
// An int64 tensor of ids in [0, n).
Tensor ids(const Shape& shape, std::int64_t n, Generator& gen);

}  // namespace recgrad::test
