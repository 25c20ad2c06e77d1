// recgrad/training/seeds.hpp — every random stream of a run derived from its one seed, in one table.
//
// A stream's seed is  multiplier · seed + offset + index  (index: the epoch, where a stream is drawn anew
// each epoch, so that a resumed run draws what an uninterrupted one draws). The constants are arbitrary
// but fixed: changing one changes every number the stream feeds, and the published tables were made with these.
#pragma once
#include <cstdint>

namespace recgrad::training {

enum class SeedStream {
  epoch_order,        // the order of the training samples of an epoch (index: the epoch)
  negatives,          // the negatives sampled in an epoch (index: the epoch)
  valid_ranking,      // sampled-100 validation negatives
  test_ranking,       // sampled-100 test negatives
  cold_items,         // which items are held out of training ([data] cold_item_share)
  valid_users,        // TIGER: the subset of users validated on
  test_users,         // TIGER: the subset of test users (seeded by the subset's size, not the run's seed)
  chapter_negatives,  // the chapter protocol's negatives (one stream for the whole run)
};

inline std::uint64_t derive_seed(std::uint64_t seed, SeedStream stream, std::uint64_t index = 0) {
  struct Rule {
    std::uint64_t multiplier, offset;
  };
  constexpr Rule kRules[] = {
      {1000003ull, 0},             // epoch_order
      {7919ull, 0},                // negatives
      {1, 17},                     // valid_ranking
      {1, 29},                     // test_ranking
      {31, 7},                     // cold_items
      {131, 3},                    // valid_users
      {977, 5},                    // test_users
      {0x9E3779B97F4A7C15ull, 1},  // chapter_negatives (2^64 / golden ratio)
  };
  const Rule r = kRules[static_cast<int>(stream)];
  return seed * r.multiplier + r.offset + index;
}

}  // namespace recgrad::training
