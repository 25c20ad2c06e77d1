// recgrad/nn/relative_bias.hpp — HSTU's relative attention bias rab^{p,t}: one learned scalar per signed
// position offset j − i, plus (when timestamps are given) one learned scalar per log time bucket.
//
//   rab[i, j] = w_pos[T − 1 + j − i] + w_time[bucket(i, j)]
//   bucket(i, j) = clamp(floor(ln(max(|ts[i + 1] − ts[j]|, 1)) / 0.301), 0, 128)   (Δt in seconds; query i
//   uses the next item's timestamp, the last slot its own, as the paper's code does)
#pragma once
#include <vector>

#include "nn/module.hpp"

namespace recgrad::nn {

class RelativeBias : public Module {
 public:
  static constexpr std::int64_t kTimeBuckets = 129;
  RelativeBias(std::int64_t max_len, Generator& gen);
  // The position part for length T ≤ max_len: (1, 1, T, T).
  Tensor positions(std::int64_t T) const;
  // Position and time parts for timestamps ts (B, T) int64 seconds: (B, 1, T, T); query i's time is ts[i + 1].
  Tensor positions_and_times(const Tensor& ts) const;
  // The time part from precomputed buckets (B, T, T) int64 (time_buckets below): (B, 1, T, T).
  Tensor times(const Tensor& buckets) const;

  Tensor w_pos;   // (2 max_len − 1, 1)
  Tensor w_time;  // (129, 1)

 private:
  std::int64_t max_len_;
};

// The time bucket of a gap of dt seconds: clamp(floor(ln(max(|dt|, 1)) / 0.301), 0, 128).
std::int64_t time_bucket(std::int64_t dt);

// bucket[b, i, j] = time_bucket(query_time[b, i] − key_time[b, j]) for j ≤ i, 0 above the diagonal (never
// seen by the causal attention). query_time, key_time: (B, T) int64 -> (B, T, T) int64. Computed once per
// batch and shared by the layers.
Tensor time_buckets(const Tensor& query_time, const Tensor& key_time);

}  // namespace recgrad::nn
