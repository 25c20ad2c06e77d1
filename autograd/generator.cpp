#include "autograd/generator.hpp"

#include <stdexcept>
#include <string>

#include <cmath>

namespace recgrad {

std::uint64_t Generator::advance_rows(std::uint64_t n) {
  if (shard_.total == 0) return advance(n);
  if (shard_.rows == 0 || n % shard_.rows != 0)
    throw std::invalid_argument("data parallelism: a draw of " + std::to_string(n) +
                                " elements is not whole rows of this "
                                "process's " +
                                std::to_string(shard_.rows) +
                                " rows (a dropout on a tensor whose "
                                "leading axis is not the batch?)");
  const std::uint64_t per_row = n / shard_.rows;
  return advance(per_row * shard_.total) + shard_.begin * per_row;
}

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
