// TIGER: the quantiser's gradient with the straight-through estimator, k-means, codebook figures (and a
// collapse made visible), the collision token, the trie, exact beam search on a tiny model, the attention
// masks of the encoder-decoder, content vectors, and a tiny end-to-end run.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <set>

#include "models/beam_search.hpp"
#include "models/content_vectors.hpp"
#include "models/rqvae.hpp"
#include "models/tiger_decoding.hpp"
#include "training/tiger_task.hpp"
#include "nn/kmeans.hpp"
#include "nn/multihead_attention.hpp"
#include "nn/residual_quantizer.hpp"
#include "tests/expect_error.hpp"
#include "tests/gradcheck.hpp"
#include "tests/tiny_run.hpp"

namespace recgrad::models {
using training::load_tiger_data;
using training::TigerData;
using training::TigerResult;
using training::train_tiger;
using training::TrainConfig;
using training::TrainOptions;

namespace {

// ---- codebook figures and collapse --------------------------------------------------------------------

TEST(CodeUsage, ReportsUsageEntropyAndCollisions) {
  // 4 items, 2 levels, K = 4: items 1 and 2 share (0, 1)
  const std::vector<std::int64_t> codes{0, 1, 0, 1, 2, 3, 1, 1};
  const CodeUsage u = code_usage(codes, 2, 4);
  EXPECT_EQ(u.used, (std::vector<std::int64_t>{3, 2}));
  EXPECT_NEAR(u.entropy[0], 1.5, 1e-12);  // p = (1/2, 1/4, 1/4)
  EXPECT_NEAR(u.unique_share, 0.5, 1e-12);
  EXPECT_EQ(u.max_group, 2);
  // a collapsed codebook: one code for everything is visible as used = 1, entropy 0, unique share 0
  const CodeUsage c = code_usage(std::vector<std::int64_t>(16, 0), 2, 4);
  EXPECT_EQ(c.used, (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(c.entropy[0], 0.0);
  EXPECT_EQ(c.unique_share, 0.0);
  EXPECT_EQ(c.max_group, 8);
}

// 32 items: 8 separated groups (dims 0-7) × 4 offsets (dims 8-11) shared by the groups. A working RQ-VAE
// gives level 1 the groups and level 2 the offsets, so (nearly) every item has its own pair of codes. A
// collapse (one code taking most items at a level) fails these bounds.
TEST(RQVAE, SeparableDataUsesTheCodebooksAndGivesUniqueIds) {
  Generator gen(5);
  std::vector<float> x;
  for (int g = 0; g < 8; ++g)
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 12; ++j)
        x.push_back((j == g ? 3.0f : 0.0f) + (j == 8 + i ? 1.0f : 0.0f) +
                    0.01f * static_cast<float>(gen.next_normal()));
  RQVAEConfig c;
  c.hidden = {32};
  c.latent = 8;
  c.levels = 2;
  c.codebook_size = 8;
  c.epochs = 1500;
  c.batch_size = 32;
  c.lr = 5e-3;
  const RQVAEResult r = train_rqvae(Tensor::from_vector(x, {32, 12}), c, 7, {}, 1500);
  const CodeUsage u = code_usage(r.codes, 2, 8);
  EXPECT_GE(u.used[0], 6) << "level 1 collapsed";
  EXPECT_GE(u.used[1], 4) << "level 2 collapsed";
  EXPECT_GE(u.unique_share, 0.75);
  EXPECT_LT(r.log.back().recon_error, r.log.front().recon_error);
}

// The epoch-0 line reports the untrained model's loss (reconstruction + quantisation), not a placeholder.
TEST(RQVAE, EpochZeroReportsTheUntrainedLoss) {
  Generator gen(6);
  std::vector<float> x;
  for (int i = 0; i < 16 * 6; ++i) x.push_back(static_cast<float>(gen.next_normal()));
  RQVAEConfig c;
  c.hidden = {8};
  c.latent = 4;
  c.levels = 2;
  c.codebook_size = 4;
  c.epochs = 2;
  c.batch_size = 8;
  const RQVAEResult r = train_rqvae(Tensor::from_vector(x, {16, 6}), c, 3, {}, 1);
  ASSERT_EQ(r.log.front().epoch, 0);
  EXPECT_GT(r.log.front().loss, r.log.front().recon_error) << "loss = reconstruction + a positive quantisation term";
}

// ---- semantic IDs, tokens, trie -----------------------------------------------------------------------

TEST(SemanticIds, CollidingItemsGetACountingToken) {
  // items 1, 3, 4 share (2, 0); item 2 is alone
  const SemanticIdTable t = assign_semantic_ids({2, 0, 1, 1, 2, 0, 2, 0}, 2, 3);
  EXPECT_EQ(t.id[1], (std::vector<std::int64_t>{2, 0, 0}));
  EXPECT_EQ(t.id[2], (std::vector<std::int64_t>{1, 1, 0}));
  EXPECT_EQ(t.id[3], (std::vector<std::int64_t>{2, 0, 1}));
  EXPECT_EQ(t.id[4], (std::vector<std::int64_t>{2, 0, 2}));
  EXPECT_EQ(t.collision_size, 3);
  const IdTrie trie(t);
  for (std::int64_t i = 1; i <= 4; ++i) EXPECT_EQ(trie.find(t.id[i]), i);
  EXPECT_EQ(trie.find({2, 0, 3}), -1);
  EXPECT_EQ(trie.find({0, 0, 0}), -1);
  const TokenSpace space(t, 5);
  EXPECT_EQ(space.n_semantic(), 3 + 3 + 3);
  EXPECT_EQ(space.token(0, 0), 2);
  EXPECT_EQ(space.token(2, 2), 2 + 8);
  const std::int64_t user = space.user_token(12345);
  EXPECT_GE(user, 2 + 9);
  EXPECT_LT(user, space.vocab());
  EXPECT_THROW(assign_semantic_ids({0, 5}, 2, 3), std::out_of_range);
}

// A random table of n items with m levels of K codes (collisions included).
SemanticIdTable random_table(int n, int m, std::int64_t K, Generator& gen) {
  std::vector<std::int64_t> codes;
  for (int i = 0; i < n * m; ++i) codes.push_back(gen.next_int(K));
  return assign_semantic_ids(codes, m, K);
}

// log-probabilities from fixed random scores per (user, prefix): any function of the prefix will do
NextTokenLogProbs random_next(const TokenSpace& space, std::uint64_t seed) {
  return [&space, seed](const std::vector<std::int64_t>& rows, const std::vector<std::vector<std::int64_t>>& prefixes) {
    std::vector<float> out;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      std::uint64_t h = seed * 1315423911ull + static_cast<std::uint64_t>(rows[r]);
      for (std::int64_t c : prefixes[r]) h = splitmix64(h ^ static_cast<std::uint64_t>(c + 1));
      std::vector<double> s;
      double z = 0;
      for (std::int64_t v = 0; v < space.n_semantic(); ++v) {
        s.push_back(3.0 * u01_from_bits(splitmix64(h + static_cast<std::uint64_t>(v))));
        z += std::exp(s.back());
      }
      for (double x : s) out.push_back(static_cast<float>(x - std::log(z)));
    }
    return out;
  };
}

TEST(BeamSearch, OnlyValidDistinctItemsComeOut) {
  Generator gen(9);
  const SemanticIdTable t = random_table(60, 3, 4, gen);
  const IdTrie trie(t);
  const TokenSpace space(t, 3);
  for (int beam : {1, 5, 20, 100}) {
    const auto recs = constrained_beam_search(4, random_next(space, 11), trie, space, beam);
    for (const auto& list : recs) {
      EXPECT_EQ(static_cast<int>(list.size()), std::min(beam, 60));
      std::set<std::int64_t> items;
      for (const auto& r : list) {
        EXPECT_GE(r.item, 1);
        EXPECT_LE(r.item, 60);
        items.insert(r.item);
      }
      EXPECT_EQ(items.size(), list.size());
    }
  }
}

// Exhaustive ranking of every item by its exact ID log-probability.
std::vector<std::int64_t> exhaustive_top(const NextTokenLogProbs& next, std::int64_t user, const SemanticIdTable& t,
                                         const TokenSpace& space, std::vector<double>* scores) {
  std::vector<std::pair<double, std::int64_t>> all;
  for (std::int64_t i = 1; i <= t.num_items(); ++i) all.emplace_back(-id_log_prob(next, user, t.id[i], space), i);
  std::sort(all.begin(), all.end());
  std::vector<std::int64_t> items;
  for (const auto& [s, i] : all) {
    items.push_back(i);
    scores->push_back(-s);
  }
  return items;
}

// A Tiger small enough for exhaustive checks: d 8, 2 heads × 4, one encoder layer, no dropout.
TigerConfig tiny_tiger_config(int decoder_layers) {
  TigerConfig c;
  c.d = 8;
  c.heads = 2;
  c.d_kv = 4;
  c.d_ff = 16;
  c.encoder_layers = 1;
  c.decoder_layers = decoder_layers;
  c.dropout = 0.0;
  c.max_items = 3;
  return c;
}

// Two users' encoder inputs: user 1 with one item of 3 tokens, user 2 with one token and padding -> (2, 4)
Tensor two_user_tokens(const TokenSpace& space) {
  return Tensor::from_vector(std::vector<std::int64_t>{space.user_token(1), space.token(0, 1), space.token(1, 2),
                                                       space.token(2, 0), space.user_token(2), space.token(0, 2), 0, 0},
                             {2, 4});
}

TEST(BeamSearch, ExactTopKOnATinyTiger) {
  Generator gen(13);
  const SemanticIdTable t = random_table(12, 2, 3, gen);  // 12 items, IDs of 3 tokens
  const IdTrie trie(t);
  const TokenSpace space(t, 4);
  Tiger model(tiny_tiger_config(1), space, gen);
  model.eval();
  NoGradGuard no_grad;
  const Tensor tokens = two_user_tokens(space);
  const Tensor memory = model.encode(tokens);
  const NextTokenLogProbs next = next_token_log_probs(model, memory, token_valid(tokens));
  // a beam as wide as the catalogue keeps every prefix, so it is exhaustive search
  const auto wide = constrained_beam_search(2, next, trie, space, 12);
  for (std::int64_t u = 0; u < 2; ++u) {
    std::vector<double> scores;
    const std::vector<std::int64_t> top = exhaustive_top(next, u, t, space, &scores);
    ASSERT_EQ(wide[u].size(), top.size());
    for (std::size_t j = 0; j < top.size(); ++j) {
      EXPECT_EQ(wide[u][j].item, top[j]) << "user " << u << " rank " << j;
      EXPECT_NEAR(wide[u][j].score, scores[j], 1e-5);
    }
    // a narrower beam returns valid items whose scores are their exact log-probabilities, best first
    const auto narrow = constrained_beam_search(2, next, trie, space, 4);
    for (std::size_t j = 0; j < narrow[u].size(); ++j) {
      EXPECT_NEAR(narrow[u][j].score, id_log_prob(next, u, t.id[narrow[u][j].item], space), 1e-5);
      if (j) {
        EXPECT_GE(narrow[u][j - 1].score, narrow[u][j].score);
      }
    }
    // the probabilities of all IDs sum to at most 1 (the trie holds a subset of all token strings)
    double total = 0;
    for (double s : scores) total += std::exp(s);
    EXPECT_LE(total, 1.0 + 1e-5);
  }
}

// Beam search decodes one position per call and keeps the keys and values of the earlier positions (a KV
// cache): every call must give the log-probabilities of the full decoder over [BOS, prefix], whether the rows
// extend the previous call's (gathered from the cache) or not (replayed from the start).
TEST(BeamSearch, CachedDecodingEqualsTheFullDecoder) {
  Generator gen(21);
  const SemanticIdTable t = random_table(12, 3, 3, gen);
  const TokenSpace space(t, 4);
  Tiger model(tiny_tiger_config(2), space, gen);
  model.eval();
  NoGradGuard no_grad;
  const Tensor tokens = two_user_tokens(space);
  const Tensor memory = model.encode(tokens), valid = token_valid(tokens);
  const NextTokenLogProbs next = next_token_log_probs(model, memory, valid);
  using Prefixes = std::vector<std::vector<std::int64_t>>;
  const std::vector<std::pair<std::vector<std::int64_t>, Prefixes>> calls = {
      {{0, 1}, {{}, {}}},
      {{0, 0, 1}, {{1}, {2}, {0}}},
      {{0, 1, 1, 1}, {{1, 0}, {0, 2}, {0, 1}, {0, 0}}},  // parents decoded by the previous call
      {{1}, {{2, 2}}},                                   // a parent the previous call did not decode: replayed
      {{0, 0}, {{2, 1, 0}, {1, 0, 2}}},
  };
  const std::size_t V = static_cast<std::size_t>(space.n_semantic());
  for (const auto& [rows, prefixes] : calls) {
    const std::vector<float> got = next(rows, prefixes);
    ASSERT_EQ(got.size(), rows.size() * V);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      std::vector<std::int64_t> dec{TokenSpace::bos};
      for (std::size_t p = 0; p < prefixes[r].size(); ++p)
        dec.push_back(space.token(static_cast<int>(p), prefixes[r][p]));
      const std::int64_t T = static_cast<std::int64_t>(dec.size());
      const Tensor row = Tensor::from_vector(std::vector<std::int64_t>{rows[r]}, {1});
      const Tensor logits =
          model.decode(Tensor::from_vector(dec, {1, T}), index_select(memory, 0, row), index_select(valid, 0, row));
      const std::vector<float> want = log_softmax(reshape(slice(logits, 1, T - 1, T), {1, -1}), -1).to_vector<float>();
      for (std::size_t v = 0; v < V; ++v)
        ASSERT_NEAR(got[r * V + v], want[v], 1e-5)
            << "call with " << rows.size() << " rows, row " << r << ", token " << v;
    }
  }
}

// ---- content vectors ------------------------------------------------------------------------------------

TEST(ContentVectors, SameTokensSameVectorAndDeterministic) {
  ContentConfig c;
  c.dim = 8;
  c.epochs = 3;
  c.batch_size = 8;
  const std::vector<std::vector<std::string>> docs{{"a", "b"}, {"b", "a"}, {"a", "c"}, {"c", "d"}, {"d", "b"}, {"zz"}};
  const Tensor v = learn_content_vectors(docs, c, 1), w = learn_content_vectors(docs, c, 1);
  EXPECT_EQ(v.to_vector<float>(), w.to_vector<float>());
  const auto x = v.to_vector<float>();
  for (int j = 0; j < 8; ++j) EXPECT_EQ(x[j], x[8 + j]);  // {a, b} and {b, a}
  double n2 = 0, n5 = 0;
  for (int j = 0; j < 8; ++j) {
    n2 += x[16 + j] * x[16 + j];
    n5 += x[40 + j] * x[40 + j];
  }
  EXPECT_NEAR(n2, 1.0, 1e-5);
  EXPECT_EQ(n5, 0.0);  // "zz" is seen once (< min_count): no kept token, a zero row
  EXPECT_EQ(nearest_rows(v, 0, 1), (std::vector<std::int64_t>{1}));
}

TEST(ContentVectors, TitleWordsAsSimplePreprocess) {
  EXPECT_EQ(datasets::title_words("Star Wars: Episode IV - A New Hope (1977)"),
            (std::vector<std::string>{"star", "wars", "episode", "iv", "new", "hope"}));
  EXPECT_EQ(datasets::title_words("Shanghai Triad (Yao a yao yao dao waipo qiao) (1995)"),
            (std::vector<std::string>{"shanghai", "triad"}));
}

// RecBole's Amazon_Beauty.item: pandas' TSV with CSV quoting (a title holding a tab, a newline and quotes), ids
// from the attribute table, unknown ASINs skipped, tokens from title, brand, categories and price bucket.
TEST(ItemContent, BeautyItemsWithQuotedFieldsAndIdsFromTheAttributeTable) {
  const auto dir = std::filesystem::temp_directory_path() / "recgrad_beauty_items";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "ids.tsv") << "item_id\tasin\tattributes\n1\tA1\tOPI|Nails\n2\tB2\tFragrance\n";
  const std::string header =
      "item_id:token\ttitle:token\tsales_type:token\tsales_rank:float\tcategories:token_seq\tprice:float\tbrand:"
      "token\n";
  std::ofstream(dir / "items.item")
      << header << "A1\tOPI Nail Lacquer, Red &amp; Gold&reg;\tBeauty\t10.0\t'Beauty', 'Nails'\t9.5\tOPI\n"
      << "Z9\tNot in the data\tBeauty\t\t'Beauty'\t\tX\n"
      << "B2\t\"Eau \"\"Bright\"\"\tSpray\nfor Women\"\tBeauty\t1.0\t\"'Beauty', 'Fragrance', "
         "\"\"Women's\"\"\"\t\tVersace\n";
  const datasets::ItemDocuments d = datasets::read_beauty_items(dir / "items.item", dir / "ids.tsv");
  ASSERT_EQ(d.items, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(d.titles[1], "Eau \"Bright\"\tSpray\nfor Women");
  EXPECT_EQ(d.titles[0], "OPI Nail Lacquer, Red & Gold ") << "&amp; decoded, &reg; dropped";
  EXPECT_EQ(d.tokens[0], (std::vector<std::string>{"opi", "nail", "lacquer", "red", "gold", "brand:opi",
                                                   "category:nails", "price:3"}));
  EXPECT_EQ(d.tokens[1], (std::vector<std::string>{"eau", "bright", "spray", "for", "women", "brand:versace",
                                                   "category:fragrance", "category:women's"}));
  std::ofstream(dir / "bad.item") << header << "A1\tTitle\tBeauty\t1\t'Beauty'\tcheap\tOPI\n";
  test::expect_error([&] { datasets::read_beauty_items(dir / "bad.item", dir / "ids.tsv"); },
                     {"bad.item:2: price 'cheap' is not a number"});
  std::ofstream(dir / "open.item") << header << "A1\t\"never closed\tBeauty\n";
  test::expect_error([&] { datasets::read_beauty_items(dir / "open.item", dir / "ids.tsv"); },
                     {"open.item:", "a quoted field is not closed"});
  std::filesystem::remove_all(dir);
}

TEST(ItemContent, MalformedAttributeLinesNameFileAndLine) {
  const auto path = std::filesystem::temp_directory_path() / "recgrad_bad_attrs.tsv";
  std::ofstream(path) << "item_id\tasin\tattributes\n1\tA1\tx|y\n2\tA2\n";
  test::expect_error([&] { datasets::read_beauty_attributes(path); },
                     {"recgrad_bad_attrs.tsv:3: expected 3 tab-separated fields"});
  std::ofstream(path) << "item_id\tasin\tattributes\n1\tA1\tx\n1\tA1\ty\n";
  test::expect_error([&] { datasets::read_beauty_attributes(path); },
                     {"recgrad_bad_attrs.tsv:3: item 1 appears twice"});
  std::ofstream(path) << "id,asin\n";
  test::expect_error([&] { datasets::read_beauty_attributes(path); }, {"recgrad_bad_attrs.tsv:1: expected the header"});
  std::filesystem::remove(path);
}

// ---- a tiny run end to end ------------------------------------------------------------------------------

// Quiet options reading `dir`, with its own semantic-ID cache.
TrainOptions tiny_options(const std::filesystem::path& dir) {
  TrainOptions o;
  o.data_dir = dir;
  o.cache_dir = dir / "cache";
  o.progress = false;
  return o;
}

TEST(TigerTrainer, LearnsACycleThroughSemanticIds) {
  const auto dir = test::tiny_data("_tiger");
  TrainConfig c = test::tiny_tiger(dir);
  TrainOptions o = tiny_options(dir);
  const TigerResult r = train_tiger(c, o);
  EXPECT_EQ(r.test.invalid_ids, 0);
  // the next item is a function of the last one: a trained model ranks it first for most users
  EXPECT_GT(r.train.test.at("hit_rate@1"), 0.6);
  EXPECT_GE(r.train.test.at("hit_rate@5"), r.train.test.at("hit_rate@1"));
  EXPECT_GT(r.collision_size, 1);  // 12 items, 6 attribute sets: collisions must be numbered
  std::filesystem::remove_all(dir);
}

// Cold items never reach training (nor the RQ-VAE), yet keep semantic IDs, and the test splits by them.
TEST(TigerTrainer, ColdItemsStayOutOfTrainingButKeepTheirIds) {
  const auto dir = test::tiny_data("_tiger_cold");
  TrainConfig c = test::tiny_tiger(dir);
  c.data.cold_item_share = 0.3;
  c.train.epochs = 2;
  c.train.eval_every = 2;
  const TigerData data = load_tiger_data(c, dir, 42);
  std::int64_t cold = 0;
  for (std::size_t i = 1; i < data.cold.size(); ++i) cold += data.cold[i];
  ASSERT_GT(cold, 0);
  for (const auto& train : data.split.train)
    for (std::int64_t i : train) EXPECT_FALSE(data.cold[i]) << "cold item " << i << " in a training list";
  TrainOptions o = tiny_options(dir);
  const TigerResult r = train_tiger(c, o);
  EXPECT_EQ(r.test.cold_items, cold);
  EXPECT_GT(r.test.cold_users, 0);
  EXPECT_EQ(r.test.users, 40);
  EXPECT_EQ(r.test.invalid_ids, 0);
  EXPECT_TRUE(r.test.cold.count("hit_rate@5"));
  EXPECT_TRUE(r.test.warm.count("hit_rate@5"));
  std::filesystem::remove_all(dir);
}

// The one loop's resume serves TIGER too: Adam's moments and step count, the dropout stream and each
// epoch's samples continue where they stopped. (Constant learning rate: a cosine schedule is sized by the
// preset's epochs, so a 2-epoch run is not the first half of a 4-epoch one.)
TEST(TigerTrainer, ResumeGivesTheSameResultAsOneRun) {
  const auto dir = test::tiny_data("_tiger_resume");
  TrainConfig c = test::tiny_tiger(dir);
  c.tiger.dropout = 0.1;
  c.train.epochs = 4;
  c.train.eval_every = 2;
  TrainOptions o = tiny_options(dir);
  o.run_dir = dir / "full";
  const TigerResult full = train_tiger(c, o);
  c.train.epochs = 2;
  o.run_dir = dir / "part";
  train_tiger(c, o);
  c.train.epochs = 4;
  o.resume = o.run_dir / "last.safetensors";
  const TigerResult resumed = train_tiger(c, o);
  EXPECT_EQ(resumed.train.best_epoch, full.train.best_epoch);
  EXPECT_EQ(resumed.train.last_loss, full.train.last_loss);
  EXPECT_EQ(resumed.train.test, full.train.test);
  std::filesystem::remove_all(dir);
}

// Stopped inside an epoch of a cosine schedule and resumed: the schedule is sized by the preset's epochs, so
// the resumed run follows the uninterrupted one step for step.
TEST(TigerTrainer, StopInsideAnEpochAndResumeGivesTheSameResult) {
  const auto dir = test::tiny_data("_tiger_stop");
  TrainConfig c = test::tiny_tiger(dir);
  c.tiger.dropout = 0.1;
  c.tiger.lr_schedule = LrSchedule::cosine;
  c.train.epochs = 3;
  c.train.eval_every = 1;
  TrainOptions o = tiny_options(dir);
  o.run_dir = dir / "full";
  const TigerResult full = train_tiger(c, o);
  o.run_dir = dir / "part";
  o.stop_request = [](int epoch, std::size_t steps) { return epoch == 2 && steps == 2; };
  const TigerResult part = train_tiger(c, o);
  EXPECT_EQ(part.train.stopped.rfind("epoch 2 step 2/", 0), 0u) << part.train.stopped;
  o.stop_request = nullptr;
  o.resume = o.run_dir / "last.safetensors";
  const TigerResult resumed = train_tiger(c, o);
  EXPECT_EQ(resumed.train.best_epoch, full.train.best_epoch);
  EXPECT_EQ(resumed.train.last_loss, full.train.last_loss);
  EXPECT_EQ(resumed.train.test, full.train.test);
  ASSERT_EQ(resumed.train.history.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(resumed.train.history[i].loss, full.train.history[i].loss) << i;
  std::filesystem::remove_all(dir);
}

TEST(TigerConfig, KLargerThanTheBeamIsRefused) {
  const auto dir = test::tiny_data("_tiger_k");
  TrainConfig c = test::tiny_tiger(dir);
  c.eval.ks = {1, 10};
  TrainOptions o;
  o.data_dir = dir;
  o.progress = false;
  EXPECT_THROW(train_tiger(c, o), std::invalid_argument);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace recgrad::models
