// recgrad/training/tiger_data.hpp — TIGER's data, loaded once: users, the catalogue (every item with content
// or in a sequence, dense ids by ascending raw id), each item's text tokens and title, the leave-one-out split,
// and (cold-start presets) the items held out of training.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "datasets/sequences.hpp"
#include "training/config.hpp"

namespace recgrad::training {

struct TigerData {
  std::vector<std::int64_t> users;                    // raw user ids (hashed into user tokens)
  std::vector<std::int64_t> raw_item;                 // raw_item[i - 1]: the raw id of dense item i
  datasets::LeaveOneOut split;                        // dense ids 1..n
  std::vector<std::vector<std::string>> item_tokens;  // per dense item i at [i - 1]
  std::vector<std::string> titles;                    // per dense item i at [i - 1]
  std::vector<char> cold;                             // cold[i]: item i is held out of training (index 0 unused)
  std::int64_t num_items() const { return static_cast<std::int64_t>(raw_item.size()); }
};

// Cold items ([data] cold_item_share > 0) are drawn with `seed` (cold_items.hpp) and removed from every training list.
TigerData load_tiger_data(const TrainConfig& cfg, const std::filesystem::path& data_dir, std::uint64_t seed);

}  // namespace recgrad::training
