#include "training/chapter_task.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "models/batching.hpp"
#include "models/evaluate.hpp"
#include "training/memory_estimate.hpp"
#include "training/optimizer_step.hpp"
#include "training/seeds.hpp"
#include "training/sequential_data.hpp"
#include "training/sequential_task.hpp"

namespace recgrad::training {

namespace {
constexpr double kTrainUserShare = 0.8;  // Keras' validation_split = 0.2: the last 20 % of users never train
}  // namespace

ChapterFeatures chapter_features(const datasets::UserSequences& raw, const TrainConfig& cfg) {
  datasets::require_users_with(raw, cfg.data.file, 3,
                               "the chapter trains on full[:-1], and 3 items give one input and its next item");
  ChapterFeatures f{datasets::ItemIdMap::by_ascending_id(raw), {}, {}, {}};
  const auto seqs = f.map.remap(raw);
  const std::int64_t T = cfg.max_len();
  // Users in ascending id order; the first floor(0.8 U) train.
  std::vector<std::size_t> users(seqs.users.size());
  std::iota(users.begin(), users.end(), 0);
  std::sort(users.begin(), users.end(), [&](auto a, auto b) { return seqs.users[a] < seqs.users[b]; });
  const auto n_train = static_cast<std::size_t>(std::floor(static_cast<double>(users.size()) * kTrainUserShare));
  for (std::size_t k = 0; k < n_train; ++k) {
    const auto& full = seqs.items[users[k]];
    f.train_rows.push_back(
        datasets::next_item_row({full.begin(), full.end() - 1}, T));  // seq full[:-2], pos full[1:-1]
  }
  for (std::size_t u : users) {
    const auto& full = seqs.items[u];
    f.test_seqs.push_back(datasets::left_pad({full.begin(), full.end() - 1}, T));
    f.targets.push_back(full.back());
  }
  return f;
}

Metrics evaluate_chapter(models::SequenceModel& model, const ChapterFeatures& features) {
  models::RankingOptions opt;
  opt.scoring = models::Scoring::cosine;
  opt.rank_padding_row = true;
  return models::full_ranking(models::last_position_vectors(model, features.test_seqs), model.item_table(),
                              features.targets, {}, opt);
}

ChapterTask::ChapterTask(const TrainConfig& cfg, const ChapterFeatures& features, std::uint64_t seed)
    : cfg_(fitted_to(cfg, features.map.num_items() + 1)),
      features_(features),
      gen_(seed),
      model_(make_sequence_model(cfg_, gen_)),
      adam_(make_adam(model_->to_(cfg_.train.where()).parameters(), cfg_.train)),
      sampler_(features.map.num_items(), derive_seed(seed, SeedStream::chapter_negatives)) {}

std::size_t ChapterTask::begin_epoch(int) {
  order_.resize(features_.train_rows.size());
  std::iota(order_.begin(), order_.end(), 0);
  shuffle(order_, gen_);
  const auto B = static_cast<std::size_t>(cfg_.train.batch_size);
  return (order_.size() + B - 1) / B;
}

// One BCE step on a batch of (seq, pos) rows with one uniform negative per position.
double ChapterTask::step(std::size_t b) {
  const auto B = static_cast<std::size_t>(cfg_.train.batch_size);
  std::vector<Ids> seq, pos, neg;
  for (std::size_t i = b * B; i < std::min(order_.size(), (b + 1) * B); ++i) {
    const datasets::Row& r = features_.train_rows[order_[i]];
    seq.push_back(r.seq);
    pos.push_back(r.pos);
    neg.emplace_back();
    for (std::size_t t = 0; t < r.pos.size(); ++t) neg.back().push_back(sampler_.sample());
  }
  const Tensor F = model_->forward(models::stack_rows(seq));  // (B, T, d)
  return optimizer_step(next_item_bce(F, model_->item_table(), pos, neg), adam_);
}

ChapterModel train_chapter(const ChapterFeatures& features, const TrainConfig& cfg, std::uint64_t seed) {
  ChapterTask task(cfg, features, seed);
  LoopOptions lo;
  lo.epochs = cfg.train.epochs;
  lo.progress = false;
  lo.test = false;  // the notebooks' step 5 tests
  TrainResult r = train(task, lo);
  return {task.take_model(), r.step_losses, r.train_seconds};
}

ChapterResult run_chapter(const datasets::UserSequences& raw, const TrainConfig& cfg, std::uint64_t seed) {
  const ChapterFeatures features = chapter_features(raw, cfg);
  return run_chapter(features, cfg, seed);
}

ChapterResult run_chapter(const ChapterFeatures& features, const TrainConfig& cfg, std::uint64_t seed) {
  check_memory(fitted_to(cfg, features.map.num_items() + 1), features.map.num_items() + 1, false);
  ChapterTask task(cfg, features, seed);
  LoopOptions lo;
  lo.epochs = cfg.train.epochs;
  lo.progress = false;
  const TrainResult r = train(task, lo);
  return {r.test, r.train_seconds, r.step_losses, task.take_model()};
}

}  // namespace recgrad::training
