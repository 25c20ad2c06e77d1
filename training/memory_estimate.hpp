// recgrad/training/memory_estimate.hpp — what a preset will ask of memory, before anything is allocated.
//
// A preset can name sizes that no machine holds (max_len 4096, 100,000 negatives, d 4096 × 64 blocks, an item id
// of 10⁸ in raw id space); without an estimate they end in std::bad_alloc mid-epoch, work lost. The estimate is a
// sum of the large tensors, not a measurement: parameters with their gradients and Adam's float64 moments
// (4 + 4 + 16 bytes each), and one training batch's saved activations (the attention maps, the sampled
// negatives' vectors, the block outputs) times 1.5 for the temporaries beside them. docs/RELIABILITY.md gives its
// figures beside the peak memory measured on the presets.
#pragma once
#include <cstdint>
#include <string>

#include "training/config.hpp"

namespace recgrad::training {

struct MemoryEstimate {
  std::int64_t parameters = 0;  // counted
  std::int64_t vocab = 0;       // the item table's rows (SASRec, HSTU)
  double model_bytes = 0;       // parameters, gradients, Adam moments
  double batch_bytes = 0;       // one training batch's activations
  double total() const { return model_bytes + batch_bytes; }
  std::string str() const;  // "~1.2 GiB (model and Adam 0.3 GiB, one batch 0.9 GiB)"
};

// The (fitted) preset's estimate; `vocab` is the item table's rows (the data decides it).
MemoryEstimate estimate_memory(const TrainConfig& fitted, std::int64_t vocab);

// The machine's physical memory in bytes (0 if it cannot be read).
double machine_memory_bytes();

// Throws, naming the preset and both figures, when the estimate exceeds the machine's memory.
void require_memory(const TrainConfig& fitted, const MemoryEstimate& e);

// estimate_memory, then require_memory; with `print`, one line with the estimate and the machine's memory.
void check_memory(const TrainConfig& fitted, std::int64_t vocab, bool print);

}  // namespace recgrad::training
