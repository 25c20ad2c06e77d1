#include "tests/gradcheck.hpp"

#include <cmath>
#include <sstream>

#include "autograd/kernels/strided.hpp"

namespace recgrad::test {

namespace {

// Storage offsets of every element of a view, in row-major order.
std::vector<std::int64_t> element_offsets(const Tensor& t) {
  std::vector<std::int64_t> offs(static_cast<std::size_t>(t.numel()));
  kernels::for_each_offset(t.shape(), t.strides(), t.offset(),
                           [&](std::int64_t i, std::int64_t off) { offs[i] = off; });
  return offs;
}

double* storage_of(const Tensor& t) { return static_cast<double*>(t.impl()->storage->data); }

}  // namespace

::testing::AssertionResult gradcheck(const Fn& f, const std::vector<Tensor>& inputs, GradcheckOptions opt) {
  for (const auto& in : inputs)
    if (is_floating(in.dtype()) && (in.dtype() != DType::f64 || !in.is_leaf()))
      return ::testing::AssertionFailure() << "gradcheck: inputs must be float64 leaves, got " << in.str();
  Tensor out = f(inputs);
  if (out.dtype() != DType::f64) return ::testing::AssertionFailure() << "gradcheck: output is " << out.str();
  if (!out.requires_grad()) return ::testing::AssertionFailure() << "gradcheck: output does not require grad";
  const std::int64_t m = out.numel();
  const auto base_out = out.to_vector<double>();

  // Analytic Jacobian, one row per output element.
  std::vector<std::vector<std::vector<double>>> analytic(inputs.size());  // [input][out j][elem i]
  for (std::int64_t j = 0; j < m; ++j) {
    for (auto in : inputs) in.zero_grad();
    std::vector<double> onehot(static_cast<std::size_t>(m), 0.0);
    onehot[j] = 1.0;
    out.backward(Tensor::from_vector(onehot, out.shape()), /*retain_graph=*/true);
    for (std::size_t k = 0; k < inputs.size(); ++k) {
      if (!inputs[k].requires_grad()) continue;
      const Tensor& g = inputs[k].grad();
      analytic[k].push_back(g.defined() ? g.to_vector<double>() : std::vector<double>(inputs[k].numel(), 0.0));
    }
  }

  // Numeric Jacobian by central differences, compared as it is built.
  NoGradGuard no_grad;
  int checked = 0;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    if (!inputs[k].requires_grad()) continue;
    double* data = storage_of(inputs[k]);
    const auto offs = element_offsets(inputs[k]);
    for (std::size_t i = 0; i < offs.size(); ++i) {
      const double saved = data[offs[i]];
      data[offs[i]] = saved + opt.eps;
      const auto plus = f(inputs).to_vector<double>();
      data[offs[i]] = saved - opt.eps;
      const auto minus = f(inputs).to_vector<double>();
      data[offs[i]] = saved;
      for (std::int64_t j = 0; j < m; ++j) {
        const double numeric = (plus[j] - minus[j]) / (2 * opt.eps);
        const double a = analytic[k][j][i];
        ++checked;
        if (!(std::abs(a - numeric) <= opt.atol + opt.rtol * std::abs(numeric)))
          return ::testing::AssertionFailure()
                 << "d out[" << j << "] / d input" << k << "[" << i << "]: analytic " << a << " vs numeric " << numeric
                 << " (input " << inputs[k].str() << ", output " << out.str() << ")";
      }
    }
  }
  if (checked == 0) return ::testing::AssertionFailure() << "gradcheck: no input requires grad";
  return ::testing::AssertionSuccess() << checked << " Jacobian entries agree";
}

Tensor input(const Shape& shape, Generator& gen, double lo, double hi) {
  Tensor t = Tensor::uniform(shape, lo, hi, gen, DType::f64);
  t.requires_grad_(true);
  return t;
}

Tensor input_noncontiguous(const Shape& shape, Generator& gen, double lo, double hi) {
  if (shape.size() < 2) throw std::invalid_argument("input_noncontiguous needs 2+ dims");
  Shape swapped = shape;
  std::swap(swapped[swapped.size() - 1], swapped[swapped.size() - 2]);
  Tensor dense = Tensor::uniform(swapped, lo, hi, gen, DType::f64);
  Tensor t = transpose(dense, -1, -2).detach();
  t.requires_grad_(true);
  return t;
}

Tensor input_away_from(const Shape& shape, Generator& gen, std::vector<double> kinks, double margin) {
  Tensor t = Tensor::uniform(shape, -2.0, 2.0, gen, DType::f64);
  double* p = t.data<double>();
  for (std::int64_t i = 0; i < t.numel(); ++i)
    for (double k : kinks)
      if (std::abs(p[i] - k) < margin) p[i] = k + (p[i] < k ? -margin : margin) * 2;
  t.requires_grad_(true);
  return t;
}

Tensor ids(const Shape& shape, std::int64_t n, Generator& gen) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(numel(shape)));
  for (auto& x : v) x = gen.next_int(n);
  return Tensor::from_vector(v, shape);
}

}  // namespace recgrad::test
