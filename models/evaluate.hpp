// recgrad/models/evaluate.hpp — full-ranking evaluation over all items, batched over users.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "autograd/autograd.hpp"
#include "models/enum_names.hpp"

namespace recgrad::models {

enum class Scoring { dot, cosine };
inline NameTable<Scoring> names(Scoring) { return {{Scoring::dot, "dot"}, {Scoring::cosine, "cosine"}}; }

struct RankingOptions {
  std::vector<int> ks{5, 10};
  Scoring scoring = Scoring::dot;
  bool exclude_history = false;                   // drop the user's history items from the candidates
  bool rank_padding_row = false;                  // row 0 of the item table is a candidate (the chapter's Keras code)
  const std::vector<char>* candidates = nullptr;  // V flags: only these rows compete (null: all but row 0)
};

// user_vecs: (U, d), items: (V, d) with row 0 = padding; targets[u] in [1, V); histories[u] are the
// items to exclude when exclude_history. Returns "hit_rate@k" and "ndcg@k" (tie rule of metrics.hpp).
std::map<std::string, double> full_ranking(const Tensor& user_vecs, const Tensor& items,
                                           const std::vector<std::int64_t>& targets,
                                           const std::vector<std::vector<std::int64_t>>& histories,
                                           const RankingOptions& opt);

// The sampled protocol of the original SASRec paper: the target against `num_negatives` items drawn
// uniformly (seeded) from those the user never rated (`rated[u]`), by dot score. A user who rated every item is
// refused, named by user_ids[u] when given (else by its row).
std::map<std::string, double> sampled_ranking(const Tensor& user_vecs, const Tensor& items,
                                              const std::vector<std::int64_t>& targets,
                                              const std::vector<std::vector<std::int64_t>>& rated,
                                              const std::vector<int>& ks, int num_negatives, std::uint64_t seed,
                                              const std::vector<std::int64_t>& user_ids = {});

}  // namespace recgrad::models
