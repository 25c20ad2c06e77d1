// recgrad/training/checkpoints.hpp — what `last.safetensors` holds to resume a run exactly, written at the
// end of every epoch and, when a run is stopped early (--time-budget), in the middle of one.
//
// Tensors: the parameters, then Adam's moments (checkpoint_tensors). Metadata: the last finished epoch,
// Adam's step count, the model generator's state, the best epoch, its validation value and metrics, the
// training time so far; for a mid-epoch checkpoint also the next step of the interrupted epoch, the epoch's
// loss sum so far and the task's epoch state (its samplers' positions, as "task.<key>").
#pragma once
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>

#include "training/loop.hpp"
#include "training/task.hpp"

namespace recgrad::training {

struct LoopCheckpoint {
  int epoch = 0;  // the last finished epoch
  int best_epoch = 0;
  double best_value = -1;  // the selection metric at best_epoch (-1: none yet)
  Metrics best_valid;
  double train_seconds = 0;
  std::string history;            // the finished epochs' log as JSON (for learning curves across resumes)
  std::size_t step_in_epoch = 0;  // > 0: stopped inside epoch `epoch + 1`, before this step (0-based)
  double epoch_loss_sum = 0;      // the losses of that epoch's steps so far
  std::map<std::string, std::string> task_state;  // Task::epoch_state() at the stop
};

void save_checkpoint(const std::filesystem::path& path, Task& task, const LoopCheckpoint& c, std::uint64_t seed,
                     const std::string& preset);

// Loads the task's tensors and generator and returns the loop's part; every metadata value is checked (types and
// ranges: 0 ≤ best epoch ≤ epoch ≤ `max_epoch`), the tensors must be finite, the run must resume with the seed it
// was started with, and a file that is not a last.safetensors of `recgrad train` (or is damaged) gets a message
// naming it. save_checkpoint refuses to write parameters or optimizer state that are not finite.
LoopCheckpoint load_checkpoint(const std::filesystem::path& path, Task& task, const std::string& preset,
                               std::uint64_t seed, int max_epoch);

// The epochs' log as the JSON a checkpoint carries, and back (a corrupt one names `path`).
std::string history_json(const std::vector<EpochLog>& history);
std::vector<EpochLog> history_of(const std::string& json, const std::filesystem::path& path);

}  // namespace recgrad::training
