// recgrad/models/trainer.hpp — training SASRec under the leave-one-out protocols (paper-hstu,
// sasrec-sampled): validation every `eval_every` epochs, the best epoch (by validation) checkpointed
// and reported on test.
#pragma once
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "models/train_config.hpp"

namespace recgrad::models {

// One epoch of training as the progress line prints it (for the training-curve plots).
struct EpochLog {
  int epoch = 0;
  double loss = 0;
  double valid = -1;  // the selection metric on validation; -1 when the epoch was not validated
};

struct TrainResult {
  std::vector<EpochLog> history;  // the epochs this process trained (a resumed run starts after the checkpoint)
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

// The first block's attention weights of a saved SASRec or HSTU model (a best.safetensors of `train`) for
// the test history of the user at `user_index` (in the preset's user order), cut to its real positions:
// (L, L), L = the history's length in the window. Softmax probabilities for SASRec, SiLU(QKᵀ + rab) / N for HSTU.
Tensor attention_map(const TrainConfig& cfg, const TrainOptions& opt, const std::filesystem::path& checkpoint,
                     std::size_t user_index = 0);

}  // namespace recgrad::models
