#include "models/evaluate.hpp"

#include <stdexcept>

#include "models/metrics.hpp"

namespace recgrad::models {

std::map<std::string, double> full_ranking(const Tensor& user_vecs, const Tensor& items,
                                           const std::vector<std::int64_t>& targets,
                                           const std::vector<std::vector<std::int64_t>>& histories,
                                           const RankingOptions& opt) {
  NoGradGuard no_grad;
  const std::int64_t U = user_vecs.size(0), V = items.size(0);
  if (static_cast<std::int64_t>(targets.size()) != U)
    throw std::invalid_argument("full_ranking: " + std::to_string(targets.size()) + " targets for " + std::to_string(U) + " users");
  Tensor h = user_vecs, E = items;
  if (opt.scoring == Scoring::cosine) {
    h = l2_normalize(h, -1, 1e-12);
    E = l2_normalize(E, -1, 1e-12);
  }
  const Tensor Et = transpose(E.to(DType::f32), 0, 1);
  RankingMetrics metrics(opt.ks);
  const std::int64_t batch = 256;
  std::vector<char> admitted(static_cast<std::size_t>(V), 1);
  for (std::int64_t start = 0; start < U; start += batch) {
    const std::int64_t stop = std::min(U, start + batch);
    const Tensor scores = matmul(slice(h, 0, start, stop).to(DType::f32), Et).contiguous();  // (b, V)
    const float* s = scores.data<float>();
    for (std::int64_t u = start; u < stop; ++u) {
      std::fill(admitted.begin(), admitted.end(), 1);
      admitted[0] = opt.rank_padding_row;
      if (opt.exclude_history)
        for (auto i : histories[u]) admitted[i] = 0;
      admitted[targets[u]] = 1;  // the target always competes
      metrics.add(rank_of_target(s + (u - start) * V, V, targets[u], &admitted));
    }
  }
  return metrics.result();
}

}  // namespace recgrad::models
