// recgrad/training/chapter_baselines.hpp — what the chapter's table does and does not show, measured.
//
// The chapter's SASRec scores HR@10 ≈ 0.02 after 38 Adam steps. Is that a recommender, or a popularity list? Under
// the same protocol (docs/PROTOCOLS.md §1: every user, cosine over all rows with the padding row, no history mask)
// this file ranks without a model — by how often the training rows hold each item, and at random — and, for a
// trained model, asks what its table hides: how many different top-10 lists it hands the 6,040 users, and how its
// HR@10 moves when the user's own items leave the candidates, with the dot product for the cosine, and under the
// original SASRec paper's sampled-100 protocol on the same model.
#pragma once
#include <cstdint>

#include "training/chapter_task.hpp"

namespace recgrad::training {

// Items ranked by their count in the training rows (users 1..4832: every item of seq and pos), the same list for
// every user; ties count against the target (models/metrics.hpp). exclude_history: the user's input items are not
// candidates (the model's "history removed" column, for the same list).
Metrics popularity_ranking(const ChapterFeatures& features, bool exclude_history = false);
// Every user's candidates in a fresh uniform random order (seeded).
Metrics random_ranking(const ChapterFeatures& features, std::uint64_t seed);

struct ChapterDiagnostics {
  std::int64_t distinct_top10 = 0;  // different top-10 lists among the users (cosine, padding row included)
  Metrics history_removed;          // the chapter's ranking with the user's input items out of the candidates
  Metrics dot;                      // the chapter's ranking by dot product instead of cosine
  Metrics sampled100;               // the target against 100 items the user never rated, by dot (sasrec-sampled)
};
ChapterDiagnostics diagnose_chapter_model(models::SequenceModel& model, const ChapterFeatures& features,
                                          std::uint64_t seed);

}  // namespace recgrad::training
