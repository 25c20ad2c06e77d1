// recgrad/training/evaluation.hpp — evaluating a SASRec or HSTU model under its preset's protocol: full
// ranking (or sampled-100) of the validation or test item after each user's history or event stream.
#pragma once
#include <cstdint>
#include <filesystem>

#include "models/sequence_model.hpp"
#include "training/config.hpp"
#include "training/sequential_data.hpp"
#include "training/task.hpp"

namespace recgrad::training {

// Which users an evaluation counts, by their target: every one, or those whose target is warm (trained
// on) or cold (held out of training, [data] cold_item_share). Without cold items, warm = all.
enum class TargetUsers { all, warm, cold };

// Validation (test = false) or test metrics of `model` on every user with a target (of the kind `who`
// asks). `seed` draws the sampled-100 negatives. fitted: the preset fitted to `data` (fitted_to).
// rank_cold = false leaves the cold items out of full ranking, as a deployed ID model would (it has no trained
// vector for them); true ranks them by their untrained rows.
Metrics evaluate_sequential(const TrainConfig& fitted, models::SequenceModel& model, const SequentialData& data,
                            bool test, std::uint64_t seed, TargetUsers who = TargetUsers::all, bool rank_cold = true);

// Event-stream presets: each user's stream up to and including the target (its time is the last query
// time). min_rating > 0 keeps only the users who rated their target at least that (counted in *users_kept).
Metrics evaluate_streams(const TrainConfig& fitted, models::SequenceModel& model, const SequentialData& data, bool test,
                         int min_rating = 0, std::int64_t* users_kept = nullptr);

struct EvalResult {
  Metrics valid, test;
  // Cold-start presets: the test on the users whose test item is cold, and on the others; and on the others
  // with the cold items left out of the list (what an ID model can do for them at best).
  Metrics test_cold, test_warm, test_warm_cold_unranked;
  std::int64_t cold_users = 0, cold_items = 0;
  // Event-stream presets (they read ratings): test on the users whose test item they rated >= 4 only.
  Metrics test_rated_4_plus;
  std::int64_t users_rated_4_plus = 0;
};

// Evaluates a saved model (a best.safetensors of `train`) under the preset's protocol: the same data,
// split and ranking as during training. opt.seed only matters for sampled-100 ranking.
EvalResult evaluate_checkpoint(const TrainConfig& cfg, const TrainOptions& opt,
                               const std::filesystem::path& checkpoint);

// The first block's attention weights of a saved SASRec or HSTU model (a best.safetensors of `train`) for
// the test history of the user at `user_index` (in the preset's user order), cut to its real positions:
// (L, L), L = the history's length in the window. Softmax probabilities for SASRec, SiLU(QKᵀ + rab) / N for HSTU.
Tensor attention_map(const TrainConfig& cfg, const TrainOptions& opt, const std::filesystem::path& checkpoint,
                     std::size_t user_index = 0);

}  // namespace recgrad::training
