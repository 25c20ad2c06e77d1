// recgrad/training/chapter_task.hpp — the `chapter` protocol (docs/PROTOCOLS.md §1): what fun-rec's
// generative-recall chapter trains and measures, without its code defects.
//
// Data: ml-1m.seq.txt, items 1..3706 by ascending MovieID, 0 = padding. One train row per user:
// seq = full[-202:-2], pos = full[-201:-1] (left-padded to 200); only users 1..4832 train (Keras'
// validation_split = 0.2). One epoch, batch 128 (38 Adam steps, lr 0.002, eps 1e-7), BCE with one
// uniform negative per position. Test: all 6,040 users, seq = full[-201:-1], target full[-1], user
// vector at the last index, cosine against all 3,707 rows (padding included), no history masking.
// The settings are those of configs/sasrec_chapter.toml and configs/hstu_chapter.toml.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "datasets/movielens.hpp"
#include "datasets/sequences.hpp"
#include "models/sequence_model.hpp"
#include "training/loop.hpp"

namespace recgrad::training {

// The protocol's rows, ready for training and testing (the chapter's "prepare features" step).
struct ChapterFeatures {
  datasets::ItemIdMap map;                           // raw MovieID <-> 1..3706 (0 = padding)
  std::vector<datasets::Row> train_rows;             // users 1..4832: seq full[-202:-2], pos full[-201:-1]
  std::vector<std::vector<std::int64_t>> test_seqs;  // every user: full[-201:-1], left-padded to T
  std::vector<std::int64_t> targets;                 // every user: full[-1]
};
ChapterFeatures chapter_features(const datasets::UserSequences& raw, const TrainConfig& cfg);

// HR@5/10 and NDCG@5/10 on the test targets: cosine over all rows, no history masking ("evaluate").
Metrics evaluate_chapter(models::SequenceModel& model, const ChapterFeatures& features);

class ChapterTask : public Task {
 public:
  ChapterTask(const TrainConfig& cfg, const ChapterFeatures& features, std::uint64_t seed);
  std::size_t begin_epoch(int epoch) override;
  double step(std::size_t b) override;
  std::size_t epoch_samples() const override { return features_.train_rows.size(); }
  const char* sample_unit() const override { return "rows"; }
  bool has_validation() const override { return false; }  // the chapter has no validation item
  Metrics validate() override { return {}; }
  Metrics test() override { return evaluate_chapter(*model_, features_); }
  nn::Module& model() override { return *model_; }
  nn::Adam& optimizer() override { return adam_; }
  Generator& generator() override { return gen_; }
  std::unique_ptr<models::SequenceModel> take_model() { return std::move(model_); }

 private:
  TrainConfig cfg_;
  const ChapterFeatures& features_;
  Generator gen_;  // initialisation, the epoch's shuffle and the dropout masks, in that order (as the chapter's code)
  std::unique_ptr<models::SequenceModel> model_;
  nn::Adam adam_;
  datasets::NegativeSampler sampler_;  // uniform over 1..3706, not checked against the positive or the history
  std::vector<std::size_t> order_;
};

// A trained model with its per-step losses (the chapter's "train" step).
struct ChapterModel {
  std::unique_ptr<models::SequenceModel> model;
  std::vector<double> step_losses;
  double train_seconds = 0;
};
ChapterModel train_chapter(const ChapterFeatures& features, const TrainConfig& cfg, std::uint64_t seed);

struct ChapterResult {
  Metrics test;  // hit_rate@5/10, ndcg@5/10
  double train_seconds = 0;
  std::vector<double> step_losses;               // one per Adam step
  std::unique_ptr<models::SequenceModel> model;  // the trained model (in eval mode)
};

// The three steps above for one seed.
ChapterResult run_chapter(const datasets::UserSequences& raw, const TrainConfig& cfg, std::uint64_t seed);
// Training and test for one seed on features already prepared (reproduce prepares them once for every seed).
ChapterResult run_chapter(const ChapterFeatures& features, const TrainConfig& cfg, std::uint64_t seed);

}  // namespace recgrad::training
