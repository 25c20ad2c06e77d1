// recgrad/apps/steps.hpp — the chapter's five-step code practice as a small public API (the notebooks
// call it; `recgrad reproduce chapter` runs the same steps):
//
//   auto config   = recgrad::load_config("sasrec");           // 1. the chapter's preset for a model
//   auto data     = recgrad::load_data();                      // 2. ML-1M sequences (or the synthetic set)
//   auto features = recgrad::prepare_features(data, config);   // 3. train rows, test rows, targets
//   auto trained  = recgrad::train(features, config, 0);       // 4. 38 Adam steps for seed 0
//   auto metrics  = recgrad::evaluate(trained, features);      // 5. HR@5/10, NDCG@5/10
//   recgrad::print_metrics(metrics, config, data);             //    the table, its protocol above it
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "datasets/movielens.hpp"
#include "training/chapter_task.hpp"

namespace recgrad {

// The source tree (configs/, notebooks_cpp/synthetic_data/) as compiled into librecgrad_notebook.
std::filesystem::path source_dir();

// 1. The chapter's preset for "sasrec" or "hstu": configs/<model>_chapter.toml (docs/PROTOCOLS.md §1).
training::TrainConfig load_config(const std::string& model);

// 2. ML-1M as one sequence per user. Looks where the CLI looks (data_dir, $RECGRAD_DATA, ./data,
// ../shared/data) and beside the source tree; when nothing is found, loads the small synthetic set
// bundled in notebooks_cpp/synthetic_data/ and says so.
struct Dataset {
  datasets::UserSequences sequences;
  std::filesystem::path dir;  // the data directory (holds ml-1m/ml-1m.seq.txt and ml-1m/movies.dat)
  bool synthetic = false;
  std::string describe() const;  // "ML-1M (ml-1m/ml-1m.seq.txt): 6040 users, 3706 items, 1000209 interactions"
};
Dataset load_data(const std::string& data_dir = "");

// 3. The protocol's rows: train rows of users 1..4832, test rows and targets of every user.
training::ChapterFeatures prepare_features(const Dataset& data, const training::TrainConfig& config);

// 4. One epoch of the chapter's training (BCE, one uniform negative per position) for a seed.
training::ChapterModel train(const training::ChapterFeatures& features, const training::TrainConfig& config,
                             std::uint64_t seed = 0);

// 5. The test metrics: cosine against every row, no history masking.
std::map<std::string, double> evaluate(training::ChapterModel& trained, const training::ChapterFeatures& features);

// The protocol line, then the metrics in the chapter's layout (hit_rate@10 | hit_rate@5 | ndcg@10 | ndcg@5).
void print_metrics(const std::map<std::string, double>& metrics, const training::TrainConfig& config,
                   const Dataset& data);

}  // namespace recgrad
