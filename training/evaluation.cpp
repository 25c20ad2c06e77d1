#include "training/evaluation.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/core.h>

#include "models/batching.hpp"
#include "models/evaluate.hpp"
#include "models/hstu.hpp"
#include "models/sasrec.hpp"
#include "nn/checkpoint.hpp"
#include "training/seeds.hpp"

namespace recgrad::training {

namespace {

constexpr int kSampledNegatives = 100;  // sampled-100 ranking: the target against 100 unrated items (§2.7)

// F at the last position of each left-padded history, inference mode: (U, d).
Tensor user_vectors(models::SequenceModel& model, const std::vector<Ids>& histories, std::int64_t T, bool pad_right) {
  std::vector<Ids> rows;
  Ids last;  // right padding: the slot of the most recent item
  for (const auto& h : histories) {
    rows.push_back(pad_right ? datasets::right_pad(h, T) : datasets::left_pad(h, T));
    last.push_back(std::min<std::int64_t>(static_cast<std::int64_t>(h.size()), T) - 1);
  }
  return models::last_position_vectors(model, rows, pad_right ? last : Ids{});
}

// The preset's full-ranking rules: ks, dot or cosine, the input window removed or not, the candidates.
models::RankingOptions ranking_options(const TrainConfig& cfg, const SequentialData& data) {
  models::RankingOptions opt;
  opt.ks = cfg.eval.ks;
  opt.scoring = cfg.eval.scoring;
  opt.exclude_history = cfg.eval.exclude_history;
  opt.candidates = &data.candidate;
  return opt;
}

}  // namespace

Metrics evaluate_streams(const TrainConfig& cfg, models::SequenceModel& model, const SequentialData& data, bool test,
                         int min_rating, std::int64_t* users_kept) {
  const auto& targets_all = test ? data.split.test_target : data.split.valid_target;
  const auto& hist_all = test ? data.split.test_history : data.split.valid_history;
  std::vector<datasets::StreamRow> rows;
  std::vector<Ids> window;
  Ids targets;
  for (std::size_t u = 0; u < targets_all.size(); ++u) {
    if (targets_all[u] == 0) continue;
    const auto& st = data.streams[u];
    const std::size_t end = st.first_item + hist_all[u].size() + 1;  // the history and its target (query time)
    if (st.tokens[end - 1] != targets_all[u]) throw std::logic_error("evaluate_streams: stream and split disagree");
    if (st.actions[end - 1] < min_rating) continue;
    rows.push_back(datasets::stream_row(st, end, cfg.max_len(), cfg.data.padding == Padding::right));
    window.emplace_back();
    for (auto t : rows.back().seq)
      if (t != 0 && data.candidate[t]) window.back().push_back(t);  // the input window's items
    targets.push_back(targets_all[u]);
  }
  if (users_kept) *users_kept = static_cast<std::int64_t>(rows.size());
  const Tensor users = models::stream_vectors(model, rows, cfg.data.padding == Padding::right);
  return models::full_ranking(users, model.item_table(), targets, window, ranking_options(cfg, data));
}

Metrics evaluate_sequential(const TrainConfig& cfg, models::SequenceModel& model, const SequentialData& data, bool test,
                            std::uint64_t seed, TargetUsers who, bool rank_cold) {
  if (!data.streams.empty()) return evaluate_streams(cfg, model, data, test);
  const auto& targets_all = test ? data.split.test_target : data.split.valid_target;
  const auto& hist_all = test ? data.split.test_history : data.split.valid_history;
  std::vector<Ids> hist, window, rated;
  Ids targets, user_ids;
  for (std::size_t u = 0; u < targets_all.size(); ++u) {
    if (targets_all[u] == 0) continue;  // users with < 3 items only train
    const bool cold = data.cold[targets_all[u]] != 0;
    if ((who == TargetUsers::warm && cold) || (who == TargetUsers::cold && !cold)) continue;
    targets.push_back(targets_all[u]);
    hist.push_back(hist_all[u]);
    const std::size_t w = std::min<std::size_t>(hist_all[u].size(), static_cast<std::size_t>(cfg.max_len()));
    window.emplace_back(hist_all[u].end() - static_cast<std::ptrdiff_t>(w), hist_all[u].end());
    rated.push_back(data.full[u]);
    user_ids.push_back(data.users[u]);
  }
  if (cfg.eval.ranking == Ranking::sampled_100 && static_cast<int>(targets.size()) > cfg.eval.eval_users_max) {
    targets.resize(static_cast<std::size_t>(cfg.eval.eval_users_max));  // first users, a fixed subset
    hist.resize(targets.size());
    rated.resize(targets.size());
  }
  const Tensor users = user_vectors(model, hist, cfg.max_len(), cfg.data.padding == Padding::right);
  if (cfg.eval.ranking == Ranking::sampled_100)
    return models::sampled_ranking(users, model.item_table(), targets, rated, cfg.eval.ks, kSampledNegatives, seed,
                                   user_ids);
  models::RankingOptions ranking = ranking_options(cfg, data);
  std::vector<char> warm_candidate;  // rank_cold = false: the candidates less the cold items
  if (!rank_cold) {
    warm_candidate = data.candidate;
    for (std::size_t i = 0; i < warm_candidate.size(); ++i) warm_candidate[i] &= !data.cold[i];
    ranking.candidates = &warm_candidate;
  }
  return models::full_ranking(users, model.item_table(), targets, window, ranking);
}

EvalResult evaluate_checkpoint(const TrainConfig& cfg, const TrainOptions& opt,
                               const std::filesystem::path& checkpoint) {
  const SequentialData data = load_sequential_data(cfg, opt.data_dir, opt.seed);
  const TrainConfig c = fitted_to(cfg, data.vocab);
  Generator gen(opt.seed);
  const std::unique_ptr<models::SequenceModel> model = make_sequence_model(c, gen);
  model->to_(c.train.where());
  nn::load_into(checkpoint, model->named_parameters());  // names, shapes and sizes checked
  EvalResult r;
  r.valid =
      evaluate_sequential(c, *model, data, false, derive_seed(opt.seed, SeedStream::valid_ranking), TargetUsers::warm,
                          /*rank_cold=*/false);  // as training selected the epoch
  r.test = evaluate_sequential(c, *model, data, true, derive_seed(opt.seed, SeedStream::test_ranking));
  for (std::size_t i = 1; i < data.cold.size(); ++i) r.cold_items += data.cold[i] && data.candidate[i];
  if (r.cold_items > 0) {
    const std::uint64_t test_seed = derive_seed(opt.seed, SeedStream::test_ranking);
    r.test_cold = evaluate_sequential(c, *model, data, true, test_seed, TargetUsers::cold);
    r.test_warm = evaluate_sequential(c, *model, data, true, test_seed, TargetUsers::warm);
    r.test_warm_cold_unranked = evaluate_sequential(c, *model, data, true, test_seed, TargetUsers::warm, false);
    for (auto t : data.split.test_target) r.cold_users += t != 0 && data.cold[t];
  }
  if (!data.streams.empty()) r.test_rated_4_plus = evaluate_streams(c, *model, data, true, 4, &r.users_rated_4_plus);
  return r;
}

Tensor attention_map(const TrainConfig& cfg, const TrainOptions& opt, const std::filesystem::path& checkpoint,
                     std::size_t user_index) {
  const SequentialData data = load_sequential_data(cfg, opt.data_dir, opt.seed);
  const TrainConfig c = fitted_to(cfg, data.vocab);
  if (!data.streams.empty()) throw std::invalid_argument("attention_map: event-stream presets are not supported");
  if (user_index >= data.split.test_history.size())
    throw std::invalid_argument(
        fmt::format("attention_map: user index {} >= {} users", user_index, data.split.test_history.size()));
  Generator gen(opt.seed);
  const std::unique_ptr<models::SequenceModel> model = make_sequence_model(c, gen);
  nn::load_into(checkpoint, model->named_parameters());
  model->eval();
  const Ids& history = data.split.test_history[user_index];
  const std::int64_t L = std::min<std::int64_t>(static_cast<std::int64_t>(history.size()), c.max_len());
  const Ids window(history.end() - L, history.end());  // the last L items, unpadded: positions 0..L-1 from the start
  NoGradGuard no_grad;
  const Tensor seq = Tensor::from_vector(window, {1, L});  // no padding: a left- or right-padded model reads it alike
  model->forward(seq);
  Tensor A;  // (1, H, L, L)
  if (const auto* sasrec = dynamic_cast<const models::SASRec*>(model.get()))
    A = sasrec->blocks[0]->attn.last_attention();
  else if (const auto* hstu = dynamic_cast<const models::HSTU*>(model.get()))
    A = hstu->blocks[0]->last_attention;
  else
    throw std::invalid_argument("attention_map: only SASRec and HSTU have attention maps");
  return reshape(slice(A, 1, 0, 1).contiguous(), {L, L});  // head 0
}

}  // namespace recgrad::training
