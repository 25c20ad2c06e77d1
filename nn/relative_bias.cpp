#include "nn/relative_bias.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "nn/init.hpp"

namespace recgrad::nn {

std::int64_t time_bucket(std::int64_t dt) {
  const double gap = std::max<double>(static_cast<double>(std::llabs(dt)), 1.0);
  return std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(std::log(gap) / 0.301)), 0,
                                  RelativeBias::kTimeBuckets - 1);
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
    throw std::invalid_argument("RelativeBias: length " + std::to_string(T) + " exceeds max_len " +
                                std::to_string(max_len_));
  std::vector<std::int64_t> offset(static_cast<std::size_t>(T * T));
  for (std::int64_t i = 0; i < T; ++i)
    for (std::int64_t j = 0; j < T; ++j) offset[i * T + j] = max_len_ - 1 + j - i;
  return reshape(embedding(w_pos, Tensor::from_vector(offset, {T, T})), {1, 1, T, T});
}

Tensor time_buckets(const Tensor& query_time, const Tensor& key_time) {
  if (query_time.dim() != 2 || key_time.shape() != query_time.shape())
    throw std::invalid_argument("time_buckets: expected query and key times of one shape (B, T), got " +
                                shape_str(query_time.shape()) + " and " + shape_str(key_time.shape()));
  const std::int64_t B = query_time.size(0), T = query_time.size(1);
  const auto q = query_time.to_vector<std::int64_t>(), k = key_time.to_vector<std::int64_t>();
  Tensor out = Tensor::zeros({B, T, T}, DType::i64);
  std::int64_t* bucket = out.data<std::int64_t>();
#pragma omp parallel for schedule(static)
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t i = 0; i < T; ++i)
      for (std::int64_t j = 0; j <= i; ++j) bucket[(b * T + i) * T + j] = time_bucket(q[b * T + i] - k[b * T + j]);
  return out;
}

Tensor RelativeBias::times(const Tensor& buckets) const {
  const std::int64_t B = buckets.size(0), T = buckets.size(1);
  return reshape(embedding(w_time, buckets), {B, 1, T, T});
}

Tensor RelativeBias::positions_and_times(const Tensor& ts) const {
  const std::int64_t B = ts.size(0), T = ts.size(1);
  const auto t = ts.to_vector<std::int64_t>();
  std::vector<std::int64_t> next(t.size());  // query i: the next item's timestamp, the last slot its own
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t i = 0; i < T; ++i) next[b * T + i] = t[b * T + std::min(i + 1, T - 1)];
  const Tensor buckets = time_buckets(Tensor::from_vector(next, {B, T}), ts);
  // Above the diagonal the buckets are 0 (the causal mask hides them); the full matrix used every gap.
  return positions(T) + times(buckets);
}

}  // namespace recgrad::nn
