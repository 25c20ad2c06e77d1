// recgrad/models/tiger_decoding.hpp — TIGER at inference: the encoder's input for a user and a history,
// the decoder's next-token log-probabilities with its keys and values cached across beam steps, and the
// constrained beam search that turns them into items.
#pragma once
#include <cstdint>
#include <vector>

#include "models/beam_search.hpp"
#include "models/tiger.hpp"

namespace recgrad::models {

// [user token, the ID tokens of the last max_items items of history]
std::vector<std::int64_t> encoder_tokens(const TokenSpace& space, const SemanticIdTable& ids, std::int64_t user,
                                         const std::vector<std::int64_t>& history, std::int64_t max_items);
// The length of encoder_tokens' row for a history of `history_items` items: 1 + positions · min(items, max_items).
std::int64_t encoder_length(const TokenSpace& space, std::int64_t history_items, std::int64_t max_items);

// rows of different lengths, right-padded with TokenSpace::pad -> (B, S) int64
Tensor pad_rows(const std::vector<std::vector<std::int64_t>>& rows, std::size_t min_width = 1);

// log P(next code | prefix, user) from the decoder over [BOS, prefix] at its last position; row r of a
// call reads memory row rows[r]. memory: (U, S, d), valid: (U, S). Inference only (no grad mode).
// Incremental: the returned function keeps each row's decoder keys and values (Tiger::DecoderCache), so a
// call whose prefixes extend the previous call's (beam search) decodes only the new position; other calls
// replay their prefixes. Either way the values are the full decoder's.
NextTokenLogProbs next_token_log_probs(const Tiger& model, const Tensor& memory, const Tensor& valid);

// What TIGER generates for a user (raw id `user`) after `history` (dense item ids): the constrained beam
// search's items, best first, each with the log-probability of its ID (items of the history included).
std::vector<Recommendation> recommend(Tiger& model, const SemanticIdTable& ids, const IdTrie& trie, std::int64_t user,
                                      const std::vector<std::int64_t>& history);

}  // namespace recgrad::models
