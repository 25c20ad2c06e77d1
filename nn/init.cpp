#include "nn/init.hpp"

#include <cmath>
#include <stdexcept>

namespace recgrad::nn::init {

template <class F>
static void fill_with(Tensor& w, F draw) {
  if (!w.is_contiguous()) throw std::invalid_argument("init: parameter must be contiguous, got " + w.str());
  dispatch_float(w.dtype(), "init", [&](auto tag) {
    using T = decltype(tag);
    T* p = w.data<T>();
    for (std::int64_t i = 0; i < w.numel(); ++i) p[i] = static_cast<T>(draw());
  });
}

void xavier_uniform_(Tensor& w, Generator& gen, double gain) {
  if (w.dim() < 2) throw std::invalid_argument("xavier_uniform_: needs at least 2 dims, got " + w.str());
  const double fan_a = static_cast<double>(w.size(0)), fan_b = static_cast<double>(w.numel() / w.size(0));
  const double a = gain * std::sqrt(6.0 / (fan_a + fan_b));
  uniform_(w, -a, a, gen);
}

void uniform_(Tensor& w, double lo, double hi, Generator& gen) {
  fill_with(w, [&] { return lo + (hi - lo) * gen.next_double(); });
}

void normal_(Tensor& w, double mean, double std, Generator& gen) {
  fill_with(w, [&] { return mean + std * gen.next_normal(); });
}

void truncated_normal_(Tensor& w, double mean, double std, Generator& gen) {
  fill_with(w, [&] {
    double z;
    do z = gen.next_normal();
    while (std::abs(z) > 2.0);
    return mean + std * z;
  });
}

}  // namespace recgrad::nn::init
