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
#include <string>

#include "datasets/movielens.hpp"
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
  double final_loss = 0, train_seconds = 0;
  int steps = 0;
};

// Trains one seed of the chosen model on the (raw-id) sequences and evaluates it.
ChapterResult run_chapter(const datasets::UserSequences& raw, const ChapterConfig& cfg, std::uint64_t seed);

// The chapter's HSTU as the chapter describes it (PROTOCOLS.md §1.5, without fun-rec's code defects):
// d 50, 1 head, 2 layers, dropout 0.2, no √d scale and no input dropout, a final LayerNorm, Keras'
// LayerNorm eps 1e-3 with γ and β, attention divided by the window length 200, items U(±0.05).
HSTUConfig chapter_hstu();

}  // namespace recgrad::models
