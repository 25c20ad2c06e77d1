// recgrad/datasets/sequences.hpp — from interactions to model inputs: per-user sequences, item-id
// remapping (0 = padding), leave-one-out and chapter splits, left padding, negative sampling.
#pragma once
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "datasets/movielens.hpp"

namespace recgrad::datasets {

// Per-user sequences from ratings, sorted stably by (user, timestamp, original line).
UserSequences build_sequences(const std::vector<Rating>& ratings);

// Raw item ids -> dense ids 1..n (0 is padding), by ascending raw id (the chapter's rule).
class ItemIdMap {
 public:
  static ItemIdMap by_ascending_id(const UserSequences& s);
  std::int64_t to_dense(std::int64_t raw) const;  // throws on an unknown id
  std::int64_t to_raw(std::int64_t dense) const;
  std::int64_t num_items() const { return static_cast<std::int64_t>(raw_.size()); }  // n, without padding
  UserSequences remap(const UserSequences& s) const;

 private:
  std::vector<std::int64_t> raw_;  // raw_[dense - 1]
  std::unordered_map<std::int64_t, std::int64_t> dense_;
};

// The last `T` items of `items`, left-padded with 0 to length T.   [.., a, b] -> [0, .., 0, a, b]
std::vector<std::int64_t> left_pad(const std::vector<std::int64_t>& items, std::int64_t T);
// The last T items followed by zeros (the HSTU paper's code pads on the right).
std::vector<std::int64_t> right_pad(const std::vector<std::int64_t>& items, std::int64_t T);

// Leave-one-out: train on full[:-2] (every position predicts the next item), validate on full[-2]
// with history full[:-2], test on full[-1] with history full[:-1]. Users with < 3 items only train.
struct LeaveOneOut {
  std::vector<std::vector<std::int64_t>> train;         // per user
  std::vector<std::int64_t> valid_target, test_target;  // per user, 0 when the user has < 3 items
  std::vector<std::vector<std::int64_t>> valid_history, test_history;
};
LeaveOneOut leave_one_out(const UserSequences& s);

// Refuses data that would leave nothing to train or test, naming the file: no user at all (an empty or blank
// file), or no user with `min_items` items (`why` says what they are for: e.g. leave-one-out's 3).
void require_users_with(const UserSequences& s, const std::string& file, std::size_t min_items, const char* why);

// The reading of the HSTU paper's code (an ablation, protocol `paper-hstu-refsplit`): train on full[:-1],
// and the "validation" item is the test item (history full[:-1], target full[-1]), so the epoch is chosen
// on test. Users with < 3 items only train, as in leave_one_out.
LeaveOneOut reference_split(const UserSequences& s);

// One (seq, pos) training row: pos[t] is the item that follows seq[t]; both padded to T (left by default).
struct Row {
  std::vector<std::int64_t> seq, pos;
};
// Training rows of a list L: seq = L[:-1], pos = L[1:], last T of each.
Row next_item_row(const std::vector<std::int64_t>& L, std::int64_t T, bool pad_right = false);

// Uniform negatives in [1, n], seeded; `exclude` (optional) is re-drawn against.
class NegativeSampler {
 public:
  NegativeSampler(std::int64_t num_items, std::uint64_t seed) : n_(num_items), state_(seed) {}
  std::int64_t sample();
  std::int64_t sample_excluding(const std::vector<char>& exclude);  // exclude[i] for i in [0, n]
  std::uint64_t state() const { return state_; }                    // where the stream is: a checkpoint keeps it
  void set_state(std::uint64_t s) { state_ = s; }

 private:
  std::int64_t n_;
  std::uint64_t state_;
};

}  // namespace recgrad::datasets
