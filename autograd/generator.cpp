#include "autograd/generator.hpp"

#include <cmath>

namespace recgrad {

double Generator::next_double() { return static_cast<double>(next_u64() >> 11) * (1.0 / 9007199254740992.0); }

double Generator::next_normal() {
  // Box-Muller on two uniforms; u1 is kept away from 0 so log(u1) is finite.
  const double u1 = 1.0 - next_double();
  const double u2 = next_double();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

std::int64_t Generator::next_int(std::int64_t n) {
  return static_cast<std::int64_t>(next_u64() % static_cast<std::uint64_t>(n));
}

}  // namespace recgrad
