// recgrad/training/task.hpp — what the training loop needs from a task (sequential next-item, TIGER, the
// chapter protocol): its batches and step, its evaluation, and what a checkpoint must hold to resume.
// The loop (loop.hpp) owns the epochs, the progress line, validation cadence, checkpoints and resume.
#pragma once
#include <cstddef>
#include <map>
#include <string>

#include "autograd/generator.hpp"
#include "nn/module.hpp"
#include "nn/optim.hpp"

namespace recgrad::training {

using Metrics = std::map<std::string, double>;  // "hit_rate@10" -> value, ...

class Task {
 public:
  virtual ~Task() = default;
  // Prepares epoch `epoch` (1-based): its sample order and its negatives, drawn from seeds of the epoch
  // alone so that a resumed run draws the same. Returns the epoch's number of optimizer steps.
  virtual std::size_t begin_epoch(int epoch) = 0;
  // One optimizer step on batch b of the epoch; returns the loss.
  virtual double step(std::size_t b) = 0;
  // Samples in the epoch (for the throughput), and what they are called ("rows", "samples").
  virtual std::size_t epoch_samples() const = 0;
  virtual const char* sample_unit() const { return "samples"; }
  // Printed on the epoch line after the loss (TIGER: the learning rate).
  virtual std::string epoch_note() const { return ""; }
  // Validation metrics, or none when the protocol has no validation split (the chapter's).
  virtual bool has_validation() const { return true; }
  virtual Metrics validate() = 0;
  virtual Metrics test() = 0;

  // What a checkpoint taken inside an epoch adds to resume it exactly: the positions of the epoch's samplers.
  // restore_epoch_state runs right after begin_epoch of the same epoch. Tasks whose epoch is fixed by
  // begin_epoch's seeds alone (and the generator below) keep nothing here.
  virtual std::map<std::string, std::string> epoch_state() const { return {}; }
  virtual void restore_epoch_state(const std::map<std::string, std::string>& state) { (void)state; }

  // What a checkpoint saves: the model, the optimizer and the model's generator (initialisation, dropout).
  virtual nn::Module& model() = 0;
  virtual nn::Adam& optimizer() = 0;
  virtual Generator& generator() = 0;
};

}  // namespace recgrad::training
