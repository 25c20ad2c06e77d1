// recgrad/models/metrics.hpp — ranks and the HR@k / NDCG@k metrics (docs/PROTOCOLS.md §0).
//
// Tie rule (project rule): the 0-based rank of the target t among the admitted candidates is
//   r = #{j ≠ t admitted : s_j > s_t} + #{j ≠ t admitted : s_j == s_t}
// i.e. ties count against the target, so a model that scores everything equally gets r = n - 1, not 0.
// Ranks are counted, never sorted. A NaN score is an error.
//   HR@k   = mean_u 1[r_u < k]
//   NDCG@k = mean_u 1[r_u < k] / log2(r_u + 2)        (one relevant item, IDCG = 1)
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace recgrad::models {

// scores: n candidates; admitted: null (all) or n flags; target must be admitted.
std::int64_t rank_of_target(const float* scores, std::int64_t n, std::int64_t target,
                            const std::vector<char>* admitted = nullptr);

// Accumulates ranks and reports "hit_rate@k" and "ndcg@k" for each k.
class RankingMetrics {
 public:
  explicit RankingMetrics(std::vector<int> ks);
  void add(std::int64_t rank);
  std::int64_t count() const { return count_; }
  std::map<std::string, double> result() const;  // keys: "hit_rate@10", "ndcg@10", ...

 private:
  std::vector<int> ks_;
  std::vector<double> hits_, ndcg_;
  std::int64_t count_ = 0;
};

}  // namespace recgrad::models
