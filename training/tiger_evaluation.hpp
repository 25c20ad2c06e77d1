// recgrad/training/tiger_evaluation.hpp — evaluating TIGER (docs/PROTOCOLS.md §3.1): for each user, the
// constrained beam search generates semantic IDs, they map back to items, and the target's place in that
// list is its rank; Recall@k (= HR@k) and NDCG@k follow from the ranks with the §0 formulas.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "models/beam_search.hpp"
#include "models/tiger.hpp"
#include "training/config.hpp"
#include "training/task.hpp"
#include "training/tiger_data.hpp"

namespace recgrad::training {

// The 0-based rank of each of `users`' (indices into data.users) validation or test item in its beam list,
// the history removed from the list when eval.exclude_history; data.num_items() when the item is not in the
// beam (no hit at any k ≤ beam). Counts generated IDs that name no item into *invalid_ids. Inference mode.
std::vector<std::int64_t> beam_ranks(models::Tiger& model, const TigerData& data, const models::SemanticIdTable& ids,
                                     const models::IdTrie& trie, const TrainConfig& c,
                                     const std::vector<std::size_t>& users, bool test, std::int64_t* invalid_ids,
                                     bool progress = false);

// hit_rate@k (= Recall@k) and ndcg@k of the ranks whose flag is set (all when `keep` is empty).
Metrics metrics_of(const std::vector<std::int64_t>& ranks, const std::vector<int>& ks,
                   const std::vector<char>& keep = {});

// The users with a validation (test = false) or test item; cold_filter 0: only warm targets, 1: only cold
// ones, -1: all.
std::vector<std::size_t> users_with_target(const TigerData& data, bool test, int cold_filter);

// Every test user, or `count` of them drawn with a seed fixed by `count` (the same subset for every run),
// plus every user whose test item is cold.
std::vector<std::size_t> test_users(const TigerData& data, std::int64_t count);

}  // namespace recgrad::training
