#include "models/tiger_trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <set>
#include <unordered_set>

#include <fmt/core.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "autograd/anomaly.hpp"
#include "datasets/item_content.hpp"
#include "models/batching.hpp"
#include "models/beam_search.hpp"
#include "models/metrics.hpp"
#include "nn/checkpoint.hpp"
#include "nn/optim.hpp"

namespace recgrad::models {

// ---- data ------------------------------------------------------------------------------------------

TigerData load_tiger_data(const TrainConfig& cfg, const std::filesystem::path& dir, std::uint64_t seed) {
  const datasets::UserSequences raw = cfg.data_format == "pairs" ? datasets::read_user_item_pairs(dir / cfg.data_file)
                                                                 : datasets::read_sequences(dir / cfg.data_file);
  const datasets::ItemDocuments docs = cfg.content.source == "movielens_titles"
                                           ? datasets::read_movie_documents(dir / cfg.content.file)
                                           : datasets::read_beauty_attributes(dir / cfg.content.file);
  // the catalogue: every item with content, and every item in a sequence; dense ids by ascending raw id
  std::set<std::int64_t> universe(docs.items.begin(), docs.items.end());
  for (const auto& s : raw.items) universe.insert(s.begin(), s.end());
  TigerData d;
  d.users = raw.users;
  d.raw_item.assign(universe.begin(), universe.end());
  std::map<std::int64_t, std::int64_t> dense;
  for (std::size_t i = 0; i < d.raw_item.size(); ++i) dense[d.raw_item[i]] = static_cast<std::int64_t>(i) + 1;
  d.item_tokens.assign(d.raw_item.size(), {});
  d.titles.assign(d.raw_item.size(), "");
  for (std::size_t j = 0; j < docs.items.size(); ++j) {
    d.item_tokens[dense[docs.items[j]] - 1] = docs.tokens[j];
    d.titles[dense[docs.items[j]] - 1] = docs.titles[j];
  }
  datasets::UserSequences mapped = raw;
  for (auto& s : mapped.items)
    for (auto& i : s) i = dense[i];
  d.split = datasets::leave_one_out(mapped);
  // cold start: a seeded share of the items never appears in training (nor in the RQ-VAE's training)
  d.cold.assign(d.raw_item.size() + 1, 0);
  if (cfg.tiger.cold_item_share > 0) {
    Generator gen(seed * 31ull + 7ull);
    for (std::size_t i = 1; i < d.cold.size(); ++i) d.cold[i] = gen.next_double() < cfg.tiger.cold_item_share;
    for (auto& train : d.split.train)
      train.erase(std::remove_if(train.begin(), train.end(), [&](std::int64_t i) { return d.cold[i] != 0; }), train.end());
  }
  return d;
}

// ---- semantic IDs -----------------------------------------------------------------------------------

SemanticIdRun build_semantic_ids(const TrainConfig& cfg, const TigerData& data, std::uint64_t seed,
                                 const std::filesystem::path& cache_dir, bool progress) {
  SemanticIdRun r;
  r.content = cached_content_vectors(data.item_tokens, cfg.content, seed, cache_dir, progress);
  std::vector<char> train_rows(data.raw_item.size(), 1);
  for (std::size_t i = 0; i < train_rows.size(); ++i) train_rows[i] = !data.cold[i + 1];
  // the codes are cached beside the content vectors, keyed by the vectors, the RQ-VAE settings, the seed and
  // the items it trains on
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const void* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) h = (h ^ static_cast<const unsigned char*>(p)[i]) * 1099511628211ull;
  };
  const std::vector<float> x = r.content.to_vector<float>();
  mix(x.data(), x.size() * sizeof(float));
  mix(train_rows.data(), train_rows.size());
  const auto& q = cfg.rqvae;
  const std::string settings = fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", fmt::join(q.hidden, ","), q.latent, q.levels,
                                           q.codebook_size, q.beta, q.epochs, q.batch_size, q.lr, q.kmeans_init, q.restart_dead_codes, seed);
  mix(settings.data(), settings.size());
  const auto path = cache_dir / fmt::format("rqvae-codes-{:016x}.safetensors", h);
  if (std::filesystem::exists(path)) {
    const auto loaded = nn::load_safetensors(path);
    r.rqvae.codes = loaded.tensors.at("codes").to_vector<std::int64_t>();
    r.rqvae.log.push_back({});
    r.rqvae.log.back().recon_error = std::stod(loaded.metadata.at("reconstruction_error"));
    if (progress) fmt::print("rq-vae: codes read from cache {}\n", path.string());
  } else {
    r.rqvae = train_rqvae(r.content, cfg.rqvae, seed, train_rows, std::max(1, cfg.rqvae.epochs / 4), progress);
    std::filesystem::create_directories(cache_dir);
    const std::int64_t n = static_cast<std::int64_t>(train_rows.size());
    nn::save_safetensors(path, {{"codes", Tensor::from_vector(r.rqvae.codes, {n, q.levels})}},
                         {{"reconstruction_error", fmt::format("{:.17g}", r.rqvae.log.back().recon_error)}});
  }
  r.table = assign_semantic_ids(r.rqvae.codes, cfg.rqvae.levels, cfg.rqvae.codebook_size);
  r.usage = code_usage(r.rqvae.codes, cfg.rqvae.levels, cfg.rqvae.codebook_size);
  return r;
}

