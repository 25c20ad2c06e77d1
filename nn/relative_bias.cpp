#include "nn/relative_bias.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "nn/init.hpp"

namespace recgrad::nn {

std::int64_t time_bucket(std::int64_t dt) {
  const double gap = std::max<double>(static_cast<double>(std::llabs(dt)), 1.0);
  return std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(std::log(gap) / 0.301)), 0, RelativeBias::kTimeBuckets - 1);
}

RelativeBias::RelativeBias(std::int64_t max_len, Generator& gen) : max_len_(max_len) {
  w_pos = Tensor::empty({2 * max_len - 1, 1});
  w_time = Tensor::empty({kTimeBuckets, 1});
  init::normal_(w_pos, 0.0, 0.02, gen);
  init::normal_(w_time, 0.0, 0.02, gen);
  register_parameter("w_pos", w_pos);
  register_parameter("w_time", w_time);
}

Tensor RelativeBias::positions(std::int64_t T) const {
  if (T > max_len_)
    throw std::invalid_argument("RelativeBias: length " + std::to_string(T) + " exceeds max_len " + std::to_string(max_len_));
  std::vector<std::int64_t> offset(static_cast<std::size_t>(T * T));
  for (std::int64_t i = 0; i < T; ++i)
    for (std::int64_t j = 0; j < T; ++j) offset[i * T + j] = max_len_ - 1 + j - i;
  return reshape(embedding(w_pos, Tensor::from_vector(offset, {T, T})), {1, 1, T, T});
}

Tensor RelativeBias::positions_and_times(const Tensor& ts) const {
  const std::int64_t B = ts.size(0), T = ts.size(1);
  const auto t = ts.to_vector<std::int64_t>();
  std::vector<std::int64_t> bucket(static_cast<std::size_t>(B * T * T));
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t i = 0; i < T; ++i) {
      const std::int64_t query_time = t[b * T + std::min(i + 1, T - 1)];  // the next item's timestamp
      for (std::int64_t j = 0; j < T; ++j) bucket[(b * T + i) * T + j] = time_bucket(query_time - t[b * T + j]);
    }
  const Tensor time = reshape(embedding(w_time, Tensor::from_vector(bucket, {B, T, T})), {B, 1, T, T});
  return positions(T) + time;
}

}  // namespace recgrad::nn
