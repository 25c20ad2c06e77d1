// recgrad/models/trainer.hpp — training SASRec under the leave-one-out protocols (paper-hstu,
// sasrec-sampled): validation every `eval_every` epochs, the best epoch (by validation) checkpointed
// and reported on test.
#pragma once
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "models/train_config.hpp"

namespace recgrad::models {

struct TrainResult {
  int best_epoch = 0;
  std::map<std::string, double> valid, test;  // at the best epoch
  double train_seconds = 0;
  double last_loss = 0;
};

struct TrainOptions {
  std::uint64_t seed = 42;
  std::filesystem::path data_dir;
  std::filesystem::path run_dir;   // best.safetensors and last.safetensors are written here
  std::filesystem::path resume;    // a last.safetensors to continue from (empty: start fresh)
  bool progress = true;            // a progress line per epoch (and a live bar on a terminal)
  bool detect_anomaly = false;     // stop at the first op whose forward or backward makes a NaN or an Inf
  std::filesystem::path cache_dir = "runs/cache";  // TIGER: content vectors are cached here
};

TrainResult train_sequential(const TrainConfig& cfg, const TrainOptions& opt);

struct EvalResult {
  std::map<std::string, double> valid, test;
  // Event-stream presets (they read ratings): test on the users whose test item they rated >= 4 only.
  std::map<std::string, double> test_rated_4_plus;
  std::int64_t users_rated_4_plus = 0;
};

// Evaluates a saved model (a best.safetensors of `train`) under the preset's protocol: the same data,
// split and ranking as during training. opt.seed only matters for sampled-100 ranking.
EvalResult evaluate_checkpoint(const TrainConfig& cfg, const TrainOptions& opt, const std::filesystem::path& checkpoint);

}  // namespace recgrad::models
