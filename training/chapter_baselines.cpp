#include "training/chapter_baselines.hpp"

#include <algorithm>
#include <numeric>
#include <set>

#include "models/batching.hpp"
#include "models/evaluate.hpp"
#include "models/metrics.hpp"

namespace recgrad::training {

namespace {

const std::vector<int> kKs{5, 10};

// The user's input items (the test row without its padding).
std::vector<std::vector<std::int64_t>> inputs_of(const ChapterFeatures& f) {
  std::vector<std::vector<std::int64_t>> h(f.test_seqs.size());
  for (std::size_t u = 0; u < h.size(); ++u)
    for (auto i : f.test_seqs[u])
      if (i != 0) h[u].push_back(i);
  return h;
}

// The top 10 rows of every user by cosine (padding row included, as the chapter ranks), as a set of lists.
std::int64_t distinct_top10(const Tensor& users, const Tensor& items) {
  NoGradGuard no_grad;
  const Tensor scores = matmul(l2_normalize(users, -1, 1e-12), transpose(l2_normalize(items, -1, 1e-12), 0, 1))
                            .to(Device::cpu())
                            .contiguous();  // (U, V)
  const std::int64_t U = scores.size(0), V = scores.size(1);
  const float* s = scores.data<float>();
  std::set<std::vector<std::int64_t>> lists;
  std::vector<std::int64_t> order(static_cast<std::size_t>(V));
  for (std::int64_t u = 0; u < U; ++u) {
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + std::min<std::int64_t>(10, V), order.end(),
                      [&](std::int64_t a, std::int64_t b) { return s[u * V + a] > s[u * V + b]; });
    lists.emplace(order.begin(), order.begin() + std::min<std::int64_t>(10, V));
  }
  return static_cast<std::int64_t>(lists.size());
}

}  // namespace

Metrics popularity_ranking(const ChapterFeatures& f, bool exclude_history) {
  const std::int64_t V = f.map.num_items() + 1;
  std::vector<float> count(static_cast<std::size_t>(V), 0.0f);
  for (const auto& r : f.train_rows) {
    for (auto i : r.seq) count[i] += i != 0;
    if (!r.pos.empty() && r.pos.back() != 0) count[r.pos.back()] += 1;  // pos = seq shifted by one: its new item
  }
  count[0] = 0;
  models::RankingMetrics m(kKs);
  std::vector<char> admitted(static_cast<std::size_t>(V), 1);
  for (std::size_t u = 0; u < f.targets.size(); ++u) {
    if (exclude_history) {
      std::fill(admitted.begin(), admitted.end(), 1);
      for (auto i : f.test_seqs[u]) admitted[i] = i == 0;  // the padding row stays a candidate, as in the protocol
      admitted[f.targets[u]] = 1;
    }
    m.add(models::rank_of_target(count.data(), V, f.targets[u], exclude_history ? &admitted : nullptr));
  }
  return m.result();
}

Metrics random_ranking(const ChapterFeatures& f, std::uint64_t seed) {
  const std::int64_t V = f.map.num_items() + 1;
  Generator gen(seed);
  std::vector<float> scores(static_cast<std::size_t>(V));
  models::RankingMetrics m(kKs);
  for (auto t : f.targets) {
    for (auto& s : scores) s = static_cast<float>(gen.next_double());
    m.add(models::rank_of_target(scores.data(), V, t));
  }
  return m.result();
}

ChapterDiagnostics diagnose_chapter_model(models::SequenceModel& model, const ChapterFeatures& f, std::uint64_t seed) {
  NoGradGuard no_grad;
  model.eval();
  const Tensor users = models::last_position_vectors(model, f.test_seqs);  // (U, d)
  const Tensor& items = model.item_table();                                // (V, d)
  const auto inputs = inputs_of(f);
  ChapterDiagnostics d;
  d.distinct_top10 = distinct_top10(users, items);
  models::RankingOptions opt;
  opt.scoring = models::Scoring::cosine;
  opt.rank_padding_row = true;
  opt.exclude_history = true;
  d.history_removed = models::full_ranking(users, items, f.targets, inputs, opt);
  opt.scoring = models::Scoring::dot;
  opt.exclude_history = false;
  d.dot = models::full_ranking(users, items, f.targets, {}, opt);
  auto rated = inputs;
  for (std::size_t u = 0; u < rated.size(); ++u) rated[u].push_back(f.targets[u]);
  d.sampled100 = models::sampled_ranking(users, items, f.targets, rated, kKs, 100, seed);
  return d;
}

}  // namespace recgrad::training
