#include "models/metrics.hpp"

#include <cmath>
#include <stdexcept>

namespace recgrad::models {

std::int64_t rank_of_target(const float* scores, std::int64_t n, std::int64_t target,
                            const std::vector<char>* admitted) {
  if (target < 0 || target >= n)
    throw std::out_of_range("rank_of_target: target " + std::to_string(target) + " outside [0, " + std::to_string(n) +
                            ")");
  if (admitted && !(*admitted)[target]) throw std::invalid_argument("rank_of_target: the target is not admitted");
  const float st = scores[target];
  if (std::isnan(st)) throw std::runtime_error("rank_of_target: NaN score for the target");
  std::int64_t r = 0;
  for (std::int64_t j = 0; j < n; ++j) {
    if (j == target || (admitted && !(*admitted)[j])) continue;
    if (std::isnan(scores[j])) throw std::runtime_error("rank_of_target: NaN score for candidate " + std::to_string(j));
    r += scores[j] >= st;  // greater, or tied (ties count against the target)
  }
  return r;
}

RankingMetrics::RankingMetrics(std::vector<int> ks) : ks_(std::move(ks)), hits_(ks_.size()), ndcg_(ks_.size()) {}

void RankingMetrics::add(std::int64_t rank) {
  ++count_;
  for (std::size_t i = 0; i < ks_.size(); ++i)
    if (rank < ks_[i]) {
      hits_[i] += 1.0;
      ndcg_[i] += 1.0 / std::log2(static_cast<double>(rank) + 2.0);
    }
}

std::map<std::string, double> RankingMetrics::result() const {
  std::map<std::string, double> out;
  for (std::size_t i = 0; i < ks_.size(); ++i) {
    const std::string k = std::to_string(ks_[i]);
    out["hit_rate@" + k] = count_ ? hits_[i] / count_ : 0.0;
    out["ndcg@" + k] = count_ ? ndcg_[i] / count_ : 0.0;
  }
  return out;
}

}  // namespace recgrad::models
