// recgrad/training/loop.hpp — the one training loop: epochs of a Task's steps, a progress line with
// throughput and ETA, validation every `eval_every` epochs, best and last checkpoints, exact resume, anomaly
// mode; the test at the end, on the weights of the best validated epoch.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "training/config.hpp"
#include "training/task.hpp"

namespace recgrad::training {

// One epoch of training as the progress line prints it (for the training-curve plots).
struct EpochLog {
  int epoch = 0;
  double loss = 0;
  double valid = -1;  // the selection metric on validation; -1 when the epoch was not validated
};

struct TrainResult {
  std::vector<EpochLog> history;    // the epochs this process trained (a resumed run starts after the checkpoint)
  std::vector<double> step_losses;  // one per optimizer step this process took
  int best_epoch = 0;               // the selected epoch (the last one when the task has no validation)
  Metrics valid, test;              // at the best epoch
  double train_seconds = 0;
  double last_loss = 0;
};

struct LoopOptions {
  int epochs = 1;
  int eval_every = 1;
  std::string select_metric = "ndcg@10";  // a key of the task's validation metrics
  std::uint64_t seed = 42;                // written into the checkpoints' metadata
  std::string preset;                     // likewise
  std::filesystem::path run_dir;          // best.safetensors and last.safetensors go here (empty: none)
  std::filesystem::path resume;           // a last.safetensors to continue from (empty: start fresh)
  bool progress = true;                   // a line per epoch (and a live bar on a terminal)
  bool detect_anomaly = false;            // stop at the first op whose forward or backward makes a NaN or an Inf
  bool test = true;                       // test at the end, on the best epoch's weights
};

TrainResult train(Task& task, const LoopOptions& opt);

// The loop's options from a preset and a run's options.
LoopOptions loop_options(const TrainConfig& cfg, const TrainOptions& opt);

}  // namespace recgrad::training
