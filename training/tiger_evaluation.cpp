#include "training/tiger_evaluation.hpp"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <unordered_set>

#include <fmt/core.h>

#include "models/metrics.hpp"
#include "models/tiger_decoding.hpp"
#include "training/seeds.hpp"

namespace recgrad::training {

std::vector<std::int64_t> beam_ranks(models::Tiger& model, const TigerData& data, const models::SemanticIdTable& ids,
                                     const models::IdTrie& trie, const TrainConfig& c,
                                     const std::vector<std::size_t>& users, bool test, std::int64_t* invalid_ids,
                                     bool progress) {
  NoGradGuard no_grad;
  const auto t0 = std::chrono::steady_clock::now();
  auto last_print = t0;
  model.eval();
  std::vector<std::int64_t> ranks;
  const models::TokenSpace& space = model.space;
  const std::size_t chunk = 32;
  for (std::size_t start = 0; start < users.size(); start += chunk) {
    const std::vector<std::size_t> us(
        users.begin() + static_cast<std::ptrdiff_t>(start),
        users.begin() + static_cast<std::ptrdiff_t>(std::min(users.size(), start + chunk)));
    std::vector<std::vector<std::int64_t>> enc;
    for (std::size_t u : us)
      enc.push_back(models::encoder_tokens(space, ids, data.users[u],
                                           test ? data.split.test_history[u] : data.split.valid_history[u],
                                           model.config.max_items));
    const Tensor tokens = models::pad_rows(enc);
    const Tensor memory = model.encode(tokens), valid = models::token_valid(tokens);
    const models::NextTokenLogProbs next = models::next_token_log_probs(model, memory, valid);
    const auto recs =
        models::constrained_beam_search(static_cast<std::int64_t>(us.size()), next, trie, space, model.config.beam);
    for (std::size_t j = 0; j < us.size(); ++j) {
      const std::size_t u = us[j];
      const std::int64_t target = test ? data.split.test_target[u] : data.split.valid_target[u];
      const auto& history = test ? data.split.test_history[u] : data.split.valid_history[u];
      const std::unordered_set<std::int64_t> seen(history.begin(), history.end());
      std::int64_t rank = data.num_items();  // not in the beam: no hit at any k ≤ beam
      std::int64_t r = 0;
      for (const models::Recommendation& rec : recs[j]) {
        if (rec.item < 1 || rec.item > data.num_items()) ++*invalid_ids;
        if (c.eval.exclude_history && seen.count(rec.item)) continue;
        if (rec.item == target) {
          rank = r;
          break;
        }
        ++r;
      }
      ranks.push_back(rank);
    }
    const auto now = std::chrono::steady_clock::now();
    if (progress &&
        std::chrono::duration<double>(now - last_print).count() >= 60.0) {  // a line a minute: where it is, and the ETA
      last_print = now;
      const double el = std::chrono::duration<double>(now - t0).count();
      const double done = static_cast<double>(ranks.size());
      fmt::print("  {}: {}/{} users, {:.0f} s, about {:.0f} s left\n", test ? "test" : "validation", ranks.size(),
                 users.size(), el, el / done * (static_cast<double>(users.size()) - done));
      std::fflush(stdout);
    }
  }
  model.train();
  return ranks;
}

Metrics metrics_of(const std::vector<std::int64_t>& ranks, const std::vector<int>& ks, const std::vector<char>& keep) {
  models::RankingMetrics metrics(ks);
  for (std::size_t i = 0; i < ranks.size(); ++i)
    if (keep.empty() || keep[i]) metrics.add(ranks[i]);
  return metrics.result();
}

std::vector<std::size_t> users_with_target(const TigerData& data, bool test, int cold_filter) {
  std::vector<std::size_t> out;
  for (std::size_t u = 0; u < data.users.size(); ++u) {
    const std::int64_t t = test ? data.split.test_target[u] : data.split.valid_target[u];
    if (t == 0) continue;
    if (cold_filter == 0 && data.cold[t]) continue;   // warm targets only
    if (cold_filter == 1 && !data.cold[t]) continue;  // cold targets only
    out.push_back(u);
  }
  return out;
}

std::vector<std::size_t> test_users(const TigerData& data, std::int64_t count) {
  std::vector<std::size_t> users = users_with_target(data, true, -1);
  if (count > 0) {
    Generator pick(derive_seed(static_cast<std::uint64_t>(count), SeedStream::test_users));
    std::vector<char> take(users.size(), 0);
    std::vector<std::size_t> order(users.size());
    std::iota(order.begin(), order.end(), 0);
    shuffle(order, pick);
    for (std::size_t i = 0; i < order.size() && static_cast<std::int64_t>(i) < count; ++i) take[order[i]] = 1;
    std::vector<std::size_t> kept;
    for (std::size_t i = 0; i < users.size(); ++i)
      if (take[i] || data.cold[data.split.test_target[users[i]]]) kept.push_back(users[i]);
    users = kept;
  }
  return users;
}

}  // namespace recgrad::training
