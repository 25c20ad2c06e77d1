// Ranks (tie rule) and HR / NDCG on hand-computed cases (docs/PROTOCOLS.md §0).
#include <gtest/gtest.h>

#include <cmath>

#include "models/metrics.hpp"

namespace recgrad::models {
namespace {

TEST(Metrics, RankCountsHigherScores) {
  const std::vector<float> s{0.1f, 0.9f, 0.5f, 0.7f};
  EXPECT_EQ(rank_of_target(s.data(), 4, 1), 0);  // best
  EXPECT_EQ(rank_of_target(s.data(), 4, 3), 1);
  EXPECT_EQ(rank_of_target(s.data(), 4, 2), 2);
  EXPECT_EQ(rank_of_target(s.data(), 4, 0), 3);  // worst
}

TEST(Metrics, TiesCountAgainstTheTargetAtAnyIndex) {
  const std::vector<float> same(5, 0.3f);
  for (std::int64_t t : {0, 2, 4}) EXPECT_EQ(rank_of_target(same.data(), 5, t), 4) << "target at " << t;
  const std::vector<float> s{0.5f, 0.2f, 0.5f, 0.9f};
  EXPECT_EQ(rank_of_target(s.data(), 4, 0), 2);  // 0.9 above, the other 0.5 tied
  EXPECT_EQ(rank_of_target(s.data(), 4, 2), 2);
}

TEST(Metrics, AdmittedMaskExcludesCandidates) {
  const std::vector<float> s{0.9f, 0.8f, 0.1f, 0.95f};
  std::vector<char> admitted{1, 1, 1, 0};  // item 3 (say, in the history) is removed
  EXPECT_EQ(rank_of_target(s.data(), 4, 1, &admitted), 1);
  EXPECT_EQ(rank_of_target(s.data(), 4, 1), 2);
  EXPECT_THROW(rank_of_target(s.data(), 4, 3, &admitted), std::invalid_argument);
}

TEST(Metrics, NanIsAnError) {
  const std::vector<float> s{0.1f, NAN, 0.3f};
  EXPECT_THROW(rank_of_target(s.data(), 3, 0), std::runtime_error);
}

TEST(Metrics, HitRateAndNdcgHandComputed) {
  RankingMetrics m({1, 5, 10});
  for (std::int64_t r : {0, 3, 7, 12}) m.add(r);
  const auto res = m.result();
  EXPECT_DOUBLE_EQ(res.at("hit_rate@1"), 0.25);
  EXPECT_DOUBLE_EQ(res.at("hit_rate@5"), 0.5);
  EXPECT_DOUBLE_EQ(res.at("hit_rate@10"), 0.75);
  EXPECT_DOUBLE_EQ(res.at("ndcg@1"), 0.25);
  EXPECT_DOUBLE_EQ(res.at("ndcg@5"), (1.0 + 1.0 / std::log2(5.0)) / 4);
  EXPECT_DOUBLE_EQ(res.at("ndcg@10"), (1.0 + 1.0 / std::log2(5.0) + 1.0 / std::log2(9.0)) / 4);
}

TEST(Metrics, ConstantScoresScoreZero) {
  RankingMetrics m({10});
  const std::vector<float> same(100, 1.0f);
  for (std::int64_t t = 0; t < 100; t += 10) m.add(rank_of_target(same.data(), 100, t));
  EXPECT_EQ(m.result().at("hit_rate@10"), 0.0);
}

}  // namespace
}  // namespace recgrad::models