namespace {

// ---- inputs of the Transformer ----------------------------------------------------------------------

// [user token, the ID tokens of the last max_items items of history]
std::vector<std::int64_t> encoder_tokens(const TokenSpace& space, const SemanticIdTable& ids, std::int64_t user,
                                         const std::vector<std::int64_t>& history, std::int64_t max_items) {
  std::vector<std::int64_t> t{space.user_token(user)};
  const std::size_t first = history.size() > static_cast<std::size_t>(max_items) ? history.size() - max_items : 0;
  for (std::size_t j = first; j < history.size(); ++j)
    for (int p = 0; p < space.positions(); ++p) t.push_back(space.token(p, ids.id[history[j]][p]));
  return t;
}

// rows of different lengths, right-padded with 0 -> (B, S) int64
Tensor pad_rows(const std::vector<std::vector<std::int64_t>>& rows) {
  std::size_t S = 1;
  for (const auto& r : rows) S = std::max(S, r.size());
  std::vector<std::int64_t> flat(rows.size() * S, TokenSpace::pad);
  for (std::size_t b = 0; b < rows.size(); ++b) std::copy(rows[b].begin(), rows[b].end(), flat.begin() + static_cast<std::ptrdiff_t>(b * S));
  return Tensor::from_vector(flat, {static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(S)});
}

struct Sample {
  std::size_t user;    // index into data.users
  std::size_t target;  // position of the target in the user's training list
};

// Every (user, t ≥ 1) of the training lists, or `per_user` positions drawn per user.
std::vector<Sample> epoch_samples(const TigerData& data, int per_user, Generator& gen) {
  std::vector<Sample> s;
  for (std::size_t u = 0; u < data.split.train.size(); ++u) {
    const std::size_t n = data.split.train[u].size();
    if (n < 2) continue;
    if (per_user <= 0 || static_cast<std::size_t>(per_user) >= n - 1) {
      for (std::size_t t = 1; t < n; ++t) s.push_back({u, t});
    } else {
      for (int k = 0; k < per_user; ++k) s.push_back({u, 1 + static_cast<std::size_t>(gen.next_int(static_cast<std::int64_t>(n - 1)))});
    }
  }
  return s;
}

// Shuffles, then sorts each window of 50 batches by history length so that a batch pads little.
void shuffle_by_length(std::vector<Sample>& s, std::int64_t batch, Generator& gen) {
  shuffle(s, gen);
  const std::size_t window = static_cast<std::size_t>(batch) * 50;
  for (std::size_t w = 0; w < s.size(); w += window)
    std::stable_sort(s.begin() + static_cast<std::ptrdiff_t>(w), s.begin() + static_cast<std::ptrdiff_t>(std::min(s.size(), w + window)),
                     [](const Sample& a, const Sample& b) { return a.target < b.target; });
}

double learning_rate(const TrainConfig& c, std::int64_t step, std::int64_t total) {
  double lr = c.lr * std::min(1.0, static_cast<double>(step + 1) / static_cast<double>(std::max<std::int64_t>(1, c.tiger.warmup_steps)));
  if (c.tiger.lr_schedule == "cosine") lr *= 0.5 * (1.0 + std::cos(M_PI * static_cast<double>(step) / static_cast<double>(std::max<std::int64_t>(1, total))));
  return lr;
}

// One teacher-forced step: decoder input [BOS, t_1..t_m], targets [t_1..t_{m+1}] (as logit indices).
double train_step(const Tiger& model, nn::Adam& adam, const TigerData& data, const SemanticIdTable& ids,
                  const std::vector<Sample>& batch) {
  const TokenSpace& space = model.space;
  const int P = space.positions();
  std::vector<std::vector<std::int64_t>> enc;
  std::vector<std::int64_t> dec, target;
  for (const Sample& s : batch) {
    const auto& list = data.split.train[s.user];
    const std::vector<std::int64_t> history(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(s.target));
    enc.push_back(encoder_tokens(space, ids, data.users[s.user], history, model.config.max_items));
    const auto& id = ids.id[list[s.target]];
    dec.push_back(TokenSpace::bos);
    for (int p = 0; p < P; ++p) {
      if (p + 1 < P) dec.push_back(space.token(p, id[p]));
      target.push_back(space.logit(p, id[p]));
    }
  }
  const std::int64_t B = static_cast<std::int64_t>(batch.size());
  const Tensor tokens = pad_rows(enc);
  const Tensor memory = model.encode(tokens);  // (B, S, d)
  const Tensor logits = model.decode(Tensor::from_vector(dec, {B, P}), memory, token_valid(tokens));  // (B, P, V)
  const Tensor loss = cross_entropy(reshape(logits, {B * P, space.n_semantic()}), Tensor::from_vector(target, {B * P}));
  return optimizer_step(loss, adam, model.named_parameters());
}

// ---- evaluation -------------------------------------------------------------------------------------

std::map<std::string, double> as_recall(const std::map<std::string, double>& m) {
  std::map<std::string, double> out;
  for (const auto& [k, v] : m) out[k.rfind("hit_rate@", 0) == 0 ? "recall@" + k.substr(9) : k] = v;
  return out;
}

// The 0-based rank of each of `users` (indices into data.users)' validation or test item in its beam
// list (data.num_items() when it is not there: no hit at any k ≤ beam).
std::vector<std::int64_t> user_ranks(Tiger& model, const TigerData& data, const SemanticIdTable& ids, const IdTrie& trie,
                                     const TrainConfig& c, const std::vector<std::size_t>& users, bool test, std::int64_t* invalid_ids,
                                     bool progress = false) {
  NoGradGuard no_grad;
  const auto t0 = std::chrono::steady_clock::now();
  auto last_print = t0;
  model.eval();
  std::vector<std::int64_t> ranks;
  const TokenSpace& space = model.space;
  const std::size_t chunk = 32;
  for (std::size_t start = 0; start < users.size(); start += chunk) {
    const std::vector<std::size_t> us(users.begin() + static_cast<std::ptrdiff_t>(start),
                                      users.begin() + static_cast<std::ptrdiff_t>(std::min(users.size(), start + chunk)));
    std::vector<std::vector<std::int64_t>> enc;
    for (std::size_t u : us)
      enc.push_back(encoder_tokens(space, ids, data.users[u], test ? data.split.test_history[u] : data.split.valid_history[u],
                                   model.config.max_items));
    const Tensor tokens = pad_rows(enc);
    const Tensor memory = model.encode(tokens), valid = token_valid(tokens);
    const NextTokenLogProbs next = next_token_log_probs(model, memory, valid);
    const auto recs = constrained_beam_search(static_cast<std::int64_t>(us.size()), next, trie, space, model.config.beam);
    for (std::size_t j = 0; j < us.size(); ++j) {
      const std::size_t u = us[j];
      const std::int64_t target = test ? data.split.test_target[u] : data.split.valid_target[u];
      const auto& history = test ? data.split.test_history[u] : data.split.valid_history[u];
      const std::unordered_set<std::int64_t> seen(history.begin(), history.end());
      std::int64_t rank = data.num_items();  // not in the beam: no hit at any k ≤ beam
      std::int64_t r = 0;
      for (const Recommendation& rec : recs[j]) {
        if (rec.item < 1 || rec.item > data.num_items()) ++*invalid_ids;
        if (c.exclude_history && seen.count(rec.item)) continue;
        if (rec.item == target) { rank = r; break; }
        ++r;
      }
      ranks.push_back(rank);
    }
    const auto now = std::chrono::steady_clock::now();
    if (progress && std::chrono::duration<double>(now - last_print).count() >= 60.0) {  // a line a minute: where it is, and the ETA
      last_print = now;
      const double el = std::chrono::duration<double>(now - t0).count();
      const double done = static_cast<double>(ranks.size());
      fmt::print("  {}: {}/{} users, {:.0f} s, about {:.0f} s left\n", test ? "test" : "validation", ranks.size(), users.size(), el,
                 el / done * (static_cast<double>(users.size()) - done));
      std::fflush(stdout);
    }
  }
  model.train();
  return ranks;
}

// Recall@k / NDCG@k of the ranks whose flag is set (all when `keep` is empty).
std::map<std::string, double> metrics_of(const std::vector<std::int64_t>& ranks, const std::vector<int>& ks, const std::vector<char>& keep = {}) {
  RankingMetrics metrics(ks);
  for (std::size_t i = 0; i < ranks.size(); ++i)
    if (keep.empty() || keep[i]) metrics.add(ranks[i]);
  return as_recall(metrics.result());
}

std::vector<std::size_t> users_with_target(const TigerData& data, bool test, int cold_filter) {
  std::vector<std::size_t> out;
  for (std::size_t u = 0; u < data.users.size(); ++u) {
    const std::int64_t t = test ? data.split.test_target[u] : data.split.valid_target[u];
    if (t == 0) continue;
    if (cold_filter == 0 && data.cold[t]) continue;   // warm targets only
    if (cold_filter == 1 && !data.cold[t]) continue;  // cold targets only
    out.push_back(u);
  }
  return out;
}

void print_usage(const CodeUsage& u, const SemanticIdTable& t) {
  std::string used;
  for (std::size_t d = 0; d < u.used.size(); ++d) used += fmt::format("{}{}/{} ({:.2f} bits)", d ? ", " : "", u.used[d], t.codebook_size, u.entropy[d]);
  fmt::print("semantic ids: codes used per level {} | items with a unique (c1..c{}) {:.1f} % | largest group {} -> collision token takes {} values\n",
             used, t.levels, 100.0 * u.unique_share, u.max_group, t.collision_size);
}

}  // namespace

