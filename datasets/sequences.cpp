#include "datasets/sequences.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace recgrad::datasets {

UserSequences build_sequences(const std::vector<Rating>& ratings) {
  std::vector<std::size_t> order(ratings.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (ratings[a].user != ratings[b].user) return ratings[a].user < ratings[b].user;
    return ratings[a].timestamp < ratings[b].timestamp;  // equal times keep their file order
  });
  UserSequences out;
  for (std::size_t i : order) {
    if (out.users.empty() || out.users.back() != ratings[i].user) {
      out.users.push_back(ratings[i].user);
      out.items.emplace_back();
    }
    out.items.back().push_back(ratings[i].item);
  }
  return out;
}

ItemIdMap ItemIdMap::by_ascending_id(const UserSequences& s) {
  ItemIdMap m;
  for (const auto& seq : s.items) m.raw_.insert(m.raw_.end(), seq.begin(), seq.end());
  std::sort(m.raw_.begin(), m.raw_.end());
  m.raw_.erase(std::unique(m.raw_.begin(), m.raw_.end()), m.raw_.end());
  for (std::size_t i = 0; i < m.raw_.size(); ++i) m.dense_[m.raw_[i]] = static_cast<std::int64_t>(i) + 1;
  return m;
}

std::int64_t ItemIdMap::to_dense(std::int64_t raw) const {
  auto it = dense_.find(raw);
  if (it == dense_.end()) throw std::out_of_range("ItemIdMap: unknown raw item id " + std::to_string(raw));
  return it->second;
}

std::int64_t ItemIdMap::to_raw(std::int64_t dense) const {
  if (dense < 1 || dense > num_items())
    throw std::out_of_range("ItemIdMap: dense id " + std::to_string(dense) + " outside 1.." +
                            std::to_string(num_items()));
  return raw_[dense - 1];
}

UserSequences ItemIdMap::remap(const UserSequences& s) const {
  UserSequences out{s.users, {}};
  for (const auto& seq : s.items) {
    out.items.emplace_back();
    for (auto raw : seq) out.items.back().push_back(to_dense(raw));
  }
  return out;
}

std::vector<std::int64_t> left_pad(const std::vector<std::int64_t>& items, std::int64_t T) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(T), 0);
  const std::int64_t n = std::min<std::int64_t>(T, static_cast<std::int64_t>(items.size()));
  std::copy(items.end() - n, items.end(), out.end() - n);
  return out;
}

LeaveOneOut leave_one_out(const UserSequences& s) {
  LeaveOneOut out;
  for (const auto& full : s.items) {
    const std::size_t n = full.size();
    if (n < 3) {
      out.train.push_back(full);
      out.valid_target.push_back(0);
      out.test_target.push_back(0);
      out.valid_history.emplace_back();
      out.test_history.emplace_back();
      continue;
    }
    out.train.emplace_back(full.begin(), full.end() - 2);
    out.valid_history.emplace_back(full.begin(), full.end() - 2);
    out.valid_target.push_back(full[n - 2]);
    out.test_history.emplace_back(full.begin(), full.end() - 1);
    out.test_target.push_back(full[n - 1]);
  }
  return out;
}

void require_users_with(const UserSequences& s, const std::string& file, std::size_t min_items, const char* why) {
  if (s.items.empty()) throw std::runtime_error(file + ": no user read (the file is empty or holds only blank lines)");
  std::size_t enough = 0;
  for (const auto& v : s.items) enough += v.size() >= min_items;
  if (enough == 0)
    throw std::runtime_error(file + ": none of its " + std::to_string(s.items.size()) + " users has " +
                             std::to_string(min_items) + " items or more (" + why + "); is it the right file?");
}

LeaveOneOut reference_split(const UserSequences& s) {
  LeaveOneOut out = leave_one_out(s);
  for (std::size_t u = 0; u < s.items.size(); ++u) {
    if (out.test_target[u] == 0) continue;  // a short user: trains only
    out.train[u] = out.test_history[u];
    out.valid_history[u] = out.test_history[u];
    out.valid_target[u] = out.test_target[u];
  }
  return out;
}

std::vector<std::int64_t> right_pad(const std::vector<std::int64_t>& items, std::int64_t T) {
  const std::size_t n = std::min(items.size(), static_cast<std::size_t>(T));
  std::vector<std::int64_t> out(items.end() - static_cast<std::ptrdiff_t>(n), items.end());
  out.resize(static_cast<std::size_t>(T), 0);
  return out;
}

Row next_item_row(const std::vector<std::int64_t>& L, std::int64_t T, bool pad_right) {
  if (L.size() < 2) return {std::vector<std::int64_t>(T, 0), std::vector<std::int64_t>(T, 0)};
  auto pad = pad_right ? right_pad : left_pad;
  return {pad(std::vector<std::int64_t>(L.begin(), L.end() - 1), T),
          pad(std::vector<std::int64_t>(L.begin() + 1, L.end()), T)};
}

std::int64_t NegativeSampler::sample() {
  state_ += 0x9E3779B97F4A7C15ull;  // SplitMix64
  std::uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return 1 + static_cast<std::int64_t>(z % static_cast<std::uint64_t>(n_));
}

std::int64_t NegativeSampler::sample_excluding(const std::vector<char>& exclude) {
  for (int tries = 0; tries < 1000000; ++tries) {
    const std::int64_t i = sample();
    if (!exclude[i]) return i;
  }
  throw std::runtime_error("NegativeSampler: no item left to sample outside the excluded set");
}

}  // namespace recgrad::datasets
