// recgrad/training/tiger_task.hpp — TIGER end to end (docs/PROTOCOLS.md §3):
//   item text → content vectors → RQ-VAE → semantic IDs (+ collision token)       (semantic_id_cache.hpp)
//   → encoder–decoder trained with teacher forcing on every (history, next item) of the training part
//   → constrained beam search → items → Recall@k (= HR@k) / NDCG@k under leave-one-out (last item test,
//     second-last validation, the same split as SASRec and HSTU)
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "models/beam_search.hpp"
#include "models/tiger.hpp"
#include "training/loop.hpp"
#include "training/semantic_id_cache.hpp"
#include "training/tiger_data.hpp"

namespace recgrad::training {

// The test as TIGER reports it: all test users, and with cold items the cold and the warm users apart.
struct TigerTest {
  Metrics all, cold, warm;  // "hit_rate@k" (= Recall@k: one target per user), "ndcg@k"
  std::int64_t users = 0, cold_users = 0, cold_items = 0;
  std::int64_t invalid_ids = 0;  // generated IDs that name no item (constrained decoding: 0)
};

struct TigerResult {
  TrainResult train;  // best epoch, validation and test (= test.all) at it
  TigerTest test;
  models::CodeUsage usage;
  std::int64_t collision_size = 0;
};

class TigerTask : public Task {
 public:
  // data and ids: loaded and built once (load_tiger_data, build_semantic_ids); kept by reference.
  TigerTask(const TrainConfig& cfg, const TigerData& data, const models::SemanticIdTable& ids, std::uint64_t seed,
            bool progress);
  std::size_t begin_epoch(int epoch) override;
  double step(std::size_t b) override;
  std::size_t epoch_samples() const override { return samples_.size(); }
  std::size_t batch_samples(std::size_t b) const;  // the samples in batch b of the epoch
  // The encoder input length of each sample of batch b: [user token, P tokens × up to max_items items]
  std::vector<std::int64_t> encoder_lengths(std::size_t b) const;
  std::string epoch_note() const override;
  Metrics validate() override;
  Metrics test() override;  // fills last_test()
  nn::Module& model() override { return model_; }
  nn::Adam& optimizer() override { return adam_; }
  Generator& generator() override { return gen_; }
  const TigerTest& last_test() const { return test_; }
  models::Tiger& tiger() { return model_; }

  struct Sample {
    std::size_t user;    // index into data.users
    std::size_t target;  // position of the target in the user's training list
  };

 private:
  double learning_rate() const;  // at the optimizer's current step
  TrainConfig cfg_;
  const TigerData& data_;
  const models::SemanticIdTable& ids_;
  std::uint64_t seed_;
  bool progress_;
  models::IdTrie trie_;
  Generator gen_;
  models::Tiger model_;
  nn::Adam adam_;
  std::vector<std::size_t> valid_users_;  // a fixed subset when tiger.valid_users > 0
  std::int64_t total_steps_ = 0;          // of the whole run (the cosine schedule's length)
  std::vector<Sample> samples_;           // the epoch's samples, in batches of similar length
  std::vector<std::size_t> starts_;       // each batch's first sample, in the epoch's batch order
  TigerTest test_;
};

// Trains a TIGER preset and tests it at the best validated epoch.
TigerResult train_tiger(const TrainConfig& cfg, const TrainOptions& opt);

// The test of a saved TIGER (a best.safetensors of `train`): the same data, semantic IDs (the same seed
// rebuilds them, from the cache when present) and protocol as its training run.
TigerResult evaluate_tiger_checkpoint(const TrainConfig& cfg, const TrainOptions& opt,
                                      const std::filesystem::path& checkpoint);

}  // namespace recgrad::training