NextTokenLogProbs next_token_log_probs(const Tiger& model, const Tensor& memory, const Tensor& valid) {
  // Between calls it keeps each decoded row's keys and values (Tiger::DecoderCache): a call whose prefixes
  // extend the previous call's rows (beam search, one position per call) decodes only the new position;
  // any other call (a prefix whose parent was not decoded last) replays its prefixes from the start.
  struct State {
    Tiger::DecoderCache memory_kv;  // cross-attention keys and values of every memory row, no decoded position
    Tiger::DecoderCache rows;       // the previous call's rows
    std::map<std::pair<std::int64_t, std::vector<std::int64_t>>, std::int64_t> row_of;  // (memory row, prefix) -> row
  };
  auto state = std::make_shared<State>();
  state->memory_kv = model.start_decoding(memory);
  return [&model, memory, valid, state](const std::vector<std::int64_t>& rows, const std::vector<std::vector<std::int64_t>>& prefixes) {
    const TokenSpace& space = model.space;
    const std::int64_t t = static_cast<std::int64_t>(prefixes[0].size()) + 1;  // positions with BOS
    // group the rows by user (each user's beams share its memory row), padding every group to b rows
    std::vector<std::int64_t> users;
    std::vector<std::vector<std::size_t>> group;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      if (users.empty() || users.back() != rows[r]) {
        users.push_back(rows[r]);
        group.emplace_back();
      }
      group.back().push_back(r);
    }
    std::size_t b = 1;
    for (const auto& g : group) b = std::max(b, g.size());
    std::vector<std::size_t> source;  // padded row -> caller's row (padding rows repeat the last beam)
    for (const auto& g : group)
      for (std::size_t j = 0; j < b; ++j) source.push_back(g[std::min(j, g.size() - 1)]);
    const std::int64_t U = static_cast<std::int64_t>(users.size()), B = static_cast<std::int64_t>(b), R = U * B;
    auto token_at = [&](std::size_t row, std::int64_t position) {  // decoder input: [BOS, prefix]
      return position == 0 ? TokenSpace::bos : space.token(static_cast<int>(position - 1), prefixes[row][position - 1]);
    };
    auto tokens_at = [&](std::int64_t position) {  // (R, 1)
      std::vector<std::int64_t> tok;
      for (std::size_t r : source) tok.push_back(token_at(r, position));
      return Tensor::from_vector(tok, {R, 1});
    };
    const Tensor idx = Tensor::from_vector(users, {U});
    Tiger::DecoderCache cache;
    for (std::size_t l = 0; l < state->memory_kv.memory_K.size(); ++l) {
      cache.memory_K.push_back(index_select(state->memory_kv.memory_K[l], 0, idx));
      cache.memory_V.push_back(index_select(state->memory_kv.memory_V[l], 0, idx));
    }
    cache.K.resize(cache.memory_K.size());
    cache.V.resize(cache.memory_K.size());
    const Tensor valid_rows = index_select(valid, 0, idx);
    // the rows' earlier positions: gathered from the previous call when it decoded every parent, else replayed
    std::vector<std::int64_t> parent;
    for (std::size_t k = 0; k < source.size() && t > 1; ++k) {
      const std::vector<std::int64_t>& pre = prefixes[source[k]];
      auto it = state->row_of.find({rows[source[k]], std::vector<std::int64_t>(pre.begin(), pre.end() - 1)});
      if (it == state->row_of.end()) break;
      parent.push_back(it->second);
    }
    if (t > 1 && parent.size() == source.size()) {
      const Tensor pidx = Tensor::from_vector(parent, {R});
      for (std::size_t l = 0; l < cache.K.size(); ++l) {
        cache.K[l] = index_select(state->rows.K[l], 0, pidx);
        cache.V[l] = index_select(state->rows.V[l], 0, pidx);
      }
    } else {
      for (std::int64_t position = 0; position + 1 < t; ++position) model.decode_step(tokens_at(position), position, cache, valid_rows, B);
    }
    const Tensor states = model.decode_step(tokens_at(t - 1), t - 1, cache, valid_rows, B);  // (R, d)
    const std::vector<float> all = log_softmax(model.head.forward(states), -1).contiguous().to_vector<float>();
    state->rows = cache;
    state->row_of.clear();
    for (std::size_t k = 0; k < source.size(); ++k) state->row_of.emplace(std::make_pair(rows[source[k]], prefixes[source[k]]), static_cast<std::int64_t>(k));
    const std::size_t V = static_cast<std::size_t>(space.n_semantic());
    std::vector<float> out(rows.size() * V);
    for (std::size_t u = 0; u < group.size(); ++u)
      for (std::size_t j = 0; j < group[u].size(); ++j)
        std::copy_n(&all[(u * b + j) * V], V, &out[group[u][j] * V]);
    return out;
  };
}

