// Presets parse, bad configs are explained, and the trainer learns, checkpoints and resumes exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "apps/config.hpp"
#include "training/evaluation.hpp"
#include "training/protocols.hpp"
#include "datasets/data_dir.hpp"
#include "training/sequential_task.hpp"
#include "training/tiger_data.hpp"
#include "tests/expect_error.hpp"
#include "tests/tiny_run.hpp"

namespace recgrad {
namespace {

using test::tiny_config;
using test::tiny_data;

const std::filesystem::path kRoot = std::filesystem::path(RECGRAD_FIXTURES).parent_path().parent_path();

TEST(Config, EveryPresetParses) {
  for (const char* name :
       {"sasrec_chapter.toml", "sasrec_paper.toml", "sasrec_original.toml", "sasrec_beauty.toml",
        "sasrec_beauty_coldstart.toml", "ablation/u2999_sasrec.toml", "ablation/sasrec_paper_refsplit.toml"}) {
    const auto c = apps::load_train_config(kRoot / "configs" / name);
    EXPECT_EQ(c.model, training::ModelKind::sasrec) << name;
  }
  for (const char* name :
       {"hstu_chapter.toml", "hstu_paper.toml", "hstu_large_paper.toml", "hstu_events.toml",
        "ablation/u2999_hstu_pos.toml", "ablation/u2999_hstu_time.toml", "ablation/hstu_paper_refsplit.toml"}) {
    const auto c = apps::load_train_config(kRoot / "configs" / name);
    EXPECT_EQ(c.model, training::ModelKind::hstu) << name;
    EXPECT_EQ(c.hstu.heads * c.hstu.d_v, 50) << name;
  }
  for (const char* name :
       {"tiger_beauty.toml", "tiger_beauty_attributes.toml", "tiger_beauty_coldstart.toml", "tiger_ml1m.toml"}) {
    const auto c = apps::load_train_config(kRoot / "configs" / name);
    EXPECT_EQ(c.model, training::ModelKind::tiger) << name;
    EXPECT_EQ(c.rqvae.levels, 3) << name;
    EXPECT_EQ(c.rqvae.codebook_size, 256) << name;
    EXPECT_EQ(c.rqvae.hidden, (std::vector<std::int64_t>{512, 256, 128})) << name;
    EXPECT_EQ(c.tiger.encoder_layers + c.tiger.decoder_layers, 8) << name;
    EXPECT_GE(c.tiger.beam, *std::max_element(c.eval.ks.begin(), c.eval.ks.end())) << name;
  }
  const auto paper = apps::load_train_config(kRoot / "configs/sasrec_paper.toml");
  EXPECT_EQ(paper.protocol, "paper-hstu");
  EXPECT_EQ(paper.train.negatives, 128);
  EXPECT_EQ(paper.train.epochs, 101);
  EXPECT_DOUBLE_EQ(paper.train.beta2, 0.98);
}

TEST(Config, ProblemsAreReportedTogether) {
  const auto path = std::filesystem::temp_directory_path() / "recgrad_bad_config.toml";
  std::ofstream(path)
      << "protocol = \"chapter\"\nbatch = 3\n[train]\nlr = \"fast\"\nepochs = -2\nloss = \"mse\"\n[sasrec]\nd = 50\n";
  test::expect_error([&] { apps::load_train_config(path); },
                     {"batch: unknown key", "train.lr: expected a number", "train.epochs: value",
                      "train.loss: 'mse' is not one of: bce, sampled_softmax"});
  std::filesystem::remove(path);
}

// Found by the config fuzz target: a float in ks (5e50 made toml++ convert out of range), nan passing
// the range check, and fractions silently cut to whole numbers.
TEST(Config, NumbersMustBeFiniteWholeWhereCounted) {
  const auto path = std::filesystem::temp_directory_path() / "recgrad_numbers_config.toml";
  std::ofstream(path) << "[train]\nepochs = nan\nbatch_size = 2.5\nlr = inf\n[eval]\nks = [10, 5e50]\n";
  test::expect_error([&] { apps::load_train_config(path); },
                     {"train.epochs: value nan outside", "train.batch_size: expected a whole number, got 2.5",
                      "train.lr: value inf outside", "eval.ks: expected a non-empty list of integers in [1, 1000000]"});
  std::filesystem::remove(path);
}

TEST(Config, TigerSectionsAreCheckedToo) {
  const auto path = std::filesystem::temp_directory_path() / "recgrad_bad_tiger.toml";
  std::ofstream(path) << "model = \"tiger\"\n[rqvae]\nlevels = 0\ncodes = 256\nhidden = [512, -1]\n[tiger]\nbeam = "
                         "5\n[content]\nsource = \"bert\"\n[eval]\nks = [5, 10]\nselect_metric = \"ndcg@10\"\n";
  test::expect_error([&] { apps::load_train_config(path); },
                     {"rqvae.levels: value 0", "rqvae.codes: unknown key", "rqvae.hidden: expected a non-empty list",
                      "content.source: 'bert' is not one of", "eval.ks: k = 10 is larger than tiger.beam = 5"});
  std::filesystem::remove(path);
}

// The reference split selects on the test item: its numbers must carry their own protocol tag, and that
// tag must not be put on the project's split either.
TEST(Config, ReferenceSplitOnlyUnderItsOwnProtocol) {
  const auto path = std::filesystem::temp_directory_path() / "recgrad_refsplit.toml";
  std::ofstream(path) << "protocol = \"paper-hstu\"\n[data]\nsplit = \"reference\"\n";
  test::expect_error([&] { apps::load_train_config(path); },
                     {"data.split: must be 'leave_one_out'", "protocol 'paper-hstu'"});
  std::ofstream(path) << "protocol = \"paper-hstu-refsplit\"\n";
  test::expect_error([&] { apps::load_train_config(path); }, {"data.split: must be 'reference'"});
  std::ofstream(path) << "protocol = \"paper-hstu-refsplit\"\n[data]\nsplit = \"reference\"\n";
  EXPECT_EQ(apps::load_train_config(path).data.split, training::Split::reference);
  std::ofstream(path) << "protocol = \"paper-hstu-refsplit\"\nmodel = \"tiger\"\n[data]\nsplit = "
                         "\"reference\"\n[tiger]\nbeam = 20\n[eval]\nks = [10]\nselect_metric = \"ndcg@10\"\n";
  test::expect_error([&] { apps::load_train_config(path); }, {"model: 'tiger' has no table under this protocol"});
  std::filesystem::remove(path);
}

// What defaults must not decide (issue 25, class 5): an empty preset, TIGER's item content.
TEST(Config, AnEmptyPresetAndTigerWithoutContentAreRefused) {
  const auto path = std::filesystem::temp_directory_path() / "recgrad_defaults.toml";
  std::ofstream(path) << "";
  test::expect_error([&] { apps::load_train_config(path); }, {"recgrad_defaults.toml", "the preset is empty"});
  std::ofstream(path) << "# only a comment\n";
  test::expect_error([&] { apps::load_train_config(path); }, {"the preset is empty"});
  std::ofstream(path) << "protocol = \"paper-hstu\"\nmodel = \"tiger\"\n[data]\nfile = \"ml-1m/ml-1m.seq.txt\"\n"
                      << "[tiger]\nbeam = 20\n[eval]\nks = [10]\nselect_metric = \"ndcg@10\"\n";
  test::expect_error([&] { apps::load_train_config(path); }, {"content: a TIGER preset must say where"});
  std::filesystem::remove(path);
}

// The tiger tag labels TIGER's evaluation: a SASRec preset may carry it only with that evaluation; cold items
// are held out of leave-one-out sequences only.
TEST(Config, TigerProtocolAndColdItemsAreChecked) {
  const auto path = std::filesystem::temp_directory_path() / "recgrad_tiger_tag.toml";
  std::ofstream(path) << "protocol = \"tiger\"\n[eval]\nexclude_history = true\n";
  test::expect_error([&] { apps::load_train_config(path); },
                     {"eval.exclude_history: must be false", "protocol 'tiger'"});
  std::ofstream(path) << "protocol = \"tiger\"\n[data]\ncold_item_share = 0.05\n[eval]\nexclude_history = false\n";
  EXPECT_DOUBLE_EQ(apps::load_train_config(path).data.cold_item_share, 0.05);
  std::ofstream(path) << "protocol = \"chapter\"\n[data]\nsplit = \"chapter\"\ncold_item_share = 0.05\n";
  test::expect_error([&] { apps::load_train_config(path); }, {"data.cold_item_share: cold items are held out"});
  std::filesystem::remove(path);
}

// Filled timestamps are a protocol of their own: the fill needs the paper-hstu-time-filled tag and the tag the fill.
TEST(Config, FilledTimestampsCarryTheirOwnProtocolTag) {
  const auto path = std::filesystem::temp_directory_path() / "recgrad_time_fill.toml";
  const std::string data = "[data]\nratings = \"ml-1m/ratings.partial_ts.dat.gz\"\nid_space = \"raw\"\n";
  std::ofstream(path) << "protocol = \"paper-hstu\"\nmodel = \"hstu\"\n" << data << "time_fill = \"interpolate\"\n";
  test::expect_error([&] { apps::load_train_config(path); }, {"data.time_fill: filled timestamps go with protocol"});
  std::ofstream(path) << "protocol = \"paper-hstu-time-filled\"\nmodel = \"hstu\"\n" << data;
  test::expect_error([&] { apps::load_train_config(path); }, {"data.time_fill: must name the rule"});
  std::ofstream(path) << "protocol = \"paper-hstu-time-filled\"\nmodel = \"hstu\"\n"
                      << data << "time_fill = \"previous\"\n";
  EXPECT_EQ(apps::load_train_config(path).data.time_fill, datasets::TimeFill::previous);
  // Hiding measured times is its own tag again: not under the filled one, and that tag not without it.
  std::ofstream(path) << "protocol = \"paper-hstu-time-filled\"\nmodel = \"hstu\"\n"
                      << data << "time_fill = \"previous\"\nhide_times = \"like_partial_ts\"\n";
  test::expect_error([&] { apps::load_train_config(path); },
                     {"data.hide_times: hidden timestamps go with protocol = \"paper-hstu-u2999-time-hidden\" only"});
  std::ofstream(path) << "protocol = \"paper-hstu-u2999-time-hidden\"\nmodel = \"hstu\"\n"
                      << data << "time_fill = \"previous\"\n";
  test::expect_error([&] { apps::load_train_config(path); }, {"data.hide_times: must name which measured times"});
  std::filesystem::remove(path);
}

// The protocol table: a preset made of a row's own settings passes for each of its models, and each defect class
// of a mislabelled preset (issue 25, class 5) names the key and the protocol.
TEST(Config, ProtocolTableAcceptsItsRowsAndNamesEachMismatch) {
  for (const auto& r : training::protocol_rules())
    for (auto m : r.models) {
      training::TrainConfig c;
      c.protocol = r.tag;
      c.model = m;
      c.data.split = r.split;
      c.eval.ranking = r.ranking;
      c.eval.exclude_history = !r.keeps_history;
      if (r.ratings == training::Need::yes) c.data.ratings = "ratings.dat";
      if (r.filled_times) c.data.time_fill = datasets::TimeFill::interpolate;
      if (r.hidden_times) c.data.hide_times = datasets::HideTimes::like_partial_ts;
      EXPECT_EQ(training::check_protocol(c), "") << r.tag << " " << name_of(m);
    }
  auto errors = [](const std::string& tag, auto edit) {
    training::TrainConfig c;
    c.protocol = tag;
    if (const auto* r = training::protocol_rule(tag)) c.data.split = r->split;
    edit(c);
    return training::check_protocol(c);
  };
  using training::ModelKind;
  EXPECT_NE(errors("chapter", [](auto& c) { c.model = ModelKind::tiger; }).find("model: 'tiger' has no table"),
            std::string::npos);
  EXPECT_NE(errors("paper-hstu", [](auto& c) { c.eval.ranking = training::Ranking::sampled_100; })
                .find("eval.ranking: must be 'full' (protocol 'paper-hstu'"),
            std::string::npos);
  EXPECT_NE(errors("paper-hstu-u2999", [](auto&) {}).find("data.ratings: this protocol reads ratings"),
            std::string::npos);
  EXPECT_NE(errors("paper-hstu", [](auto& c) { c.data.ratings = "r.dat"; }).find("data.ratings: an event stream"),
            std::string::npos);
  EXPECT_NE(errors("sasrec-sampled", [](auto&) {}).find("eval.ranking: must be 'sampled-100'"), std::string::npos);
  EXPECT_NE(errors("nonsense", [](auto&) {}).find("'nonsense' is not a protocol"), std::string::npos);
}

// TOML has no include: each refsplit ablation repeats its paper preset. Both must stay the same settings apart
// from the protocol tag and the split line (comments aside), or the ablation would measure something else.
// The settings of a preset file, comments and the keys named in `apart` left out.
std::string settings_except(const std::filesystem::path& path, const std::vector<std::string>& apart) {
  std::ifstream in(path);
  std::string out, line;
  while (std::getline(in, line)) {
    const bool skip = line.empty() || line[0] == '#' || std::any_of(apart.begin(), apart.end(), [&](const auto& k) {
                        return line.rfind(k + " =", 0) == 0;
                      });
    if (!skip) out += line + "\n";
  }
  return out;
}

TEST(Config, RefsplitAblationsRepeatTheirPresetsExactly) {
  for (const char* model : {"sasrec", "hstu"}) {
    const auto preset = kRoot / "configs" / (std::string(model) + "_paper.toml");
    const auto ablation = kRoot / "configs/ablation" / (std::string(model) + "_paper_refsplit.toml");
    ASSERT_FALSE(settings_except(preset, {"protocol", "split"}).empty()) << preset;
    EXPECT_EQ(settings_except(ablation, {"protocol", "split"}), settings_except(preset, {"protocol", "split"}))
        << ablation << " no longer repeats " << preset;
  }
  const auto time = kRoot / "configs/hstu_paper_time.toml";
  EXPECT_EQ(settings_except(kRoot / "configs/ablation/hstu_paper_time_refsplit.toml", {"protocol", "split"}),
            settings_except(time, {"protocol", "split"}));
}

// The time-bias presets measure what their names say: hstu_paper_time.toml is hstu_paper.toml plus the time bias
// and its timestamps, and the sensitivity check differs from it in the fill rule alone.
TEST(Config, TimeBiasPresetsDifferInWhatTheyMeasureOnly) {
  const auto paper = kRoot / "configs/hstu_paper.toml", time = kRoot / "configs/hstu_paper_time.toml";
  const auto previous = kRoot / "configs/ablation/hstu_paper_time_previous.toml";
  EXPECT_EQ(settings_except(time, {"protocol", "ratings", "time_fill", "time_bias"}),
            settings_except(paper, {"protocol"}));
  EXPECT_EQ(settings_except(previous, {"time_fill"}), settings_except(time, {"time_fill"}));
  EXPECT_EQ(apps::load_train_config(previous).data.time_fill, datasets::TimeFill::previous);
  EXPECT_EQ(apps::load_train_config(time).data.time_fill, datasets::TimeFill::interpolate);
  EXPECT_TRUE(apps::load_train_config(time).hstu.time_bias);
  // What a fill costs (§4.5): the measured u2999 row with times hidden and filled, by either rule, nothing else.
  const auto measured = kRoot / "configs/ablation/u2999_hstu_time.toml";
  for (const char* hidden : {"u2999_hstu_time_hidden.toml", "u2999_hstu_time_hidden_previous.toml"}) {
    const auto h = kRoot / "configs/ablation" / hidden;
    EXPECT_EQ(settings_except(h, {"protocol", "hide_times", "time_fill"}), settings_except(measured, {"protocol"}))
        << h;
    EXPECT_EQ(apps::load_train_config(h).data.hide_times, datasets::HideTimes::like_partial_ts);
  }
  EXPECT_EQ(apps::load_train_config(kRoot / "configs/ablation/u2999_hstu_time_hidden.toml").data.time_fill,
            datasets::TimeFill::interpolate);
  EXPECT_EQ(apps::load_train_config(kRoot / "configs/ablation/u2999_hstu_time_hidden_previous.toml").data.time_fill,
            datasets::TimeFill::previous);
}

// The tiny data set of tests/tiny_run.hpp: 40 users walking the cycle 1..12 from different starts.
TEST(Trainer, LearnsATinyCycle) {
  training::TrainOptions opt;
  opt.data_dir = tiny_data();
  opt.progress = false;
  const auto r = training::train_sequential(tiny_config(), opt);
  EXPECT_GE(r.test.at("hit_rate@1"), 0.9) << "the next item of a cycle is easy";
  EXPECT_GT(r.best_epoch, 0);
  std::filesystem::remove_all(opt.data_dir);
}

// Cold start for SASRec: a cold item is never a training target, input or negative, so an epoch leaves its
// embedding row exactly at its initial value, while warm rows move; the test reports cold and warm users.
TEST(Trainer, ColdItemsAreNeverTrained) {
  training::TrainOptions opt;
  opt.data_dir = tiny_data("_cold");
  opt.progress = false;
  opt.run_dir = opt.data_dir / "run";
  training::TrainConfig c = tiny_config();
  c.data.cold_item_share = 0.25;
  const training::SequentialData data = training::load_sequential_data(c, opt.data_dir, opt.seed);
  std::vector<std::int64_t> cold;
  for (std::int64_t i = 1; i < data.vocab; ++i)
    if (data.cold[i]) cold.push_back(i);
  ASSERT_FALSE(cold.empty());
  for (const auto& train : data.split.train)
    for (std::int64_t i : train) EXPECT_FALSE(data.cold[i]) << "cold item " << i << " in a training list";
  for (std::int64_t i : data.negative_ids) EXPECT_FALSE(data.cold[i]) << "cold item " << i << " among the negatives";
  training::SequentialTask task(c, data, opt.seed);
  const Tensor M = task.sequence_model().item_table();  // (vocab, d)
  const std::vector<float> before(M.data<float>(), M.data<float>() + M.numel());
  for (std::size_t b = 0, n = task.begin_epoch(1); b < n; ++b) task.step(b);
  const std::int64_t d = M.size(1);
  const auto row_moved = [&](std::int64_t i) {
    for (std::int64_t j = 0; j < d; ++j)
      if (M.data<float>()[i * d + j] != before[i * d + j]) return true;
    return false;
  };
  for (std::int64_t i : cold) EXPECT_FALSE(row_moved(i)) << "cold item " << i << "'s embedding was trained";
  std::int64_t warm_moved = 0;
  for (std::int64_t i : data.negative_ids) warm_moved += row_moved(i);
  EXPECT_EQ(warm_moved, static_cast<std::int64_t>(data.negative_ids.size()));
  // leaving the cold items out of the list can only lift a warm target's rank (the target always competes)
  const training::TrainConfig fitted = training::fitted_to(c, data.vocab);
  const auto warm = [&](bool rank_cold) {
    return training::evaluate_sequential(fitted, task.sequence_model(), data, true, 1, training::TargetUsers::warm,
                                         rank_cold);
  };
  const training::Metrics ranked = warm(true), unranked = warm(false);
  for (const char* k : {"hit_rate@1", "hit_rate@5", "ndcg@5"}) EXPECT_GE(unranked.at(k), ranked.at(k)) << k;
  c.train.epochs = 2;
  training::train_sequential(c, opt);
  const auto r = training::evaluate_checkpoint(c, opt, opt.run_dir / "best.safetensors");
  EXPECT_EQ(r.cold_items, static_cast<std::int64_t>(cold.size()));
  EXPECT_GT(r.cold_users, 0);
  EXPECT_TRUE(r.test_cold.count("hit_rate@5") && r.test_warm.count("hit_rate@5") &&
              r.test_warm_cold_unranked.count("hit_rate@5"));
  std::filesystem::remove_all(opt.data_dir);
}

// The cold-start comparison is fair only if SASRec and TIGER hold out the same items: on Beauty both number
// the items by ascending raw id, so the same seed draws the same cold set.
TEST(Trainer, SasrecAndTigerHoldOutTheSameBeautyItems) {
  std::filesystem::path dir;
  try {
    dir = datasets::find_data_dir("", "amazon-beauty/Beauty.txt");
  } catch (const std::exception&) {
    GTEST_SKIP() << "Amazon Beauty not found (skipped): see scripts/get_data.sh";
  }
  const auto sasrec = apps::load_train_config(kRoot / "configs/sasrec_beauty_coldstart.toml");
  const auto tiger = apps::load_train_config(kRoot / "configs/tiger_beauty_coldstart.toml");
  EXPECT_EQ(sasrec.data.cold_item_share, tiger.data.cold_item_share);
  const training::SequentialData s = training::load_sequential_data(sasrec, dir, 42);
  const training::TigerData t = training::load_tiger_data(tiger, dir, 42);
  // TIGER's catalogue (items with content, and items in a sequence) holds the sequences' items: equal sizes
  // make them one set, numbered alike by ascending raw id
  ASSERT_EQ(s.vocab, t.num_items() + 1);
  EXPECT_EQ(s.cold, t.cold);
  EXPECT_GT(std::count(t.cold.begin(), t.cold.end(), 1), 500);
}

TEST(Trainer, HSTULearnsATinyCycle) {
  training::TrainConfig c = test::tiny_hstu_config();
  training::TrainOptions opt;
  opt.data_dir = tiny_data();
  opt.progress = false;
  const auto r = training::train_sequential(c, opt);
  EXPECT_GE(r.test.at("hit_rate@1"), 0.9) << "the next item of a cycle is easy";
  std::filesystem::remove_all(opt.data_dir);
}

// The event stream end to end: ratings (times and stars) and users.dat tokens for the tiny cycle; every
// third interaction is rated 2 (not a target), and HSTU uses times, actions and attributes.
TEST(Trainer, HSTUOnTheEventStreamLearnsATinyCycle) {
  const auto dir = tiny_data();
  std::ofstream ratings(dir / "ratings.dat"), users(dir / "users.dat");
  for (int u = 1; u <= 40; ++u) {
    for (int t = 0; t < 9 + u % 6; ++t)
      ratings << u << "::" << (u + t) % 12 + 1 << "::" << (t % 3 == 2 ? 2 : 5) << "::" << 978300000 + 3600 * t << "\n";
    users << u << "::" << (u % 2 ? "F" : "M") << "::25::" << u % 21 << "::00000\n";
  }
  ratings.close();
  users.close();
  training::TrainConfig c = tiny_config();
  c.model = training::ModelKind::hstu;
  c.data.id_space = training::IdSpace::raw;
  c.data.ratings = "ratings.dat";
  c.data.user_attributes = "users.dat";
  c.data.positive_min_rating = 4;
  c.hstu.d = 16;
  c.hstu.d_qk = c.hstu.d_v = 8;
  c.hstu.max_len = 10;
  c.hstu.layers = 1;
  c.hstu.dropout = c.hstu.input_dropout = 0.0;
  c.hstu.norm_constant = 10;
  c.hstu.time_bias = true;
  c.hstu.actions = 6;
  c.train.epochs = 60;
  training::TrainOptions opt;
  opt.data_dir = dir;
  opt.progress = false;
  opt.run_dir = dir / "run";
  const auto r = training::train_sequential(c, opt);
  EXPECT_GE(r.test.at("hit_rate@1"), 0.9) << "the next item of a cycle is easy, whatever its rating";
  // The saved best model evaluates to the same numbers; the rated >= 4 subset has the users whose last
  // item (t = 8 + u % 6) is not a rating-2 one.
  const auto e = training::evaluate_checkpoint(c, opt, opt.run_dir / "best.safetensors");
  EXPECT_EQ(e.test, r.test);
  EXPECT_EQ(e.valid, r.valid);
  int rated_5 = 0;
  for (int u = 1; u <= 40; ++u) rated_5 += (8 + u % 6) % 3 != 2;
  EXPECT_EQ(e.users_rated_4_plus, rated_5);
  EXPECT_FALSE(e.test_rated_4_plus.empty());
  // Read as the reference code reads the data, the per-epoch pass ranks the test item: both tables agree.
  c.data.split = training::Split::reference;
  c.train.epochs = 2;
  const auto ref = training::train_sequential(c, opt);
  EXPECT_EQ(ref.valid, ref.test);
  c.data.split = training::Split::leave_one_out;
  c.data.user_attributes = "missing_users.dat";
  EXPECT_THROW(training::train_sequential(c, opt), std::exception) << "a missing users file is an error";
  std::filesystem::remove_all(dir);
}

TEST(Trainer, ResumeGivesTheSameResultAsOneRun) {
  training::TrainConfig c = tiny_config();
  c.train.epochs = 6;
  c.train.eval_every = 2;
  training::TrainOptions opt;
  opt.data_dir = tiny_data();
  opt.progress = false;
  opt.run_dir = opt.data_dir / "full";
  const auto full = training::train_sequential(c, opt);
  // Stop after 3 epochs, then resume from last.safetensors up to 6.
  c.train.epochs = 3;
  opt.run_dir = opt.data_dir / "part";
  training::train_sequential(c, opt);
  c.train.epochs = 6;
  opt.resume = opt.run_dir / "last.safetensors";
  const auto resumed = training::train_sequential(c, opt);
  EXPECT_EQ(resumed.best_epoch, full.best_epoch);
  EXPECT_EQ(resumed.test, full.test);
  EXPECT_EQ(resumed.last_loss, full.last_loss);
  std::filesystem::remove_all(opt.data_dir);
}

// --time-budget stops inside an epoch; the resumed run finishes with the uninterrupted run's numbers: the
// epoch's samplers (BCE's rejection sampler, sampled softmax's counter), its loss sum and the dropout stream
// continue where they stopped.
TEST(Trainer, StopInsideAnEpochAndResumeGivesTheSameResult) {
  for (const training::Loss loss : {training::Loss::bce, training::Loss::sampled_softmax}) {
    training::TrainConfig c = tiny_config();
    c.train.loss = loss;
    c.train.epochs = 6;
    c.train.eval_every = 2;
    training::TrainOptions opt;
    opt.data_dir = tiny_data("_stop", 40, 3);  // nobody has all 12 items: BCE always finds a negative
    opt.progress = false;
    opt.run_dir = opt.data_dir / "full";
    const auto full = training::train_sequential(c, opt);
    opt.run_dir = opt.data_dir / "part";
    opt.stop_request = [](int epoch, std::size_t steps) { return epoch == 4 && steps == 1; };  // 3 steps an epoch
    const auto part = training::train_sequential(c, opt);
    EXPECT_EQ(part.stopped, "epoch 4 step 1/3");
    EXPECT_TRUE(part.test.empty()) << "a stopped run is not tested";
    opt.stop_request = nullptr;
    opt.resume = opt.run_dir / "last.safetensors";
    const auto resumed = training::train_sequential(c, opt);
    EXPECT_TRUE(resumed.stopped.empty());
    EXPECT_EQ(resumed.best_epoch, full.best_epoch);
    EXPECT_EQ(resumed.test, full.test);
    ASSERT_EQ(resumed.history.size(), 6u) << "epochs 1-3 from the checkpoint, 4-6 trained";
    for (std::size_t i = 0; i < 6; ++i) {
      EXPECT_EQ(resumed.history[i].loss, full.history[i].loss) << "epoch " << i + 1;
      EXPECT_EQ(resumed.history[i].valid_all, full.history[i].valid_all) << "epoch " << i + 1;
    }
    std::filesystem::remove_all(opt.data_dir);
  }
}

// BCE draws a negative the user has not seen; a user who has seen every candidate gets a clear error up
// front, not an endless draw.
TEST(Trainer, BceRefusesAUserWhoHasEveryItem) {
  training::TrainConfig c = tiny_config();
  c.train.loss = training::Loss::bce;
  training::TrainOptions opt;
  opt.data_dir = tiny_data("_bce_all");  // user 3 walks 12 steps of the 12-cycle
  opt.progress = false;
  test::expect_error([&] { training::train_sequential(c, opt); },
                     {"user 3 has interacted with all 12 candidate items", "sampled_softmax"});
  std::filesystem::remove_all(opt.data_dir);
}

// A stop between two epochs leaves an ordinary end-of-epoch checkpoint.
TEST(Trainer, StopBetweenEpochsResumesAtTheNextEpoch) {
  training::TrainConfig c = tiny_config();
  c.train.epochs = 4;
  c.train.eval_every = 1;
  training::TrainOptions opt;
  opt.data_dir = tiny_data("_stop_epoch");
  opt.progress = false;
  opt.run_dir = opt.data_dir / "full";
  const auto full = training::train_sequential(c, opt);
  opt.run_dir = opt.data_dir / "part";
  opt.stop_request = [](int epoch, std::size_t steps) { return epoch == 3 && steps == 0; };
  EXPECT_EQ(training::train_sequential(c, opt).stopped, "after epoch 2");
  opt.stop_request = nullptr;
  opt.resume = opt.run_dir / "last.safetensors";
  const auto resumed = training::train_sequential(c, opt);
  EXPECT_EQ(resumed.test, full.test);
  EXPECT_EQ(resumed.best_epoch, full.best_epoch);
  std::filesystem::remove_all(opt.data_dir);
}

}  // namespace
}  // namespace recgrad
