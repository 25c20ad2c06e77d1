// recgrad/tests/gradcheck.hpp — the reusable Jacobian check (float64 central differences).
//
//   auto x = test::input({3, 4}, gen);                  // float64 leaf, requires_grad
//   EXPECT_TRUE(test::gradcheck_passes([](auto& in) { return tanh(in[0]); }, {x}));
//
// The check itself is the library's public recgrad::gradcheck (autograd/gradcheck.hpp); this wraps its report as
// a GoogleTest assertion and adds the input makers the tests share.
#pragma once
#include <functional>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/autograd.hpp"
#include "autograd/gradcheck.hpp"

namespace recgrad::test {

using Fn = GradcheckFn;
using GradcheckOptions = recgrad::GradcheckOptions;

// Passes when recgrad::gradcheck does; its report (the worst entry, both values) is the message either way.
inline ::testing::AssertionResult gradcheck_passes(const Fn& f, const std::vector<Tensor>& inputs,
                                                   GradcheckOptions opt = {}) {
  const GradcheckReport r = recgrad::gradcheck(f, inputs, opt);
  return (r.ok ? ::testing::AssertionSuccess() : ::testing::AssertionFailure()) << r.str();
}

// A float64 leaf with values in [lo, hi), requires_grad set.
Tensor input(const Shape& shape, Generator& gen, double lo = -2.0, double hi = 2.0);
// The same, but a non-contiguous leaf: the transpose of a dense tensor with the last two axes swapped.
Tensor input_noncontiguous(const Shape& shape, Generator& gen, double lo = -2.0, double hi = 2.0);
// A float64 leaf whose elements are at least `margin` away from every point in `kinks` (for relu, abs, clamp).
Tensor input_away_from(const Shape& shape, Generator& gen, std::vector<double> kinks, double margin = 0.05);
// An int64 tensor of ids in [0, n).
Tensor ids(const Shape& shape, std::int64_t n, Generator& gen);

}  // namespace recgrad::test
