#include "training/sequential_task.hpp"

#include <algorithm>
#include <numeric>
#include <optional>
#include <stdexcept>

#include "autograd/kernels/kernel_path.hpp"
#include "models/batching.hpp"
#include "nn/losses.hpp"
#include "training/data_parallel.hpp"
#include "training/evaluation.hpp"
#include "training/memory_estimate.hpp"
#include "training/optimizer_step.hpp"
#include "training/seeds.hpp"

namespace recgrad::training {

Tensor next_item_bce(const Tensor& F, const Tensor& M, const std::vector<Ids>& pos, const std::vector<Ids>& neg) {
  const std::int64_t N = F.size(0) * F.size(1);
  const Tensor P = models::stack_rows(pos);  // (B, T)
  // r = F_t · M_i for the positive and the negative item of each position
  const Tensor s_pos = reshape(sum(F * embedding(M, P), {-1}), {N});
  const Tensor s_neg = reshape(sum(F * embedding(M, models::stack_rows(neg)), {-1}), {N, 1});
  return nn::bce_sampled(s_pos, s_neg, reshape(padding_mask(P), {N}).to(F.device()));
}

IdSampler::IdSampler(const Ids& v, std::uint64_t seed)
    : ids(&v), pick(static_cast<std::int64_t>(v.size()), seed), key(splitmix64(seed ^ 0x5bd1e995ull)) {}

void IdSampler::fill(std::int64_t* out, std::int64_t count) { fill_part(out, count, 0, count); }

void IdSampler::fill_part(std::int64_t* out, std::int64_t count, std::int64_t offset, std::int64_t total) {
  const std::uint64_t base = counter + static_cast<std::uint64_t>(offset), n = ids->size();
  const std::int64_t* v = ids->data();
#pragma omp parallel for schedule(static) if (count >= kernels::kParallelGrain)
  for (std::int64_t i = 0; i < count; ++i)
    out[i] = v[((splitmix64(key ^ (base + static_cast<std::uint64_t>(i))) >> 32) * n) >> 32];
  counter += static_cast<std::uint64_t>(total);
}

namespace {

// BCE draws each position's negative until it finds a candidate the user never interacted with; for a user
// who has every candidate that draw would never end.
void check_has_negatives(const SequentialData& data, std::size_t u, const std::unordered_set<std::int64_t>& items) {
  std::size_t rated = 0;
  for (std::int64_t i : items)
    rated += i > 0 && i < static_cast<std::int64_t>(data.candidate.size()) && data.candidate[i] && !data.cold[i];
  if (rated >= data.negative_ids.size())
    throw std::runtime_error("user " + std::to_string(data.users[u]) + " has interacted with all " +
                             std::to_string(data.negative_ids.size()) +
                             " candidate items that negatives are drawn from (cold items are not), so the BCE loss has "
                             "no negative for it (use [train] loss = "
                             "\"sampled_softmax\", or data where every user leaves some item unseen)");
}

}  // namespace

SequentialTask::SequentialTask(const TrainConfig& cfg, const SequentialData& data, std::uint64_t seed)
    : cfg_(fitted_to(cfg, data.vocab)),
      data_(data),
      seed_(seed),
      gen_(seed),
      model_(make_sequence_model(cfg_, gen_)),
      adam_(make_adam(model_->to_(cfg_.train.where()).parameters(), cfg_.train)) {
  const bool right = cfg_.data.padding == Padding::right;
  for (std::size_t u = 0; u < data.split.train.size(); ++u) {
    if (data.split.train[u].size() < 2) continue;
    if (!data.streams.empty()) {
      const auto& st = data.streams[u];
      stream_rows_.push_back(
          datasets::stream_row(st, st.first_item + data.split.train[u].size(), cfg_.max_len(), right));
      rows_.push_back({stream_rows_.back().seq, stream_rows_.back().pos});
    } else {
      rows_.push_back(datasets::next_item_row(data.split.train[u], cfg_.max_len(), right));
    }
    items_of_.emplace_back(data.full[u].begin(), data.full[u].end());
    if (cfg_.train.loss == Loss::bce) check_has_negatives(data, u, items_of_.back());
  }
}

std::size_t SequentialTask::begin_epoch(int epoch) {
  const auto e = static_cast<std::uint64_t>(epoch);
  Generator shuffle(derive_seed(seed_, SeedStream::epoch_order, e));
  sampler_ = std::make_unique<IdSampler>(data_.negative_ids, derive_seed(seed_, SeedStream::negatives, e));
  order_.resize(rows_.size());
  std::iota(order_.begin(), order_.end(), 0);
  recgrad::shuffle(order_, shuffle);
  const auto B = static_cast<std::size_t>(cfg_.train.batch_size);
  return (order_.size() + B - 1) / B;
}

double SequentialTask::step(std::size_t b) {
  const auto B = static_cast<std::size_t>(cfg_.train.batch_size);
  const std::vector<std::size_t> batch(order_.begin() + b * B, order_.begin() + std::min(order_.size(), (b + 1) * B));
  const auto [begin, end] = dp::shard(batch.size());  // this process's rows (all of them without MPI)
  double share = 1.0;
  const Tensor L = loss(batch, begin, end, share);
  const double value = optimizer_step(L, adam_, model_->named_parameters(), share);
  if (batch.size() < static_cast<std::size_t>(dp::world().size))  // a process with no rows drew no dropout
    gen_.set_state(gen_.seed(), dp::max(gen_.counter()));
  return value;
}

// One negative per position of every row of the batch, not among the row's user's items, drawn for the whole
// batch in order (a draw may be rejected, so a process cannot skip to its rows) -> rows [begin, end)'s negatives
std::vector<Ids> SequentialTask::bce_negatives(const std::vector<std::size_t>& batch, std::size_t begin,
                                               std::size_t end) {
  std::vector<Ids> neg;
  for (std::size_t k = 0; k < batch.size(); ++k) {
    Ids row;
    for (std::size_t t = 0; t < rows_[batch[k]].pos.size(); ++t) {
      std::int64_t n;
      do n = (*sampler_)();
      while (items_of_[batch[k]].count(n));
      row.push_back(n);
    }
    if (k >= begin && k < end) neg.push_back(std::move(row));
  }
  return neg;
}

Tensor SequentialTask::loss(const std::vector<std::size_t>& batch, std::size_t begin, std::size_t end, double& share) {
  // the loss is a mean over the batch's target positions: this process's part of them weighs its mean
  std::int64_t before = 0, mine = 0, all = 0;
  for (std::size_t k = 0; k < batch.size(); ++k) {
    const auto& p = rows_[batch[k]].pos;
    const auto n = static_cast<std::int64_t>(std::count_if(p.begin(), p.end(), [](auto i) { return i != 0; }));
    if (k < begin)
      before += n;
    else if (k < end)
      mine += n;
    all += n;
  }
  share = all > 0 ? static_cast<double>(mine) / static_cast<double>(all) : 0.0;
  const std::int64_t K = cfg_.train.negatives;
  std::vector<Ids> neg;
  if (cfg_.train.loss == Loss::bce) neg = bce_negatives(batch, begin, end);
  if (begin == end) {  // no rows here: nothing to compute, the samplers still move as for the whole batch
    if (cfg_.train.loss != Loss::bce) sampler_->counter += static_cast<std::uint64_t>(all * K);
    return Tensor();
  }
  std::vector<Ids> seq, pos;
  std::vector<const datasets::StreamRow*> side;
  for (std::size_t k = begin; k < end; ++k) {
    seq.push_back(rows_[batch[k]].seq);
    pos.push_back(rows_[batch[k]].pos);
    if (!stream_rows_.empty()) side.push_back(&stream_rows_[batch[k]]);
  }
  std::optional<dp::RowShardGuard> rows_of_batch;  // dropout: this process's rows of the whole batch's masks
  if (dp::world().active()) rows_of_batch.emplace(gen_, begin, end - begin, batch.size());
  const Tensor F = side.empty() ? model_->forward(models::stack_rows(seq))
                                : model_->forward(models::stack_rows(seq), models::stack_side(side));  // (b, T, d)
  const Tensor& M = model_->item_table();
  if (cfg_.train.loss == Loss::bce) return next_item_bce(F, M, pos, neg);
  // sampled softmax over the valid positions: the next item against k negatives drawn for each position
  // (uniform with replacement, as the HSTU paper's code samples them), logits = <F_t, e> / τ on L2-normalised vectors
  const std::int64_t T = F.size(1);
  Ids rows_idx, pos_ids;
  for (std::size_t k = 0; k < pos.size(); ++k)
    for (std::int64_t t = 0; t < T; ++t)
      if (pos[k][t] != 0) {
        rows_idx.push_back(static_cast<std::int64_t>(k) * T + t);
        pos_ids.push_back(pos[k][t]);
      }
  const std::int64_t N = static_cast<std::int64_t>(rows_idx.size());
  Tensor neg_ids = Tensor::empty({N, K}, DType::i64);
  sampler_->fill_part(neg_ids.data<std::int64_t>(), N * K, before * K, all * K);
  return nn::sampled_softmax_head(F, M, Tensor::from_vector(rows_idx, {N}), Tensor::from_vector(pos_ids, {N}), neg_ids,
                                  {cfg_.train.temperature, cfg_.train.l2_normalize});
}

std::map<std::string, std::string> SequentialTask::epoch_state() const {
  return {{"sampler_state", std::to_string(sampler_->pick.state())},
          {"sampler_counter", std::to_string(sampler_->counter)}};
}

void SequentialTask::restore_epoch_state(const std::map<std::string, std::string>& state) {
  const auto value = [&](const char* key) {
    const auto it = state.find(key);
    if (it == state.end())
      throw std::runtime_error(std::string("checkpoint: no task.") + key + " for a mid-epoch resume");
    try {
      return std::stoull(it->second);
    } catch (const std::logic_error&) {
      throw std::runtime_error(std::string("checkpoint: corrupt task.") + key + " '" + it->second + "'");
    }
  };
  sampler_->pick.set_state(value("sampler_state"));
  sampler_->counter = value("sampler_counter");
}

Metrics SequentialTask::validate() {
  // model selection never looks at a cold item: the users whose validation item was trained on, ranking the
  // items that were
  return evaluate_sequential(cfg_, *model_, data_, false, derive_seed(seed_, SeedStream::valid_ranking),
                             TargetUsers::warm, /*rank_cold=*/false);
}

Metrics SequentialTask::test() {
  return evaluate_sequential(cfg_, *model_, data_, true, derive_seed(seed_, SeedStream::test_ranking));
}

TrainResult train_sequential(const TrainConfig& cfg, const TrainOptions& opt) {
  const SequentialData data = load_sequential_data(cfg, opt.data_dir, opt.seed);
  check_memory(fitted_to(cfg, data.vocab), data.vocab, opt.progress);
  SequentialTask task(cfg, data, opt.seed);
  return train(task, loop_options(cfg, opt));
}

}  // namespace recgrad::training
