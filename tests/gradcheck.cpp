#include "tests/gradcheck.hpp"

#include <cmath>

namespace recgrad::test {

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
