// recgrad/training/sequential_task.hpp — next-item training of SASRec or HSTU under the leave-one-out
// protocols (paper-hstu, sasrec-sampled, the event stream): one row per user, every position predicts the
// next item, BCE over one sampled negative or a softmax over sampled negatives.
#pragma once
#include <memory>
#include <unordered_set>
#include <vector>

#include "datasets/sequences.hpp"
#include "training/loop.hpp"
#include "training/sequential_data.hpp"

namespace recgrad::training {

// The BCE next-item loss over a batch:  −log σ(F_t·M_pos) − log(1 − σ(F_t·M_neg)), averaged over the
// positions whose pos id is not padding. F: (B, T, d), M: (vocab, d), pos and neg: B rows of T ids.
Tensor next_item_bce(const Tensor& F, const Tensor& M, const std::vector<Ids>& pos, const std::vector<Ids>& neg);

// Uniform draws from a list of ids, seeded per epoch. One at a time (the BCE path, which rejects a user's
// own items) or in bulk for the sampled-softmax head: draw i of the epoch is a pure function of (seed, i)
// (SplitMix64, then 32 bits mapped to [0, n) by a multiply-shift), identical on any thread count.
struct IdSampler {
  const Ids* ids;
  datasets::NegativeSampler pick;
  std::uint64_t key, counter = 0;
  IdSampler(const Ids& v, std::uint64_t seed);
  std::int64_t operator()() { return (*ids)[pick.sample() - 1]; }
  void fill(std::int64_t* out, std::int64_t count);
  // Draws offset … offset + count − 1 of the next `total` (a process's part of a batch's draws), then moves past all
  // `total`: the same ids whichever process reads which part.
  void fill_part(std::int64_t* out, std::int64_t count, std::int64_t offset, std::int64_t total);
};

class SequentialTask : public Task {
 public:
  // data: loaded once (load_sequential_data); kept by reference.
  SequentialTask(const TrainConfig& cfg, const SequentialData& data, std::uint64_t seed);
  std::size_t begin_epoch(int epoch) override;
  double step(std::size_t b) override;
  std::size_t epoch_samples() const override { return rows_.size(); }
  const char* sample_unit() const override { return "rows"; }
  Metrics validate() override;
  Metrics test() override;
  std::map<std::string, std::string> epoch_state() const override;  // the negative sampler's position
  void restore_epoch_state(const std::map<std::string, std::string>& state) override;
  nn::Module& model() override { return *model_; }
  nn::Adam& optimizer() override { return adam_; }
  Generator& generator() override { return gen_; }
  models::SequenceModel& sequence_model() { return *model_; }

 private:
  // rows_[batch[i]] for i in [begin, end), this process's part of the batch -> its scalar loss (undefined with no
  // rows); share: its part of the batch's loss terms
  Tensor loss(const std::vector<std::size_t>& batch, std::size_t begin, std::size_t end, double& share);
  std::vector<Ids> bce_negatives(const std::vector<std::size_t>& batch, std::size_t begin, std::size_t end);
  TrainConfig cfg_;  // fitted to the data
  const SequentialData& data_;
  std::uint64_t seed_;
  Generator gen_;  // the model's initialisation and dropout masks
  std::unique_ptr<models::SequenceModel> model_;
  nn::Adam adam_;
  std::vector<datasets::Row> rows_;                         // one per training user: (seq, pos)
  std::vector<datasets::StreamRow> stream_rows_;            // the event stream's rows (with side inputs), if any
  std::vector<std::unordered_set<std::int64_t>> items_of_;  // each row's user's items (BCE negatives avoid them)
  std::vector<std::size_t> order_;
  std::unique_ptr<IdSampler> sampler_;
};

// Trains a SASRec or HSTU preset (not the chapter's: run_chapter) and tests it at the best validated epoch.
TrainResult train_sequential(const TrainConfig& cfg, const TrainOptions& opt);

}  // namespace recgrad::training
