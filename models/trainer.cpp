#include "models/trainer.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <unordered_set>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "autograd/anomaly.hpp"
#include "autograd/generator.hpp"
#include "datasets/event_stream.hpp"
#include "datasets/sequences.hpp"
#include "models/batching.hpp"
#include "models/evaluate.hpp"
#include "nn/checkpoint.hpp"
#include "nn/losses.hpp"
#include "nn/optim.hpp"

namespace recgrad::models {

namespace {

using Ids = std::vector<std::int64_t>;

// ---- data -------------------------------------------------------------------------------------------

struct Data {
  datasets::LeaveOneOut split;
  std::vector<Ids> full;        // per user, in the model's id space
  std::int64_t vocab = 0;       // rows of the item table (ids 1..vocab-1, 0 = padding)
  std::vector<char> candidate;  // vocab flags: may be ranked and sampled as a negative
  Ids candidate_ids;
  std::vector<datasets::Stream> streams;  // per user, when the preset reads ratings (the event stream)
};

// With [data] ratings: keep the users that have ratings, attach times and ratings, and build each
// user's token stream (attribute tokens first when [data] user_attributes is set, at ids vocab..vocab+29).
void build_streams(const TrainConfig& cfg, const std::filesystem::path& dir, datasets::UserSequences& s,
                   std::vector<std::vector<std::int64_t>>& times, std::vector<std::vector<int>>& stars) {
  if (cfg.id_space != "raw") throw std::invalid_argument("[data] ratings needs id_space = \"raw\" (ratings use MovieIDs)");
  const auto path = dir / cfg.ratings_file;
  auto timed = datasets::attach_ratings(s, datasets::read_ratings(path), path.string());
  if (timed.seqs.users.empty()) throw std::runtime_error(path.string() + ": no user of " + cfg.data_file + " has ratings here");
  s = std::move(timed.seqs);
  times = std::move(timed.times);
  stars = std::move(timed.ratings);
}

// The token stream of every user (datasets/event_stream.hpp): with [data] user_attributes, 30 attribute
// tokens are appended to the vocabulary (never candidates) and each stream starts with its user's three.
void add_streams(const TrainConfig& cfg, const std::filesystem::path& dir, const datasets::UserSequences& s,
                 const std::vector<std::vector<std::int64_t>>& times, const std::vector<std::vector<int>>& stars, Data& d) {
  std::map<std::int64_t, datasets::User> users;
  const datasets::AttributeTokens attr{d.vocab};
  if (!cfg.user_attributes_file.empty()) {
    for (const auto& u : datasets::read_users(dir / cfg.user_attributes_file)) users[u.id] = u;
    d.vocab += datasets::AttributeTokens::kCount;
    d.candidate.resize(static_cast<std::size_t>(d.vocab), 0);
  }
  for (std::size_t u = 0; u < s.users.size(); ++u) {
    Ids attributes;
    if (!users.empty()) {
      const auto it = users.find(s.users[u]);
      if (it == users.end())
        throw std::runtime_error((dir / cfg.user_attributes_file).string() + ": user " + std::to_string(s.users[u]) + " is missing");
      for (auto t : attr.of(it->second)) attributes.push_back(t);
    }
    d.streams.push_back(datasets::make_stream(s.items[u], times[u], stars[u], attributes, cfg.positive_min_rating));
  }
}

Data load_data(const TrainConfig& cfg, const std::filesystem::path& dir) {
  const auto path = dir / cfg.data_file;
  datasets::UserSequences s = cfg.data_format == "pairs" ? datasets::read_user_item_pairs(path)
                                                          : datasets::read_sequences(path);
  std::vector<std::vector<std::int64_t>> times;
  std::vector<std::vector<int>> stars;
  if (!cfg.ratings_file.empty()) build_streams(cfg, dir, s, times, stars);
  Data d;
  if (cfg.id_space == "ascending") {
    const auto map = datasets::ItemIdMap::by_ascending_id(s);
    s = map.remap(s);
    d.vocab = map.num_items() + 1;
    d.candidate.assign(static_cast<std::size_t>(d.vocab), 1);
  } else {  // raw ids
    std::int64_t max_id = 0;
    for (const auto& v : s.items)
      for (auto i : v) max_id = std::max(max_id, i);
    Ids cand;
    if (!cfg.candidates_file.empty())
      for (const auto& m : datasets::read_movies(dir / cfg.candidates_file)) cand.push_back(m.id);
    else
      for (const auto& v : s.items) cand.insert(cand.end(), v.begin(), v.end());
    for (auto i : cand) max_id = std::max(max_id, i);
    d.vocab = max_id + 1;
    d.candidate.assign(static_cast<std::size_t>(d.vocab), 0);
    for (auto i : cand) d.candidate[i] = 1;
    for (const auto& v : s.items)
      for (auto i : v)
        if (!d.candidate[i]) throw std::runtime_error(path.string() + ": item " + std::to_string(i) + " is not in " +
                                                      cfg.candidates_file);
  }
  if (!cfg.ratings_file.empty()) add_streams(cfg, dir, s, times, stars, d);
  d.candidate[0] = 0;
  for (std::int64_t i = 1; i < d.vocab; ++i)
    if (d.candidate[i]) d.candidate_ids.push_back(i);
  d.split = cfg.split == "reference" ? datasets::reference_split(s) : datasets::leave_one_out(s);
  d.full = s.items;
  return d;
}

// Uniform draws from a list of ids, seeded per epoch. One at a time (the BCE path, which rejects a
// user's own items) or in bulk for the sampled-softmax head: draw i of the epoch is a pure function of
// (seed, i) (SplitMix64, then 32 bits mapped to [0, n) by a multiply-shift), filled in parallel and
// identical on any thread count.
struct IdSampler {
  const Ids* ids;
  datasets::NegativeSampler pick;
  std::uint64_t key, counter = 0;
  IdSampler(const Ids& v, std::uint64_t seed)
      : ids(&v), pick(static_cast<std::int64_t>(v.size()), seed), key(splitmix64(seed ^ 0x5bd1e995ull)) {}
  std::int64_t operator()() { return (*ids)[pick.sample() - 1]; }
  void fill(std::int64_t* out, std::int64_t count) {
    const std::uint64_t base = counter, n = ids->size();
    const std::int64_t* v = ids->data();
#pragma omp parallel for schedule(static) if (count >= 65536)
    for (std::int64_t i = 0; i < count; ++i)
      out[i] = v[((splitmix64(key ^ (base + static_cast<std::uint64_t>(i))) >> 32) * n) >> 32];
    counter += static_cast<std::uint64_t>(count);
  }
};

// ---- one training step ------------------------------------------------------------------------------

// rows: (seq, pos) of B users; user_items: their item sets (BCE negatives avoid them).
// side: the rows' stream inputs (times, actions), empty when the preset has none.
double train_step(const TrainConfig& cfg, SequenceModel& model, nn::Adam& adam, const std::vector<datasets::Row>& rows,
                  const std::vector<const datasets::StreamRow*>& side,
                  const std::vector<const std::unordered_set<std::int64_t>*>& user_items, IdSampler& sampler) {
  std::vector<Ids> seq, pos;
  for (const auto& r : rows) {
    seq.push_back(r.seq);
    pos.push_back(r.pos);
  }
  const std::int64_t B = static_cast<std::int64_t>(rows.size()), T = cfg.max_len();
  const Tensor F = side.empty() ? model.forward(stack_rows(seq)) : model.forward(stack_rows(seq), stack_side(side));  // (B, T, d)
  const Tensor& M = model.item_table();
  Tensor loss;
  if (cfg.loss == "bce") {
    // -log σ(F_t·M_pos) - log(1 - σ(F_t·M_neg)), one negative per position, not in the user's items
    std::vector<Ids> neg(rows.size());
    std::vector<float> mask;
    for (std::size_t b = 0; b < rows.size(); ++b)
      for (auto p : rows[b].pos) {
        std::int64_t n;
        do n = sampler(); while (user_items[b]->count(n));
        neg[b].push_back(n);
        mask.push_back(p != 0 ? 1.0f : 0.0f);
      }
    const Tensor s_pos = reshape(sum(F * embedding(M, stack_rows(pos)), {-1}), {B * T});
    const Tensor s_neg = reshape(sum(F * embedding(M, stack_rows(neg)), {-1}), {B * T, 1});
    loss = nn::bce_sampled(s_pos, s_neg, Tensor::from_vector(mask, {B * T}));
  } else {
    // sampled softmax over the valid positions: the next item against k negatives drawn for each position
    // (uniform with replacement, as the HSTU paper's code samples them), logits = <F_t, e> / τ on
    // L2-normalised vectors.
    Ids rows_idx, pos_ids;
    for (std::int64_t b = 0; b < B; ++b)
      for (std::int64_t t = 0; t < T; ++t)
        if (pos[b][t] != 0) {
          rows_idx.push_back(b * T + t);
          pos_ids.push_back(pos[b][t]);
        }
    const std::int64_t N = static_cast<std::int64_t>(rows_idx.size());
    Tensor neg_ids = Tensor::empty({N, cfg.negatives}, DType::i64);
    sampler.fill(neg_ids.data<std::int64_t>(), N * cfg.negatives);
    loss = nn::sampled_softmax_head(F, M, Tensor::from_vector(rows_idx, {N}), Tensor::from_vector(pos_ids, {N}),
                                    neg_ids, {cfg.temperature, cfg.l2_normalize});
  }
  return optimizer_step(loss, adam, model.named_parameters());
}

// ---- evaluation -------------------------------------------------------------------------------------

// F at the last position of each left-padded history, inference mode: (U, d).
Tensor user_vectors(SequenceModel& model, const std::vector<Ids>& histories, std::int64_t T, bool pad_right) {
  std::vector<Ids> rows;
  Ids last;  // right padding: the slot of the most recent item
  for (const auto& h : histories) {
    rows.push_back(pad_right ? datasets::right_pad(h, T) : datasets::left_pad(h, T));
    last.push_back(std::min<std::int64_t>(static_cast<std::int64_t>(h.size()), T) - 1);
  }
  return last_position_vectors(model, rows, pad_right ? last : Ids{});
}

// The preset's full-ranking rules: ks, dot or cosine, the input window removed or not, the candidates.
RankingOptions ranking_options(const TrainConfig& cfg, const Data& data) {
  RankingOptions opt;
  opt.ks = cfg.ks;
  opt.scoring = cfg.scoring == "cosine" ? Scoring::cosine : Scoring::dot;
  opt.exclude_history = cfg.exclude_history;
  opt.candidates = &data.candidate;
  return opt;
}

// The event stream: each user's stream up to and including the target (its time is the last query time).
// min_rating > 0 keeps only the users who rated their target at least that (counted in *users).
std::map<std::string, double> evaluate_streams(const TrainConfig& cfg, SequenceModel& model, const Data& data, bool test,
                                               int min_rating = 0, std::int64_t* users_kept = nullptr) {
  const auto& targets_all = test ? data.split.test_target : data.split.valid_target;
  std::vector<datasets::StreamRow> rows;
  std::vector<Ids> window;
  Ids targets;
  for (std::size_t u = 0; u < targets_all.size(); ++u) {
    if (targets_all[u] == 0) continue;
    const auto& st = data.streams[u];
    const std::size_t end = st.first_item + data.full[u].size() - (test ? 0 : 1);
    if (st.tokens[end - 1] != targets_all[u]) throw std::logic_error("evaluate_streams: stream and split disagree");
    if (st.actions[end - 1] < min_rating) continue;
    rows.push_back(datasets::stream_row(st, end, cfg.max_len(), cfg.padding == "right"));
    window.emplace_back();
    for (auto t : rows.back().seq)
      if (t != 0 && data.candidate[t]) window.back().push_back(t);  // the input window's items
    targets.push_back(targets_all[u]);
  }
  if (users_kept) *users_kept = static_cast<std::int64_t>(rows.size());
  const Tensor users = stream_vectors(model, rows, cfg.padding == "right");
  return full_ranking(users, model.item_table(), targets, window, ranking_options(cfg, data));
}

std::map<std::string, double> evaluate(const TrainConfig& cfg, SequenceModel& model, const Data& data, bool test,
                                       std::uint64_t seed) {
  if (!data.streams.empty()) return evaluate_streams(cfg, model, data, test);
  const auto& targets_all = test ? data.split.test_target : data.split.valid_target;
  const auto& hist_all = test ? data.split.test_history : data.split.valid_history;
  std::vector<Ids> hist, window, rated;
  Ids targets;
  for (std::size_t u = 0; u < targets_all.size(); ++u) {
    if (targets_all[u] == 0) continue;  // users with < 3 items only train
    targets.push_back(targets_all[u]);
    hist.push_back(hist_all[u]);
    const std::size_t w = std::min<std::size_t>(hist_all[u].size(), static_cast<std::size_t>(cfg.max_len()));
    window.emplace_back(hist_all[u].end() - static_cast<std::ptrdiff_t>(w), hist_all[u].end());
    rated.push_back(data.full[u]);
  }
  if (cfg.ranking == "sampled-100" && static_cast<int>(targets.size()) > cfg.eval_users_max) {
    targets.resize(static_cast<std::size_t>(cfg.eval_users_max));  // first users, a fixed subset
    hist.resize(targets.size());
    rated.resize(targets.size());
  }
  const Tensor users = user_vectors(model, hist, cfg.max_len(), cfg.padding == "right");
  if (cfg.ranking == "sampled-100") return sampled_ranking(users, model.item_table(), targets, rated, cfg.ks, 100, seed);
  return full_ranking(users, model.item_table(), targets, window, ranking_options(cfg, data));
}

// ---- the model ----------------------------------------------------------------------------------------

// The preset with what the data decides: the vocabulary, and positions counted from the row's start
// under right padding.
TrainConfig fitted_to(const TrainConfig& cfg, const Data& data) {
  TrainConfig c = cfg;
  c.sasrec.vocab = c.hstu.vocab = data.vocab;
  c.sasrec.positions_from_start = c.hstu.positions_from_start = c.padding == "right";
  return c;
}

std::unique_ptr<SequenceModel> make_model(const TrainConfig& c, Generator& gen) {
  if (c.model == "hstu") return std::make_unique<HSTU>(c.hstu, gen);
  return std::make_unique<SASRec>(c.sasrec, gen);
}

// ---- checkpoints ------------------------------------------------------------------------------------

std::string metrics_json(const std::map<std::string, double>& m) { return nlohmann::json(m).dump(); }

}  // namespace

// Rethrows a failed training step's error with where it happened and what is safe on disk. An
// AnomalyError stays one (tests and callers tell the anomaly path from others by type).
[[noreturn]] static void throw_at_step(const std::exception& e, int epoch, int step, std::size_t nsteps,
                                const std::filesystem::path& run_dir) {
  std::string where = fmt::format("epoch {} step {}/{}: {}", epoch, step, nsteps, e.what());
  const auto last = run_dir / "last.safetensors";
  if (!run_dir.empty() && std::filesystem::exists(last))
    where += fmt::format("\n  nothing was written this epoch; {} holds the last finished epoch (--resume it)", last.string());
  if (dynamic_cast<const AnomalyError*>(&e)) throw AnomalyError(where);
  throw std::runtime_error(where);
}

TrainResult train_sequential(const TrainConfig& cfg, const TrainOptions& opt) {
  const bool select_ok = std::any_of(cfg.ks.begin(), cfg.ks.end(), [&](int k) {
    return cfg.select_metric == "ndcg@" + std::to_string(k) || cfg.select_metric == "hit_rate@" + std::to_string(k);
  });
  if (!select_ok) throw std::invalid_argument("train: select_metric '" + cfg.select_metric + "' is not computed for the ks given");
  const Data data = load_data(cfg, opt.data_dir);
  const TrainConfig c = fitted_to(cfg, data);
  Generator gen(opt.seed);  // parameters' init and the dropout masks
  const std::unique_ptr<SequenceModel> model_ptr = make_model(c, gen);
  SequenceModel& model = *model_ptr;
  nn::Adam adam(model.parameters(), {.lr = c.lr, .beta1 = c.beta1, .beta2 = c.beta2, .eps = c.eps,
                                     .weight_decay = c.weight_decay, .decoupled = c.optimizer == "adamw"});
  std::vector<datasets::Row> rows;
  std::vector<datasets::StreamRow> stream_rows;  // the event stream's rows (with side inputs), if any
  std::vector<std::unordered_set<std::int64_t>> items_of;
  for (std::size_t u = 0; u < data.split.train.size(); ++u) {
    if (data.split.train[u].size() < 2) continue;
    if (!data.streams.empty()) {
      stream_rows.push_back(datasets::stream_row(data.streams[u], data.streams[u].first_item + data.split.train[u].size(),
                                                 c.max_len(), c.padding == "right"));
      rows.push_back({stream_rows.back().seq, stream_rows.back().pos});
    } else {
      rows.push_back(datasets::next_item_row(data.split.train[u], c.max_len(), c.padding == "right"));
    }
    items_of.emplace_back(data.full[u].begin(), data.full[u].end());
  }
  TrainResult result;
  double best = -1;
  int start_epoch = 1;
  if (!opt.resume.empty()) {
    const auto loaded = nn::load_safetensors(opt.resume);
    const auto& md = loaded.metadata;
    // A value of the checkpoint's metadata, or a message saying this is not a last.safetensors of `train`.
    const auto meta = [&](const char* key) -> const std::string& {
      const auto it = md.find(key);
      if (it == md.end())
        throw std::runtime_error(opt.resume.string() + ": no '" + key + "' in its metadata: --resume takes the " +
                                 "last.safetensors of a `recgrad train` run (best.safetensors holds weights only)");
      return it->second;
    };
    meta("adam_steps");  // first, so that a weights-only best.safetensors gets this message, not a list of missing tensors
    nn::load_into(opt.resume, checkpoint_tensors(model, adam));
    try {
      start_epoch = std::stoi(meta("epoch")) + 1;
      adam.set_steps(std::stoll(meta("adam_steps")));
      gen.set_state(std::stoull(meta("gen_seed")), std::stoull(meta("gen_counter")));
      result.best_epoch = std::stoi(meta("best_epoch"));
      best = std::stod(meta("best_value"));
      result.valid = nlohmann::json::parse(meta("best_valid")).get<std::map<std::string, double>>();
      result.test = nlohmann::json::parse(meta("best_test")).get<std::map<std::string, double>>();
      result.train_seconds = std::stod(meta("train_seconds"));
    } catch (const std::logic_error& e) {  // std::stoi's invalid_argument/out_of_range, json's errors
      throw std::runtime_error(opt.resume.string() + ": corrupt training metadata (" + e.what() + ")");
    }
    if (md.count("preset") && md.at("preset") != c.preset)
      fmt::print(stderr, "warning: {} was written by preset '{}', resuming with '{}'\n", opt.resume.string(),
                 md.at("preset"), c.preset);
    if (opt.progress) fmt::print("resumed from {} after epoch {}\n", opt.resume.string(), start_epoch - 1);
  }
  if (!opt.run_dir.empty()) std::filesystem::create_directories(opt.run_dir);
  std::optional<DetectAnomalyGuard> anomaly;
  if (opt.detect_anomaly) anomaly.emplace();
  const bool tty = opt.progress && ::isatty(STDOUT_FILENO);
  for (int epoch = start_epoch; epoch <= c.epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    Generator shuffle(opt.seed * 1000003ull + static_cast<std::uint64_t>(epoch));  // per epoch: resumable
    IdSampler sampler(data.candidate_ids, opt.seed * 7919ull + static_cast<std::uint64_t>(epoch));
    std::vector<std::size_t> order(rows.size());
    std::iota(order.begin(), order.end(), 0);
    recgrad::shuffle(order, shuffle);
    double loss_sum = 0;
    int steps = 0;
    const std::size_t nsteps = (order.size() + c.batch_size - 1) / c.batch_size;
    for (std::size_t s = 0; s < order.size(); s += c.batch_size) {
      std::vector<datasets::Row> batch;
      std::vector<const datasets::StreamRow*> side;
      std::vector<const std::unordered_set<std::int64_t>*> sets;
      for (std::size_t i = s; i < std::min(order.size(), s + c.batch_size); ++i) {
        batch.push_back(rows[order[i]]);
        if (!stream_rows.empty()) side.push_back(&stream_rows[order[i]]);
        sets.push_back(&items_of[order[i]]);
      }
      try {
        result.last_loss = train_step(c, model, adam, batch, side, sets, sampler);
      } catch (const std::exception& e) {
        throw_at_step(e, epoch, steps + 1, nsteps, opt.run_dir);
      }
      loss_sum += result.last_loss;
      ++steps;
      if (tty) {
        const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        fmt::print("\r  epoch {}/{} [{:<30}] loss {:.4f}  {:.0f} rows/s", epoch, c.epochs,
                   std::string(30 * steps / nsteps, '#'), loss_sum / steps, batch.size() * steps / std::max(el, 1e-9));
        std::fflush(stdout);
      }
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    result.train_seconds += secs;
    std::string line = fmt::format("epoch {:3d}/{}  loss {:.4f}  {:.1f} s  {:.0f} rows/s  ETA {:.1f} min", epoch, c.epochs,
                                   loss_sum / steps, secs, rows.size() / secs, secs * (c.epochs - epoch) / 60.0);
    result.history.push_back({epoch, loss_sum / steps, -1});
    if (epoch % c.eval_every == 0 || epoch == c.epochs) {
      const auto e0 = std::chrono::steady_clock::now();
      const auto valid = evaluate(c, model, data, false, opt.seed + 17);
      const double v = valid.at(c.select_metric);
      result.history.back().valid = v;
      line += fmt::format("  valid {} {:.4f} ({:.1f} s)", c.select_metric, v,
                          std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count());
      if (v > best) {
        best = v;
        result.best_epoch = epoch;
        result.valid = valid;
        result.test = evaluate(c, model, data, true, opt.seed + 29);
        line += fmt::format("  (best; test {} {:.4f})", c.select_metric, result.test.at(c.select_metric));
        if (!opt.run_dir.empty())
          nn::save_safetensors(opt.run_dir / "best.safetensors", model.named_parameters(),
                               {{"epoch", std::to_string(epoch)}, {"seed", std::to_string(opt.seed)}, {"preset", c.preset}});
      }
    }
    if (opt.progress) fmt::print("{}{}\n", tty ? "\r" : "", line);
    std::fflush(stdout);
    if (!opt.run_dir.empty())
      nn::save_safetensors(opt.run_dir / "last.safetensors", checkpoint_tensors(model, adam),
                           {{"epoch", std::to_string(epoch)}, {"adam_steps", std::to_string(adam.steps())},
                            {"gen_seed", std::to_string(gen.seed())}, {"gen_counter", std::to_string(gen.counter())},
                            {"best_epoch", std::to_string(result.best_epoch)}, {"best_value", fmt::format("{:.17g}", best)},
                            {"best_valid", metrics_json(result.valid)}, {"best_test", metrics_json(result.test)},
                            {"train_seconds", fmt::format("{:.3f}", result.train_seconds)}, {"preset", c.preset}});
  }
  return result;
}

EvalResult evaluate_checkpoint(const TrainConfig& cfg, const TrainOptions& opt, const std::filesystem::path& checkpoint) {
  const Data data = load_data(cfg, opt.data_dir);
  const TrainConfig c = fitted_to(cfg, data);
  Generator gen(opt.seed);
  const std::unique_ptr<SequenceModel> model = make_model(c, gen);
  nn::load_into(checkpoint, model->named_parameters());  // names, shapes and sizes checked
  EvalResult r;
  r.valid = evaluate(c, *model, data, false, opt.seed + 17);
  r.test = evaluate(c, *model, data, true, opt.seed + 29);
  if (!data.streams.empty()) r.test_rated_4_plus = evaluate_streams(c, *model, data, true, 4, &r.users_rated_4_plus);
  return r;
}

Tensor attention_map(const TrainConfig& cfg, const TrainOptions& opt, const std::filesystem::path& checkpoint,
                     std::size_t user_index) {
  const Data data = load_data(cfg, opt.data_dir);
  const TrainConfig c = fitted_to(cfg, data);
  if (!data.streams.empty()) throw std::invalid_argument("attention_map: event-stream presets are not supported");
  if (user_index >= data.split.test_history.size())
    throw std::invalid_argument(fmt::format("attention_map: user index {} >= {} users", user_index, data.split.test_history.size()));
  Generator gen(opt.seed);
  const std::unique_ptr<SequenceModel> model = make_model(c, gen);
  nn::load_into(checkpoint, model->named_parameters());
  model->eval();
  const Ids& history = data.split.test_history[user_index];
  const std::int64_t L = std::min<std::int64_t>(static_cast<std::int64_t>(history.size()), c.max_len());
  const Ids window(history.end() - L, history.end());  // the last L items, unpadded: positions 0..L-1 from the start
  NoGradGuard no_grad;
  const Tensor seq = Tensor::from_vector(window, {1, L});  // no padding: a left- or right-padded model reads it alike
  model->forward(seq);
  Tensor A;  // (1, H, L, L)
  if (const auto* sasrec = dynamic_cast<const SASRec*>(model.get())) A = sasrec->blocks[0]->attn.last_attention();
  else if (const auto* hstu = dynamic_cast<const HSTU*>(model.get())) A = hstu->blocks[0]->last_attention;
  else throw std::invalid_argument("attention_map: only SASRec and HSTU have attention maps");
  return reshape(slice(A, 1, 0, 1).contiguous(), {L, L});  // head 0
}

}  // namespace recgrad::models
