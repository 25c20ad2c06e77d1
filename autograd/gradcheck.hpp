// recgrad/autograd/gradcheck.hpp — is a backward rule right? Its Jacobian against central differences, in float64.
//
//   Generator gen(0);
//   Tensor x = Tensor::uniform({3, 4}, -2, 2, gen, DType::f64).requires_grad_();
//   GradcheckReport r = gradcheck([](const std::vector<Tensor>& in) { return tanh(in[0]); }, {x});
//   std::cout << r << "\n";   // "gradcheck passed: 144 Jacobian entries, worst |analytic - numeric| 3.1e-11 ..."
//
// The analytic Jacobian comes from one backward per output element (a one-hot upstream gradient, retain_graph),
// the numeric one from (f(x + eps·e_i) − f(x − eps·e_i)) / 2·eps for every element i of every input that requires
// grad; entry (j, i) passes when |analytic − numeric| ≤ atol + rtol·|numeric|. The report names the entry that
// failed by the most (or, when all pass, the one with the largest difference): which input, its flat index, the
// output's flat index and both values — like torch.autograd.gradcheck, with the worst element instead of a matrix.
// Inputs must be float64 leaves on the CPU (non-contiguous views are fine: each element is nudged in place).
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "autograd/tensor.hpp"

namespace recgrad {

struct GradcheckOptions {
  double eps = 1e-6;   // the central difference's step
  double atol = 1e-6;  // tolerance: atol + rtol·|numeric|
  double rtol = 1e-4;
};

struct GradcheckReport {
  bool ok = false;
  std::string error;          // set when the check could not run (inputs not float64 leaves, nothing to check)
  std::int64_t checked = 0;   // Jacobian entries compared
  std::int64_t failed = 0;    // entries outside the tolerance
  int input = -1;             // the worst entry: which input,
  std::int64_t element = -1;  // its flat (row-major) index in that input,
  std::int64_t output = -1;   // the output's flat index,
  double analytic = 0, numeric = 0;
  std::string str() const;
};
std::ostream& operator<<(std::ostream& os, const GradcheckReport& r);

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;
GradcheckReport gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs, GradcheckOptions opt = {});

}  // namespace recgrad
