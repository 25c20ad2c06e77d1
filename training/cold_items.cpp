#include "training/cold_items.hpp"

#include <algorithm>

#include "autograd/generator.hpp"
#include "training/seeds.hpp"

namespace recgrad::training {

std::vector<char> draw_cold_items(std::size_t num_items, double share, std::uint64_t seed) {
  std::vector<char> cold(num_items + 1, 0);
  if (share <= 0) return cold;
  Generator gen(derive_seed(seed, SeedStream::cold_items));
  for (std::size_t i = 1; i < cold.size(); ++i) cold[i] = gen.next_double() < share;
  return cold;
}

void remove_cold(std::vector<std::vector<std::int64_t>>& lists, const std::vector<char>& cold) {
  const auto is_cold = [&](std::int64_t i) { return i > 0 && static_cast<std::size_t>(i) < cold.size() && cold[i]; };
  for (auto& list : lists) list.erase(std::remove_if(list.begin(), list.end(), is_cold), list.end());
}

}  // namespace recgrad::training
