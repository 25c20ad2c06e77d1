// recgrad/apps/train_cmd.hpp — `recgrad train --config FILE ...`.
#pragma once
#include <cstdint>
#include <string>

namespace recgrad::apps {

struct TrainCmdOptions {
  std::string config;
  std::uint64_t seed = 42;
  int epochs = 0;      // 0: the preset's
  int eval_every = 0;  // 0: the preset's
  std::string matmul;  // "float32" or "bf16" (empty: the preset's [train] matmul)
  std::string device;  // "cpu" or "cuda" (empty: the preset's [train] device)
  std::string data_dir;
  int threads = 0;
  std::string metrics_out;
  std::string run_dir;  // default runs/<preset>-seed<seed>
  std::string resume;
  bool detect_anomaly = false;
  bool plots = false;      // training curves (and an attention map) as PNGs in <run_dir>/plots
  double time_budget = 0;  // minutes; stop cleanly with a resumable last.safetensors after this long (0: none)
};

int run_train(const TrainCmdOptions& opt);

// `recgrad evaluate --config FILE --checkpoint best.safetensors`: the preset's validation and test tables
// for a saved model (and, for event-stream presets, the test on users whose test item they rated >= 4).
struct EvaluateCmdOptions {
  std::string config, checkpoint, data_dir, metrics_out;
  std::string device;  // "cpu" or "cuda" (empty: the preset's [train] device)
  std::uint64_t seed = 42;
  int threads = 0;
};

int run_evaluate(const EvaluateCmdOptions& opt);

}  // namespace recgrad::apps