// ---- training -----------------------------------------------------------------------------------------

TigerResult train_tiger(const TrainConfig& cfg, const TrainOptions& opt) {
  for (int k : cfg.ks)
    if (k > cfg.tiger.beam) throw std::invalid_argument(fmt::format("tiger: k = {} is larger than the beam ({}): Recall@{} would be capped", k, cfg.tiger.beam, k));
  const TigerData data = load_tiger_data(cfg, opt.data_dir, opt.seed);
  const SemanticIdRun sid = build_semantic_ids(cfg, data, opt.seed, opt.cache_dir, opt.progress);
  if (opt.progress) print_usage(sid.usage, sid.table);
  if (!opt.run_dir.empty()) {
    std::filesystem::create_directories(opt.run_dir);
    write_semantic_ids(opt.run_dir / "semantic_ids.tsv", sid.table, data.raw_item);
  }
  const IdTrie trie(sid.table);
  const TokenSpace space(sid.table, cfg.tiger.user_buckets);
  Generator gen(opt.seed);
  Tiger model(cfg.tiger, space, gen);
  nn::Adam::Options ao;
  ao.lr = cfg.lr;
  ao.beta1 = cfg.beta1;
  ao.beta2 = cfg.beta2;
  ao.eps = cfg.eps;
  ao.weight_decay = cfg.weight_decay;
  ao.decoupled = cfg.optimizer == "adamw";
  nn::Adam adam(model.parameters(), ao);

  TigerResult result;
  result.usage = sid.usage;
  result.collision_size = sid.table.collision_size;
  for (std::size_t i = 1; i < data.cold.size(); ++i) result.cold_items += data.cold[i];
  std::vector<std::size_t> valid_users = users_with_target(data, false, 0);
  if (cfg.tiger.valid_users > 0 && static_cast<std::size_t>(cfg.tiger.valid_users) < valid_users.size()) {
    Generator pick(opt.seed * 131ull + 3ull);  // a fixed subset, the same at every epoch
    shuffle(valid_users, pick);
    valid_users.resize(static_cast<std::size_t>(cfg.tiger.valid_users));
    std::sort(valid_users.begin(), valid_users.end());
  }
  const std::size_t samples_per_epoch = [&] { Generator g(0); return epoch_samples(data, cfg.tiger.prefixes_per_user, g).size(); }();
  const std::int64_t steps_per_epoch = static_cast<std::int64_t>((samples_per_epoch + cfg.batch_size - 1) / cfg.batch_size);
  const std::int64_t total_steps = steps_per_epoch * cfg.epochs;
  if (opt.progress)
    fmt::print("tiger: {} users, {} items ({} cold), {} training samples per epoch, {} parameters, vocabulary {}\n", data.users.size(),
               data.num_items(), result.cold_items, samples_per_epoch,
               [&] { std::int64_t n = 0; for (const auto& p : model.parameters()) n += p.numel(); return n; }(), space.vocab());

  double best = -1;
  int start_epoch = 1;
  if (!opt.resume.empty()) {
    const auto md = nn::load_safetensors(opt.resume).metadata;
    if (!md.count("adam_steps") || !md.count("epoch"))
      throw std::runtime_error(opt.resume.string() + ": not a last.safetensors of a TIGER `recgrad train` run (best.safetensors holds weights only)");
    nn::load_into(opt.resume, checkpoint_tensors(model, adam));
    start_epoch = std::stoi(md.at("epoch")) + 1;
    adam.set_steps(std::stoll(md.at("adam_steps")));
    gen.set_state(std::stoull(md.at("gen_seed")), std::stoull(md.at("gen_counter")));
    result.train.best_epoch = std::stoi(md.at("best_epoch"));
    best = std::stod(md.at("best_value"));
    result.train.valid = nlohmann::json::parse(md.at("best_valid")).get<std::map<std::string, double>>();
    result.train.train_seconds = std::stod(md.at("train_seconds"));
    if (opt.progress) fmt::print("resumed from {} after epoch {}\n", opt.resume.string(), start_epoch - 1);
  }
  const std::string select = cfg.select_metric.rfind("hit_rate@", 0) == 0 ? "recall@" + cfg.select_metric.substr(9) : cfg.select_metric;
  std::int64_t invalid = 0;
  std::optional<DetectAnomalyGuard> anomaly;
  if (opt.detect_anomaly) anomaly.emplace();
  for (int epoch = start_epoch; epoch <= cfg.epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    Generator shuffle(opt.seed * 1000003ull + static_cast<std::uint64_t>(epoch));  // per epoch: resumable
    std::vector<Sample> samples = epoch_samples(data, cfg.tiger.prefixes_per_user, shuffle);
    shuffle_by_length(samples, cfg.batch_size, shuffle);
    // batches in a shuffled order (each batch holds similar lengths)
    std::vector<std::size_t> starts;
    for (std::size_t s = 0; s < samples.size(); s += static_cast<std::size_t>(cfg.batch_size)) starts.push_back(s);
    recgrad::shuffle(starts, shuffle);
    double loss_sum = 0;
    for (std::size_t b = 0; b < starts.size(); ++b) {
      adam.set_lr(learning_rate(cfg, adam.steps(), total_steps));
      const std::vector<Sample> batch(samples.begin() + static_cast<std::ptrdiff_t>(starts[b]),
                                      samples.begin() + static_cast<std::ptrdiff_t>(std::min(samples.size(), starts[b] + static_cast<std::size_t>(cfg.batch_size))));
      try {
        loss_sum += train_step(model, adam, data, sid.table, batch);
        if (opt.progress && (b + 1) % 100 == 0) {
          const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          fmt::print("  epoch {} step {}/{}  loss {:.4f}  {:.0f} samples/s  epoch ends in about {:.0f} s\n", epoch, b + 1, starts.size(),
                     loss_sum / static_cast<double>(b + 1), static_cast<double>((b + 1) * static_cast<std::size_t>(cfg.batch_size)) / el,
                     el / static_cast<double>(b + 1) * static_cast<double>(starts.size() - b - 1));
          std::fflush(stdout);
        }
      } catch (const std::exception& e) {
        throw std::runtime_error(fmt::format("epoch {} step {}/{}: {}{}", epoch, b + 1, starts.size(), e.what(),
                                             std::filesystem::exists(opt.run_dir / "last.safetensors")
                                                 ? "\n  " + (opt.run_dir / "last.safetensors").string() + " holds the last finished epoch (--resume it)" : ""));
      }
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    result.train.train_seconds += secs;
    result.train.last_loss = loss_sum / static_cast<double>(starts.size());
    std::string line = fmt::format("epoch {:3d}/{}  loss {:.4f}  lr {:.2e}  {:.1f} s  {:.0f} samples/s", epoch, cfg.epochs,
                                   result.train.last_loss, adam.lr(), secs, static_cast<double>(samples.size()) / secs);
    result.train.history.push_back({epoch, result.train.last_loss, -1});
    if (epoch % cfg.eval_every == 0 || epoch == cfg.epochs) {
      const auto e0 = std::chrono::steady_clock::now();
      const auto valid = metrics_of(user_ranks(model, data, sid.table, trie, cfg, valid_users, false, &invalid, opt.progress), cfg.ks);
      const double v = valid.at(select);
      result.train.history.back().valid = v;
      line += fmt::format("  valid {} {:.4f} ({:.1f} s)", select, v, std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count());
      if (v > best) {
        best = v;
        result.train.best_epoch = epoch;
        result.train.valid = valid;
        line += "  (best)";
        if (!opt.run_dir.empty())
          nn::save_safetensors(opt.run_dir / "best.safetensors", model.named_parameters(),
                               {{"epoch", std::to_string(epoch)}, {"seed", std::to_string(opt.seed)}, {"preset", cfg.preset}});
      }
    }
    if (opt.progress) fmt::print("{}\n", line);
    std::fflush(stdout);
    if (!opt.run_dir.empty())
      nn::save_safetensors(opt.run_dir / "last.safetensors", checkpoint_tensors(model, adam),
                           {{"epoch", std::to_string(epoch)}, {"adam_steps", std::to_string(adam.steps())},
                            {"gen_seed", std::to_string(gen.seed())}, {"gen_counter", std::to_string(gen.counter())},
                            {"best_epoch", std::to_string(result.train.best_epoch)}, {"best_value", fmt::format("{:.17g}", best)},
                            {"best_valid", nlohmann::json(result.train.valid).dump()},
                            {"train_seconds", fmt::format("{:.3f}", result.train.train_seconds)}, {"preset", cfg.preset}});
  }
  // test at the best epoch
  if (!opt.run_dir.empty() && std::filesystem::exists(opt.run_dir / "best.safetensors"))
    nn::load_into(opt.run_dir / "best.safetensors", model.named_parameters());
  test_tiger(model, data, sid.table, trie, cfg, result, opt.progress);
  result.invalid_ids += invalid;
  return result;
}

std::vector<Recommendation> recommend(Tiger& model, const TigerData& data, const SemanticIdTable& ids, const IdTrie& trie,
                                      std::size_t u) {
  NoGradGuard no_grad;
  const bool was_training = model.training();
  model.eval();
  const Tensor tokens = pad_rows({encoder_tokens(model.space, ids, data.users[u], data.split.test_history[u], model.config.max_items)});
  const Tensor memory = model.encode(tokens), valid = token_valid(tokens);  // (1, S, d), (1, S)
  auto recs = constrained_beam_search(1, next_token_log_probs(model, memory, valid), trie, model.space, model.config.beam);
  model.train(was_training);
  return recs[0];
}

void test_tiger(Tiger& model, const TigerData& data, const SemanticIdTable& ids, const IdTrie& trie, const TrainConfig& cfg,
                TigerResult& result, bool progress) {
  const auto t0 = std::chrono::steady_clock::now();
  std::int64_t invalid = 0;
  // every test user, or test_users of them drawn with the seed (the cold users are always all kept)
  std::vector<std::size_t> users = users_with_target(data, true, -1);
  if (cfg.tiger.test_users > 0) {
    Generator pick(cfg.tiger.test_users * 977ull + 5ull);
    std::vector<char> take(users.size(), 0);
    std::vector<std::size_t> order(users.size());
    std::iota(order.begin(), order.end(), 0);
    shuffle(order, pick);
    for (std::size_t i = 0; i < order.size() && static_cast<std::int64_t>(i) < cfg.tiger.test_users; ++i) take[order[i]] = 1;
    std::vector<std::size_t> kept;
    for (std::size_t i = 0; i < users.size(); ++i)
      if (take[i] || data.cold[data.split.test_target[users[i]]]) kept.push_back(users[i]);
    users = kept;
  }
  const std::vector<std::int64_t> ranks = user_ranks(model, data, ids, trie, cfg, users, true, &invalid, progress);
  result.train.test = metrics_of(ranks, cfg.ks);
  if (result.cold_items > 0) {
    std::vector<char> cold(users.size());
    for (std::size_t i = 0; i < users.size(); ++i) cold[i] = data.cold[data.split.test_target[users[i]]];
    std::vector<char> warm(cold.size());
    for (std::size_t i = 0; i < cold.size(); ++i) warm[i] = !cold[i];
    result.cold_users = std::count(cold.begin(), cold.end(), 1);
    result.test_cold = metrics_of(ranks, cfg.ks, cold);
    result.test_warm = metrics_of(ranks, cfg.ks, warm);
  }
  result.test_users = static_cast<std::int64_t>(users.size());
  result.invalid_ids += invalid;
  if (progress)
    fmt::print("test: {:.1f} s, {} generated IDs that name no item\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), invalid);
}

TigerResult evaluate_tiger_checkpoint(const TrainConfig& cfg, const TrainOptions& opt, const std::filesystem::path& checkpoint) {
  const TigerData data = load_tiger_data(cfg, opt.data_dir, opt.seed);
  const SemanticIdRun sid = build_semantic_ids(cfg, data, opt.seed, opt.cache_dir, opt.progress);
  const IdTrie trie(sid.table);
  Generator gen(opt.seed);
  Tiger model(cfg.tiger, TokenSpace(sid.table, cfg.tiger.user_buckets), gen);
  nn::load_into(checkpoint, model.named_parameters());  // names, shapes and sizes checked
  TigerResult result;
  result.usage = sid.usage;
  result.collision_size = sid.table.collision_size;
  for (std::size_t i = 1; i < data.cold.size(); ++i) result.cold_items += data.cold[i];
  test_tiger(model, data, sid.table, trie, cfg, result, opt.progress);
  return result;
}

}  // namespace recgrad::models
