#include "training/sequential_data.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include <fmt/core.h>

#include "models/hstu.hpp"
#include "models/sasrec.hpp"
#include "nn/relative_bias.hpp"
#include "training/cold_items.hpp"

namespace recgrad::training {

namespace {

// [data] time_fill: the unknown times filled along the sequence file's (chronological) order, as
// docs/REPRODUCTION.md §4.5 states; with [data] hide_times, measured ones are forgotten first and the fill is
// compared with them.
void fill_times(const TrainConfig& cfg, const std::filesystem::path& path,
                std::vector<std::vector<std::int64_t>>& times, const std::vector<std::vector<int>>& stars) {
  const bool hide = cfg.data.hide_times == datasets::HideTimes::like_partial_ts;
  std::vector<std::vector<std::int64_t>> measured, hidden;  // kept only to score the fill
  if (hide) {
    measured = times;
    fmt::print("{}: {} measured times hidden (1-{} stars, before {}), as ratings.partial_ts.dat.gz lacks them\n",
               path.string(), datasets::hide_like_partial_ts(times, stars), datasets::kPartialTsUnknownMaxStars,
               datasets::kPartialTsUnknownBefore);
    hidden = times;
  }
  fmt::print("{}: {} by rule '{}'\n", path.string(), datasets::fill_unknown_times(times, cfg.data.time_fill).str(),
             name_of(cfg.data.time_fill));
  if (hide)
    fmt::print("{}: rule '{}': {}\n", path.string(), name_of(cfg.data.time_fill),
               datasets::fill_error(measured, hidden, times, nn::time_bucket).str());
}

// With [data] ratings: keep the users that have ratings, attach times and ratings, and build each
// user's token stream (attribute tokens first when [data] user_attributes is set, at ids vocab..vocab+29).
void build_streams(const TrainConfig& cfg, const std::filesystem::path& dir, datasets::UserSequences& s,
                   std::vector<std::vector<std::int64_t>>& times, std::vector<std::vector<int>>& stars) {
  if (cfg.data.id_space != IdSpace::raw)
    throw std::invalid_argument("[data] ratings needs id_space = \"raw\" (ratings use MovieIDs)");
  const auto path = dir / cfg.data.ratings;
  const bool fill = cfg.data.time_fill != datasets::TimeFill::none;
  auto timed = datasets::attach_ratings(s, datasets::read_ratings(path, fill), path.string());
  if (timed.seqs.users.empty())
    throw std::runtime_error(path.string() + ": no user of " + cfg.data.file + " has ratings here");
  if (fill) fill_times(cfg, path, timed.times, timed.ratings);
  s = std::move(timed.seqs);
  times = std::move(timed.times);
  stars = std::move(timed.ratings);
}

// The token stream of every user (datasets/event_stream.hpp): with [data] user_attributes, 30 attribute
// tokens are appended to the vocabulary (never candidates) and each stream starts with its user's three.
void add_streams(const TrainConfig& cfg, const std::filesystem::path& dir, const datasets::UserSequences& s,
                 const std::vector<std::vector<std::int64_t>>& times, const std::vector<std::vector<int>>& stars,
                 SequentialData& d) {
  std::map<std::int64_t, datasets::User> users;
  const datasets::AttributeTokens attr{d.vocab};
  if (!cfg.data.user_attributes.empty()) {
    for (const auto& u : datasets::read_users(dir / cfg.data.user_attributes)) users[u.id] = u;
    d.vocab += datasets::AttributeTokens::kCount;
    d.candidate.resize(static_cast<std::size_t>(d.vocab), 0);
  }
  for (std::size_t u = 0; u < s.users.size(); ++u) {
    Ids attributes;
    if (!users.empty()) {
      const auto it = users.find(s.users[u]);
      if (it == users.end())
        throw std::runtime_error((dir / cfg.data.user_attributes).string() + ": user " + std::to_string(s.users[u]) +
                                 " is missing");
      for (auto t : attr.of(it->second)) attributes.push_back(t);
    }
    d.streams.push_back(
        datasets::make_stream(s.items[u], times[u], stars[u], attributes, cfg.data.positive_min_rating));
  }
}

}  // namespace

SequentialData load_sequential_data(const TrainConfig& cfg, const std::filesystem::path& dir, std::uint64_t seed) {
  const auto path = dir / cfg.data.file;
  datasets::UserSequences s =
      cfg.data.format == DataFormat::pairs ? datasets::read_user_item_pairs(path) : datasets::read_sequences(path);
  std::vector<std::vector<std::int64_t>> times;
  std::vector<std::vector<int>> stars;
  if (!cfg.data.ratings.empty()) build_streams(cfg, dir, s, times, stars);
  datasets::require_users_with(s, path.string(), 3, "leave-one-out needs a training, a validation and a test item");
  SequentialData d;
  if (cfg.data.id_space == IdSpace::ascending) {
    const auto map = datasets::ItemIdMap::by_ascending_id(s);
    s = map.remap(s);
    d.vocab = map.num_items() + 1;
    d.candidate.assign(static_cast<std::size_t>(d.vocab), 1);
  } else {  // raw ids
    std::int64_t max_id = 0;
    for (const auto& v : s.items)
      for (auto i : v) max_id = std::max(max_id, i);
    Ids cand;
    if (!cfg.data.candidates.empty())
      for (const auto& m : datasets::read_movies(dir / cfg.data.candidates)) cand.push_back(m.id);
    else
      for (const auto& v : s.items) cand.insert(cand.end(), v.begin(), v.end());
    for (auto i : cand) max_id = std::max(max_id, i);
    d.vocab = max_id + 1;
    d.candidate.assign(static_cast<std::size_t>(d.vocab), 0);
    for (auto i : cand) d.candidate[i] = 1;
    for (const auto& v : s.items)
      for (auto i : v)
        if (!d.candidate[i])
          throw std::runtime_error(path.string() + ": item " + std::to_string(i) + " is not in " + cfg.data.candidates);
  }
  if (!cfg.data.ratings.empty()) add_streams(cfg, dir, s, times, stars, d);
  d.candidate[0] = 0;
  d.split = cfg.data.split == Split::reference ? datasets::reference_split(s) : datasets::leave_one_out(s);
  // cold start: drawn over the ids 1..vocab-1, held out of every training list and of the negatives
  if (cfg.data.cold_item_share > 0 && !d.streams.empty())
    throw std::invalid_argument("[data] cold_item_share: not supported with an event stream ([data] ratings)");
  d.cold = draw_cold_items(static_cast<std::size_t>(d.vocab) - 1, cfg.data.cold_item_share, seed);
  remove_cold(d.split.train, d.cold);
  for (std::int64_t i = 1; i < d.vocab; ++i)
    if (d.candidate[i] && !d.cold[i]) d.negative_ids.push_back(i);
  d.full = s.items;
  d.users = s.users;
  return d;
}

TrainConfig fitted_to(const TrainConfig& cfg, std::int64_t vocab) {
  TrainConfig c = cfg;
  c.sasrec.vocab = c.hstu.vocab = vocab;
  c.sasrec.positions_from_start = c.hstu.positions_from_start = c.data.padding == Padding::right;
  return c;
}

std::unique_ptr<models::SequenceModel> make_sequence_model(const TrainConfig& fitted, Generator& gen) {
  if (fitted.model == ModelKind::hstu) return std::make_unique<models::HSTU>(fitted.hstu, gen);
  return std::make_unique<models::SASRec>(fitted.sasrec, gen);
}

}  // namespace recgrad::training
