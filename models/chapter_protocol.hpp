// recgrad/models/chapter_protocol.hpp — the `chapter` protocol (PROTOCOLS.md §1): what fun-rec's
// generative-recall chapter trains and measures, without its code defects (each behind a switch).
//
// Data: ml-1m.seq.txt, items 1..3706 by ascending MovieID, 0 = padding. One train row per user:
// seq = full[-202:-2], pos = full[-201:-1] (left-padded to 200); only users 1..4832 train (Keras'
// validation_split = 0.2). One epoch, batch 128 (38 Adam steps, lr 0.002, eps 1e-7), BCE with one
// uniform negative per position. Test: all 6,040 users, seq = full[-201:-1], target full[-1], user
// vector at the last index, cosine against all 3,707 rows (padding included), no history masking.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "datasets/movielens.hpp"
#include "datasets/sequences.hpp"
#include "models/hstu.hpp"
#include "models/sasrec.hpp"

namespace recgrad::models {

struct ChapterConfig {
  std::string model_name = "sasrec";  // sasrec | hstu
  SASRecConfig model;
  HSTUConfig hstu;
  std::int64_t batch_size = 128;
  double train_fraction = 0.8;  // Keras validation_split = 0.2: the last 20 % of users never train
  int epochs = 1;
  double lr = 0.002, adam_eps = 1e-7;
};

struct ChapterResult {
  std::map<std::string, double> test;  // hit_rate@5/10, ndcg@5/10
  double train_seconds = 0;
  std::vector<double> step_losses;  // one per Adam step
};

// The protocol's rows, ready for training and testing (the chapter's "prepare features" step).
struct ChapterFeatures {
  datasets::ItemIdMap map;                          // raw MovieID <-> 1..3706 (0 = padding)
  std::vector<datasets::Row> train_rows;            // users 1..4832: seq full[-202:-2], pos full[-201:-1]
  std::vector<std::vector<std::int64_t>> test_seqs; // every user: full[-201:-1], left-padded to T
  std::vector<std::int64_t> targets;                // every user: full[-1]
};
ChapterFeatures chapter_features(const datasets::UserSequences& raw, const ChapterConfig& cfg);

// A trained model with its per-step losses (the chapter's "train" step).
struct ChapterModel {
  std::unique_ptr<SequenceModel> model;
  std::vector<double> step_losses;
  double train_seconds = 0;
};
ChapterModel train_chapter(const ChapterFeatures& features, const ChapterConfig& cfg, std::uint64_t seed);

// HR@5/10 and NDCG@5/10 on the test targets: cosine over all rows, no history masking ("evaluate").
std::map<std::string, double> evaluate_chapter(SequenceModel& model, const ChapterFeatures& features);

// The three steps above for one seed.
ChapterResult run_chapter(const datasets::UserSequences& raw, const ChapterConfig& cfg, std::uint64_t seed);

// The chapter's HSTU as the chapter describes it (PROTOCOLS.md §1.5, without fun-rec's code defects):
// d 50, 1 head, 2 layers, dropout 0.2, no √d scale and no input dropout, a final LayerNorm, Keras'
// LayerNorm eps 1e-3 with γ and β, attention divided by the window length 200, items U(±0.05).
HSTUConfig chapter_hstu();

}  // namespace recgrad::models
