// recgrad/training/cold_items.hpp — the cold-start split shared by every model: a seeded share of the items
// is held out of training entirely ([data] cold_item_share), so that a test on users whose next item is
// one of them asks whether a model can recommend an item it never trained on.
#pragma once
#include <cstdint>
#include <vector>

namespace recgrad::training {

// cold[i] for the item ids 1..num_items (index 0, padding, is never cold). Item i is cold when the i-th
// draw of the run's cold-item stream (seeds.hpp) is below `share`: two tasks that number the same items
// alike (Beauty: ids by ascending raw id) hold out the same items at the same seed.
std::vector<char> draw_cold_items(std::size_t num_items, double share, std::uint64_t seed);

// Removes the cold items from every list (the training part of each user's sequence).
void remove_cold(std::vector<std::vector<std::int64_t>>& lists, const std::vector<char>& cold);

}  // namespace recgrad::training
