// recgrad/datasets/event_stream.hpp — what HSTU adds to the input (the chapter's "generative recommender"
// view, HSTU paper §2.1): one stream of heterogeneous tokens per user. Optional leading attribute tokens
// (gender, age, occupation from users.dat), then one token per interaction carrying its item, its action
// (the star rating) and its timestamp. The training target after a token is the next item only when that
// interaction is positive (the chapter's Φ'ᵢ = Φᵢ if aᵢ is positive, else nothing).
//
// Timestamps and ratings exist for ML-1M users 1–2999 only (../shared/data/README.md); they are attached
// to ml-1m.seq.txt's order by (user, item) lookup, so every model of the ablation sees the same order and
// the same split.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "datasets/movielens.hpp"

namespace recgrad::datasets {

// Sequences with a timestamp and a rating per item, users that have ratings only.
struct TimedSequences {
  UserSequences seqs;
  std::vector<std::vector<std::int64_t>> times;  // seconds, per item
  std::vector<std::vector<int>> ratings;         // 1..5, per item
};

// Keeps the users of `s` that occur in `ratings` and attaches each (user, item)'s time and rating, in
// the order of `s`. A kept user's item without a rating stops with "<source>: user U, item I has no rating".
TimedSequences attach_ratings(const UserSequences& s, const std::vector<Rating>& ratings, const std::string& source);

// The attribute vocabulary: gender (2), age bucket (7), occupation (21) = 30 token ids from `first` on.
struct AttributeTokens {
  static constexpr std::int64_t kCount = 30;
  std::int64_t first = 0;
  // The three token ids of a user, in the order gender, age, occupation. Throws on a value outside ML-1M's.
  std::array<std::int64_t, 3> of(const User& u) const;
};

// One user's token stream with its per-token side data (all of one length).
struct Stream {
  std::vector<std::int64_t> tokens;   // item ids, or attribute-token ids
  std::vector<std::int64_t> times;    // seconds; attribute tokens carry the first interaction's time
  std::vector<std::int64_t> actions;  // the rating 1..5 of an interaction, 0 for an attribute token
  std::vector<char> is_target;        // 1 where the token may be a training target (a positive item)
  std::size_t first_item = 0;         // index of the first interaction (the number of attribute tokens)
};

// items, times and ratings of one user -> a stream. attributes: leading tokens (may be empty);
// positive_min_rating: an interaction is a target when rating >= it (0: every interaction).
Stream make_stream(const std::vector<std::int64_t>& items, const std::vector<std::int64_t>& times,
                   const std::vector<int>& ratings, const std::vector<std::int64_t>& attributes,
                   int positive_min_rating);

// The model inputs of one window of a stream, padded to T.
struct StreamRow {
  std::vector<std::int64_t> seq, pos;              // tokens and the target after each (0: none)
  std::vector<std::int64_t> key_time, query_time;  // each token's time and the next token's time
  std::vector<std::int64_t> action;                // each token's action
  std::int64_t last = 0;                           // slot of the last real token
};

// From the tokens [0, end) of `s`: seq = tokens[:-1], pos = tokens[1:] where a target (else 0),
// key_time = times[:-1], query_time = times[1:], action = actions[:-1], padded to T on the right or the
// left. When more than T tokens remain, the attribute tokens stay in front and the oldest events go (the
// last attribute slot then predicts the first event kept). At evaluation, `end` is one past the target, which is then
// the last pos and whose time is the last query time (the HSTU paper's code uses the request's time the same way).
StreamRow stream_row(const Stream& s, std::size_t end, std::int64_t T, bool pad_right);

}  // namespace recgrad::datasets
