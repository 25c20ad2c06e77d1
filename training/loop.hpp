// recgrad/training/loop.hpp — the one training loop: epochs of a Task's steps, a progress line with
// throughput and ETA, validation every `eval_every` epochs, best and last checkpoints, a time budget that
// stops cleanly (mid-epoch too), exact resume, anomaly mode; the test at the end, on the weights of the best
// validated epoch.
#pragma once
#include <cstddef>
#include <filesystem>
#include <functional>
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
  Metrics valid_all;  // every validation metric of the epoch (empty when not validated)
};

struct TrainResult {
  std::vector<EpochLog> history;    // every finished epoch of the run (a resumed run's from its checkpoint too)
  std::vector<double> step_losses;  // one per optimizer step this process took
  int best_epoch = 0;               // the selected epoch (the last one when the task has no validation)
  Metrics valid, test;              // at the best epoch
  double train_seconds = 0;
  double last_loss = 0;
  std::string stopped;  // where a stopped run stopped ("epoch 3 step 120/776"); empty when it ran to the end
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
  // Stop cleanly, with a resumable last.safetensors (mid-epoch allowed), once this many seconds of the loop
  // have passed (0: no limit) or when stop_request(epoch, steps done in it) says so (tests stop at a step).
  double time_budget_s = 0;
  std::function<bool(int, std::size_t)> stop_request;
};

TrainResult train(Task& task, const LoopOptions& opt);

// The loop's options from a preset and a run's options.
LoopOptions loop_options(const TrainConfig& cfg, const TrainOptions& opt);

}  // namespace recgrad::training
