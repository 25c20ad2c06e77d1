// recgrad/models/beam_search.hpp — beam search over semantic IDs, constrained by the trie of valid IDs
// so that only existing items come out (TIGER §3.2; docs/PROTOCOLS.md §3.1: beam ≥ K).
//
//   beams_0 = {[]};  for p = 0..m:  each beam b and each code c the trie allows after b:
//       score(b + c) = score(b) + log P(c | b, user)
//   keep the `beam` best (ties: smaller codes first); after m + 1 steps every beam is an item.
// A beam's score is the exact log-probability of its ID under the model, so with a beam at least as
// wide as the number of trie nodes on every level the result is the exact top list.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "models/semantic_ids.hpp"

namespace recgrad::models {

// log P(next token | prefix) for R prefixes at once: rows[r] is the user (encoder row) of prefix r and
// prefixes[r] its codes so far (all of one length p). Returns row-major (R, n_semantic) log-probabilities,
// indexed by TokenSpace::logit(p, code).
using NextTokenLogProbs = std::function<std::vector<float>(const std::vector<std::int64_t>& rows,
                                                           const std::vector<std::vector<std::int64_t>>& prefixes)>;

struct Recommendation {
  std::int64_t item;
  double score;  // log-probability of the item's ID
};

// For users 0..n_users-1: up to `beam` items, best first.
std::vector<std::vector<Recommendation>> constrained_beam_search(std::int64_t n_users, const NextTokenLogProbs& next,
                                                                 const IdTrie& trie, const TokenSpace& space, int beam);

// The log-probability of one full ID for one user (teacher forcing through `next`), for exhaustive checks.
double id_log_prob(const NextTokenLogProbs& next, std::int64_t user, const std::vector<std::int64_t>& codes,
                   const TokenSpace& space);

}  // namespace recgrad::models
