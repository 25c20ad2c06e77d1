// recgrad/training/sequential_data.hpp — the data of a SASRec or HSTU run under a leave-one-out protocol,
// loaded once: sequences in the model's id space, the split, the candidates and (event-stream presets) the
// token streams with their side inputs. And the preset fitted to it: the model's vocabulary and positions.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "autograd/generator.hpp"
#include "datasets/event_stream.hpp"
#include "datasets/sequences.hpp"
#include "models/sequence_model.hpp"
#include "training/config.hpp"

namespace recgrad::training {

using Ids = std::vector<std::int64_t>;

struct SequentialData {
  std::vector<std::int64_t> users;  // raw user ids, in the order of every per-user vector below
  datasets::LeaveOneOut split;
  std::vector<Ids> full;                  // per user, in the model's id space
  std::int64_t vocab = 0;                 // rows of the item table (ids 1..vocab-1, 0 = padding)
  std::vector<char> candidate;            // vocab flags: may be ranked
  std::vector<char> cold;                 // vocab flags: held out of training ([data] cold_item_share; all 0 without)
  Ids negative_ids;                       // the candidates training may draw as negatives: every one that is not cold
  std::vector<datasets::Stream> streams;  // per user, when the preset reads ratings (the event stream)
};

// Reads [data] from `data_dir` (files named relative to it). `seed` draws the cold items, if the preset has any.
SequentialData load_sequential_data(const TrainConfig& cfg, const std::filesystem::path& data_dir, std::uint64_t seed);

// The preset with what the data decides: the vocabulary, and positions counted from the row's start under
// right padding.
TrainConfig fitted_to(const TrainConfig& cfg, std::int64_t vocab);

// SASRec or HSTU as the (fitted) preset asks, initialised from `gen`.
std::unique_ptr<models::SequenceModel> make_sequence_model(const TrainConfig& fitted, Generator& gen);

}  // namespace recgrad::training
