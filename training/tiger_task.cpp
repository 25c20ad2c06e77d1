#include "training/tiger_task.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <optional>
#include <unordered_set>

#include <fmt/core.h>

#include "models/tiger_decoding.hpp"
#include "nn/checkpoint.hpp"
#include "training/data_parallel.hpp"
#include "training/memory_estimate.hpp"
#include "training/optimizer_step.hpp"
#include "training/seeds.hpp"
#include "training/tiger_evaluation.hpp"

namespace recgrad::training {

namespace {

constexpr std::size_t kLengthWindowBatches = 50;  // samples are sorted by length within windows of this many batches

// Every (user, t ≥ 1) of the training lists, or `per_user` positions drawn per user.
std::vector<TigerTask::Sample> samples_of_epoch(const TigerData& data, int per_user, Generator& gen) {
  std::vector<TigerTask::Sample> s;
  for (std::size_t u = 0; u < data.split.train.size(); ++u) {
    const std::size_t n = data.split.train[u].size();
    if (n < 2) continue;
    if (per_user <= 0 || static_cast<std::size_t>(per_user) >= n - 1) {
      for (std::size_t t = 1; t < n; ++t) s.push_back({u, t});
    } else {
      for (int k = 0; k < per_user; ++k)
        s.push_back({u, 1 + static_cast<std::size_t>(gen.next_int(static_cast<std::int64_t>(n - 1)))});
    }
  }
  return s;
}

// How many samples samples_of_epoch draws (the same for every epoch).
std::size_t samples_per_epoch(const TigerData& data, int per_user) {
  std::size_t count = 0;
  for (const auto& list : data.split.train) {
    const std::size_t n = list.size();
    if (n >= 2)
      count +=
          per_user <= 0 || static_cast<std::size_t>(per_user) >= n - 1 ? n - 1 : static_cast<std::size_t>(per_user);
  }
  return count;
}

// Shuffles, then sorts each window of 50 batches by history length so that a batch pads little.
void shuffle_by_length(std::vector<TigerTask::Sample>& s, std::int64_t batch, Generator& gen) {
  shuffle(s, gen);
  const std::size_t window = static_cast<std::size_t>(batch) * kLengthWindowBatches;
  for (std::size_t w = 0; w < s.size(); w += window)
    std::stable_sort(s.begin() + static_cast<std::ptrdiff_t>(w),
                     s.begin() + static_cast<std::ptrdiff_t>(std::min(s.size(), w + window)),
                     [](const TigerTask::Sample& a, const TigerTask::Sample& b) { return a.target < b.target; });
}

// One teacher-forced step: decoder input [BOS, t_1..t_m], targets [t_1..t_{m+1}] (as logit indices).
// -> the cross-entropy over the P code positions of every sample, (scalar)
// The teacher-forced loss of samples [begin, end) of `batch` (this process's part; all of it without MPI): the
// encoder reads each sample's history, the decoder its target's semantic ID after BOS, and the loss is the
// cross-entropy of every ID token (a mean over the part's B·P tokens). Rows are padded to the whole batch's widest,
// so that a row's dropout draws are those of a single process. -> scalar
Tensor teacher_forced_loss(const models::Tiger& model, const TigerData& data, const models::SemanticIdTable& ids,
                           const std::vector<TigerTask::Sample>& batch, std::size_t begin, std::size_t end) {
  const models::TokenSpace& space = model.space;
  const int P = space.positions();
  std::vector<std::vector<std::int64_t>> enc;
  std::vector<std::int64_t> dec, target;
  std::size_t width = 1;
  for (std::size_t k = 0; k < batch.size(); ++k) {
    const TigerTask::Sample& s = batch[k];
    const auto& list = data.split.train[s.user];
    const std::vector<std::int64_t> history(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(s.target));
    auto tokens = models::encoder_tokens(space, ids, data.users[s.user], history, model.config.max_items);
    width = std::max(width, tokens.size());
    if (k < begin || k >= end) continue;
    enc.push_back(std::move(tokens));
    const auto& id = ids.id[list[s.target]];
    dec.push_back(models::TokenSpace::bos);
    for (int p = 0; p < P; ++p) {
      if (p + 1 < P) dec.push_back(space.token(p, id[p]));
      target.push_back(space.logit(p, id[p]));
    }
  }
  const std::int64_t B = static_cast<std::int64_t>(end - begin);
  const Tensor tokens = models::pad_rows(enc, width);
  const Tensor memory = model.encode(tokens);  // (B, S, d)
  const Tensor logits =
      model.decode(Tensor::from_vector(dec, {B, P}), memory, models::token_valid(tokens));  // (B, P, V)
  return cross_entropy(reshape(logits, {B * P, space.n_semantic()}), Tensor::from_vector(target, {B * P}));
}

}  // namespace

TigerTask::TigerTask(const TrainConfig& cfg, const TigerData& data, const models::SemanticIdTable& ids,
                     std::uint64_t seed, bool progress)
    : cfg_(cfg),
      data_(data),
      ids_(ids),
      seed_(seed),
      progress_(progress),
      trie_(ids),
      gen_(seed),
      model_(cfg.tiger, models::TokenSpace(ids, cfg.tiger.user_buckets), gen_),
      adam_(make_adam(model_.to_(cfg.train.where()).parameters(), cfg.train)) {
  for (int k : cfg.eval.ks)
    if (k > cfg.tiger.beam)
      throw std::invalid_argument(
          fmt::format("tiger: k = {} is larger than the beam ({}): Recall@{} would be capped", k, cfg.tiger.beam, k));
  valid_users_ = users_with_target(data, false, 0);
  if (cfg.tiger.valid_users > 0 && static_cast<std::size_t>(cfg.tiger.valid_users) < valid_users_.size()) {
    Generator pick(derive_seed(seed, SeedStream::valid_users));  // a fixed subset, the same at every epoch
    shuffle(valid_users_, pick);
    valid_users_.resize(static_cast<std::size_t>(cfg.tiger.valid_users));
    std::sort(valid_users_.begin(), valid_users_.end());
  }
  const std::size_t per_epoch = samples_per_epoch(data, cfg.tiger.prefixes_per_user);
  const auto B = static_cast<std::size_t>(cfg.train.batch_size);
  total_steps_ = static_cast<std::int64_t>((per_epoch + B - 1) / B) * cfg.train.epochs;
  for (std::size_t i = 1; i < data.cold.size(); ++i) test_.cold_items += data.cold[i];
  if (progress) {
    std::int64_t n = 0;
    for (const auto& p : model_.parameters()) n += p.numel();
    fmt::print("tiger: {} users, {} items ({} cold), {} training samples per epoch, {} parameters, vocabulary {}\n",
               data.users.size(), data.num_items(), test_.cold_items, per_epoch, n, model_.space.vocab());
  }
}

// Linear warm-up over tiger.warmup_steps, then constant or a cosine decay to 0 at the run's last step.
double TigerTask::learning_rate() const {
  const std::int64_t step = adam_.steps();
  const double warm = static_cast<double>(std::max<std::int64_t>(1, cfg_.tiger.warmup_steps));
  double lr = cfg_.train.lr * std::min(1.0, static_cast<double>(step + 1) / warm);
  if (cfg_.tiger.lr_schedule == LrSchedule::cosine)
    lr *= 0.5 * (1.0 + std::cos(M_PI * static_cast<double>(step) /
                                static_cast<double>(std::max<std::int64_t>(1, total_steps_))));
  return lr;
}

std::size_t TigerTask::begin_epoch(int epoch) {
  Generator order(derive_seed(seed_, SeedStream::epoch_order, static_cast<std::uint64_t>(epoch)));
  samples_ = samples_of_epoch(data_, cfg_.tiger.prefixes_per_user, order);
  shuffle_by_length(samples_, cfg_.train.batch_size, order);
  starts_.clear();  // batches in a shuffled order (each batch holds similar lengths)
  for (std::size_t s = 0; s < samples_.size(); s += static_cast<std::size_t>(cfg_.train.batch_size))
    starts_.push_back(s);
  shuffle(starts_, order);
  return starts_.size();
}

double TigerTask::step(std::size_t b) {
  adam_.set_lr(learning_rate());
  const auto first = samples_.begin() + static_cast<std::ptrdiff_t>(starts_[b]);
  const auto end = std::min(samples_.size(), starts_[b] + static_cast<std::size_t>(cfg_.train.batch_size));
  const std::vector<Sample> batch(first, samples_.begin() + static_cast<std::ptrdiff_t>(end));
  const auto [lo, hi] = dp::shard(batch.size());  // this process's samples (all of them without MPI)
  const double share = static_cast<double>(hi - lo) / static_cast<double>(batch.size());
  Tensor loss;
  if (hi > lo) {
    std::optional<dp::RowShardGuard> rows_of_batch;  // dropout: this process's rows of the whole batch's masks
    if (dp::world().active()) rows_of_batch.emplace(gen_, lo, hi - lo, batch.size());
    loss = teacher_forced_loss(model_, data_, ids_, batch, lo, hi);
  }
  const double value = optimizer_step(loss, adam_, model_.named_parameters(), share);
  if (batch.size() < static_cast<std::size_t>(dp::world().size))  // a process with no rows drew no dropout
    gen_.set_state(gen_.seed(), dp::max(gen_.counter()));
  return value;
}

std::size_t TigerTask::batch_samples(std::size_t b) const {
  return std::min(samples_.size(), starts_.at(b) + static_cast<std::size_t>(cfg_.train.batch_size)) - starts_.at(b);
}

std::vector<std::int64_t> TigerTask::encoder_lengths(std::size_t b) const {
  std::vector<std::int64_t> lengths;
  for (std::size_t s = starts_.at(b); s < starts_.at(b) + batch_samples(b); ++s)
    lengths.push_back(models::encoder_length(model_.space, static_cast<std::int64_t>(samples_[s].target),
                                             cfg_.tiger.max_items));  // history = the items before the target
  return lengths;
}

std::string TigerTask::epoch_note() const { return fmt::format("  lr {:.2e}", adam_.lr()); }

Metrics TigerTask::validate() {
  return metrics_of(beam_ranks(model_, data_, ids_, trie_, cfg_, valid_users_, false, &test_.invalid_ids, progress_),
                    cfg_.eval.ks);
}

Metrics TigerTask::test() {
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<std::size_t> users = test_users(data_, cfg_.tiger.test_users);
  const std::vector<std::int64_t> ranks =
      beam_ranks(model_, data_, ids_, trie_, cfg_, users, true, &test_.invalid_ids, progress_);
  test_.all = metrics_of(ranks, cfg_.eval.ks);
  test_.users = static_cast<std::int64_t>(users.size());
  if (test_.cold_items > 0) {
    std::vector<char> cold(users.size()), warm(users.size());
    for (std::size_t i = 0; i < users.size(); ++i) warm[i] = !(cold[i] = data_.cold[data_.split.test_target[users[i]]]);
    test_.cold_users = std::count(cold.begin(), cold.end(), 1);
    test_.cold = metrics_of(ranks, cfg_.eval.ks, cold);
    test_.warm = metrics_of(ranks, cfg_.eval.ks, warm);
  }
  if (progress_)
    fmt::print("test: {:.1f} s, {} generated IDs that name no item\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), test_.invalid_ids);
  return test_.all;
}

TigerResult train_tiger(const TrainConfig& cfg, const TrainOptions& opt) {
  const TigerData data = load_tiger_data(cfg, opt.data_dir, opt.seed);
  check_memory(cfg, 0, opt.progress);
  const SemanticIdRun sid = build_semantic_ids(cfg, data, opt.seed, opt.cache_dir, opt.progress);
  if (opt.progress) print_usage(sid.usage, sid.table);
  if (!opt.run_dir.empty() && dp::world().root()) {  // in parallel, rank 0 writes the run directory
    std::filesystem::create_directories(opt.run_dir);
    models::write_semantic_ids(opt.run_dir / "semantic_ids.tsv", sid.table, data.raw_item);
  }
  TigerTask task(cfg, data, sid.table, opt.seed, opt.progress);
  TigerResult result{train(task, loop_options(cfg, opt)), task.last_test(), sid.usage, sid.table.collision_size};
  return result;
}

TigerResult evaluate_tiger_checkpoint(const TrainConfig& cfg, const TrainOptions& opt,
                                      const std::filesystem::path& checkpoint) {
  const TigerData data = load_tiger_data(cfg, opt.data_dir, opt.seed);
  const SemanticIdRun sid = build_semantic_ids(cfg, data, opt.seed, opt.cache_dir, opt.progress);
  TigerTask task(cfg, data, sid.table, opt.seed, false);
  nn::load_into(checkpoint, task.model().named_parameters());  // names, shapes and sizes checked
  TigerResult result;
  result.train.test = task.test();
  result.test = task.last_test();
  result.usage = sid.usage;
  result.collision_size = sid.table.collision_size;
  return result;
}

}  // namespace recgrad::training
