#include "models/evaluate.hpp"

#include <stdexcept>

#include "datasets/sequences.hpp"
#include "models/metrics.hpp"

namespace recgrad::models {

std::map<std::string, double> full_ranking(const Tensor& user_vecs, const Tensor& items,
                                           const std::vector<std::int64_t>& targets,
                                           const std::vector<std::vector<std::int64_t>>& histories,
                                           const RankingOptions& opt) {
  NoGradGuard no_grad;
  const std::int64_t U = user_vecs.size(0), V = items.size(0);
  if (static_cast<std::int64_t>(targets.size()) != U)
    throw std::invalid_argument("full_ranking: " + std::to_string(targets.size()) + " targets for " +
                                std::to_string(U) + " users");
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
    // (b, V), scored where the vectors are (the GPU, say) and ranked on the host
    const Tensor scores = matmul(slice(h, 0, start, stop).to(DType::f32), Et).to(Device::cpu()).contiguous();
    const float* s = scores.data<float>();
    for (std::int64_t u = start; u < stop; ++u) {
      if (opt.candidates)
        admitted = *opt.candidates;
      else
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

std::map<std::string, double> sampled_ranking(const Tensor& user_vecs, const Tensor& items,
                                              const std::vector<std::int64_t>& targets,
                                              const std::vector<std::vector<std::int64_t>>& rated,
                                              const std::vector<int>& ks, int num_negatives, std::uint64_t seed,
                                              const std::vector<std::int64_t>& user_ids) {
  NoGradGuard no_grad;
  const std::int64_t U = user_vecs.size(0), V = items.size(0);
  const Tensor h = user_vecs.to(DType::f32).to(Device::cpu()).contiguous();
  const Tensor E = items.to(DType::f32).to(Device::cpu()).contiguous();
  const std::int64_t d = h.size(1);
  const float* hp = h.data<float>();
  const float* ep = E.data<float>();
  RankingMetrics metrics(ks);
  datasets::NegativeSampler sampler(V - 1, seed);
  std::vector<char> seen(static_cast<std::size_t>(V), 0);
  std::vector<float> scores(static_cast<std::size_t>(num_negatives) + 1);
  for (std::int64_t u = 0; u < U; ++u) {
    std::int64_t unseen = V - 1;  // a user who rated every item leaves no negative to draw: refused, not looped on
    for (auto i : rated[u])
      if (i > 0 && !seen[i]) {
        seen[i] = 1;
        --unseen;
      }
    if (unseen == 0)
      throw std::runtime_error("sampled-100 ranking: " +
                               (user_ids.empty() ? "evaluation row " + std::to_string(u)
                                                 : "user " + std::to_string(user_ids[static_cast<std::size_t>(u)])) +
                               " has rated all " + std::to_string(V - 1) +
                               " items, so no negative can be drawn for it");
    std::vector<std::int64_t> cand{targets[u]};  // the target first, then the sampled negatives
    for (int k = 0; k < num_negatives; ++k) cand.push_back(sampler.sample_excluding(seen));
    for (auto i : rated[u]) seen[i] = 0;
    for (std::size_t c = 0; c < cand.size(); ++c) {
      float s = 0;
      for (std::int64_t j = 0; j < d; ++j) s += hp[u * d + j] * ep[cand[c] * d + j];
      scores[c] = s;
    }
    metrics.add(rank_of_target(scores.data(), static_cast<std::int64_t>(scores.size()), 0));
  }
  return metrics.result();
}

}  // namespace recgrad::models
