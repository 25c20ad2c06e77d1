#include "apps/steps.hpp"

#include <cstdio>
#include <set>
#include <stdexcept>

#include <fmt/core.h>

#include "apps/config.hpp"
#include "datasets/data_dir.hpp"

#ifndef RECGRAD_SOURCE_DIR
#define RECGRAD_SOURCE_DIR "."
#endif

namespace recgrad {

std::filesystem::path source_dir() { return RECGRAD_SOURCE_DIR; }

training::TrainConfig load_config(const std::string& model) {
  if (model != "sasrec" && model != "hstu")
    throw std::invalid_argument("load_config: the chapter's presets are \"sasrec\" and \"hstu\" (asked: \"" + model +
                                "\")");
  return apps::load_train_config(source_dir() / "configs" / (model + "_chapter.toml"));
}

std::string Dataset::describe() const {
  std::set<std::int64_t> items;
  std::size_t interactions = 0;
  for (const auto& s : sequences.items) {
    items.insert(s.begin(), s.end());
    interactions += s.size();
  }
  return fmt::format("{} ({}): {} users, {} items, {} interactions",
                     synthetic ? "SYNTHETIC stand-in for ML-1M" : "ML-1M", "ml-1m/ml-1m.seq.txt",
                     sequences.users.size(), items.size(), interactions);
}

Dataset load_data(const std::string& data_dir) {
  const std::string probe = "ml-1m/ml-1m.seq.txt";
  Dataset data;
  try {
    data.dir = datasets::find_data_dir(data_dir, probe);
  } catch (const std::runtime_error&) {
    if (!data_dir.empty()) throw;  // an explicit directory that lacks the file is an error, not a fallback
    const auto beside = source_dir() / "../shared/data";
    data.synthetic = !std::filesystem::exists(beside / probe);
    data.dir = data.synthetic ? source_dir() / "notebooks_cpp/synthetic_data" : beside;
  }
  data.synthetic = data.synthetic || std::filesystem::exists(data.dir / "SYNTHETIC.md");
  data.sequences = datasets::read_sequences(data.dir / probe);
  if (data.synthetic)
    std::printf(
        "NOTE: the real ML-1M was not found (or not asked for), so this runs on the small synthetic set bundled in\n"
        "notebooks_cpp/synthetic_data (made by scripts/make_synthetic_data.py); its numbers say nothing about ML-1M.\n"
        "Get the data with scripts/get_data.sh and set RECGRAD_DATA to run on it.\n");
  return data;
}

training::ChapterFeatures prepare_features(const Dataset& data, const training::TrainConfig& config) {
  return training::chapter_features(data.sequences, config);
}

training::ChapterModel train(const training::ChapterFeatures& features, const training::TrainConfig& config,
                             std::uint64_t seed) {
  return training::train_chapter(features, config, seed);
}

std::map<std::string, double> evaluate(training::ChapterModel& trained, const training::ChapterFeatures& features) {
  return training::evaluate_chapter(*trained.model, features);
}

void print_metrics(const std::map<std::string, double>& metrics, const training::TrainConfig& config,
                   const Dataset& data) {
  fmt::print("protocol: chapter (fun-rec generative-recall chapter, docs/PROTOCOLS.md §1) | model: {} | data: {}\n",
             config.model == training::ModelKind::hstu ? "HSTU" : "SASRec", data.synthetic ? "SYNTHETIC" : "ML-1M");
  fmt::print("{:>11} | {:>10} | {:>8} | {:>7}\n", "hit_rate@10", "hit_rate@5", "ndcg@10", "ndcg@5");
  fmt::print("{:>11.4f} | {:>10.4f} | {:>8.4f} | {:>7.4f}\n", metrics.at("hit_rate@10"), metrics.at("hit_rate@5"),
             metrics.at("ndcg@10"), metrics.at("ndcg@5"));
  std::fflush(stdout);
}

}  // namespace recgrad
