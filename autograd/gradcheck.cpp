#include "autograd/gradcheck.hpp"

#include <cmath>
#include <ostream>
#include <sstream>

#include "autograd/grad_mode.hpp"
#include "autograd/kernels/strided.hpp"

namespace recgrad {

namespace {

// Storage offsets of every element of a view, in row-major order.
std::vector<std::int64_t> element_offsets(const Tensor& t) {
  std::vector<std::int64_t> offs(static_cast<std::size_t>(t.numel()));
  kernels::for_each_offset(t.shape(), t.strides(), t.offset(),
                           [&](std::int64_t i, std::int64_t off) { offs[i] = off; });
  return offs;
}

// Why these inputs and this output cannot be checked ("" when they can).
std::string unusable(const std::vector<Tensor>& inputs, const Tensor& out) {
  for (const auto& in : inputs)
    if (is_floating(in.dtype()) && (in.dtype() != DType::f64 || !in.is_leaf() || in.is_cuda()))
      return "inputs must be float64 leaves on the CPU, got " + in.str() + (in.is_leaf() ? "" : " (not a leaf)");
  if (out.dtype() != DType::f64) return "the output is " + out.str() + ", not float64";
  if (!out.requires_grad()) return "the output does not require grad (no input does, or f detached it)";
  return "";
}

// [input k][output j][element i] of the analytic Jacobian: one backward per output element.
std::vector<std::vector<std::vector<double>>> analytic_jacobian(const Tensor& out, const std::vector<Tensor>& inputs) {
  const std::int64_t m = out.numel();
  std::vector<std::vector<std::vector<double>>> J(inputs.size());
  for (std::int64_t j = 0; j < m; ++j) {
    for (auto in : inputs) in.zero_grad();
    std::vector<double> onehot(static_cast<std::size_t>(m), 0.0);
    onehot[j] = 1.0;
    out.backward(Tensor::from_vector(onehot, out.shape()), /*retain_graph=*/true);
    for (std::size_t k = 0; k < inputs.size(); ++k) {
      if (!inputs[k].requires_grad()) continue;
      const Tensor& g = inputs[k].grad();
      J[k].push_back(g.defined() ? g.to_vector<double>() : std::vector<double>(inputs[k].numel(), 0.0));
    }
  }
  return J;
}

}  // namespace

// J_analytic[j][i] = ∂out_j/∂x_i by backward;  J_numeric[j][i] = (f(x + eps e_i)_j − f(x − eps e_i)_j) / 2 eps
GradcheckReport gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs, GradcheckOptions opt) {
  GradcheckReport r;
  const Tensor out = f(inputs);
  if (!(r.error = unusable(inputs, out)).empty()) return r;
  const auto analytic = analytic_jacobian(out, inputs);
  NoGradGuard no_grad;
  // The entry to report: the largest excess over the tolerance while some entry fails, else the largest difference.
  double worst = -INFINITY, largest = -1;
  const auto keep = [&r](int k, std::size_t i, std::size_t j, double a, double numeric) {
    r.input = k;
    r.element = static_cast<std::int64_t>(i);
    r.output = static_cast<std::int64_t>(j);
    r.analytic = a;
    r.numeric = numeric;
  };
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    if (!inputs[k].requires_grad()) continue;
    double* data = static_cast<double*>(inputs[k].impl()->storage->data);
    const auto offs = element_offsets(inputs[k]);
    for (std::size_t i = 0; i < offs.size(); ++i) {
      const double saved = data[offs[i]];
      data[offs[i]] = saved + opt.eps;
      const auto plus = f(inputs).to_vector<double>();
      data[offs[i]] = saved - opt.eps;
      const auto minus = f(inputs).to_vector<double>();
      data[offs[i]] = saved;
      for (std::size_t j = 0; j < plus.size(); ++j) {
        const double numeric = (plus[j] - minus[j]) / (2 * opt.eps), a = analytic[k][j][i];
        const double excess = std::isnan(a) || std::isnan(numeric)
                                  ? INFINITY
                                  : std::abs(a - numeric) - (opt.atol + opt.rtol * std::abs(numeric));
        ++r.checked;
        r.failed += excess > 0;
        const double diff = std::abs(a - numeric);
        if (excess > 0 ? excess > worst : (r.failed == 0 && diff > largest))
          keep(static_cast<int>(k), i, j, a, numeric);
        if (excess > 0) worst = std::max(worst, excess);
        if (r.failed == 0) largest = std::max(largest, diff);
      }
    }
  }
  if (r.checked == 0) r.error = "no input requires grad";
  r.ok = r.error.empty() && r.failed == 0;
  return r;
}

std::string GradcheckReport::str() const {
  std::ostringstream os;
  if (!error.empty()) return "gradcheck could not run: " + error;
  os << (ok ? "gradcheck passed: " : "gradcheck FAILED: ") << checked << " Jacobian entries"
     << (ok ? "" : ", " + std::to_string(failed) + " outside the tolerance") << "; worst: d out[" << output
     << "] / d input" << input << "[" << element << "]: analytic " << analytic << ", numeric " << numeric
     << " (difference " << std::abs(analytic - numeric) << ")";
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const GradcheckReport& r) { return os << r.str(); }

}  // namespace recgrad
