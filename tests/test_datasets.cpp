// Loaders on small fixtures (tests/fixtures/), malformed lines included; sequences, splits, padding.
#include <gtest/gtest.h>

#include "tests/expect_error.hpp"

#include "datasets/data_dir.hpp"
#include "datasets/event_stream.hpp"
#include "datasets/line_reader.hpp"
#include "datasets/movielens.hpp"
#include "datasets/sequences.hpp"

namespace recgrad::datasets {
namespace {

const std::filesystem::path kFixtures = RECGRAD_FIXTURES;

TEST(Datasets, ReadsRatingsPlainAndGzip) {
  for (const char* name : {"ratings_small.dat", "ratings_small.dat.gz"}) {
    const auto r = read_ratings(kFixtures / name);
    ASSERT_EQ(r.size(), 5u) << name;
    EXPECT_EQ(r[0].user, 1);
    EXPECT_EQ(r[0].item, 10);
    EXPECT_EQ(r[0].rating, 5);
    EXPECT_EQ(r[4].timestamp, 978300001);
  }
}

// Unknown ("NA") timestamps: refused without a fill rule, read as kUnknownTime with one, and filled along each
// user's order by the documented rules (datasets/time_fill.hpp); any other non-integer names file:line.
TEST(Datasets, UnknownTimestampsAreRefusedOrFilledByTheStatedRule) {
  test::expect_error([] { read_ratings(kFixtures / "ratings_na.dat"); },
                     {"ratings_na.dat:2:", "Timestamp is NA", "time_fill"});
  test::expect_error([] { read_ratings(kFixtures / "ratings_bad_time.dat", true); },
                     {"ratings_bad_time.dat:2:", "Timestamp", "'12x' is not an integer"});
  const auto r = read_ratings(kFixtures / "ratings_na.dat", true);
  ASSERT_EQ(r.size(), 9u);
  EXPECT_EQ(r[1].timestamp, kUnknownTime);
  EXPECT_EQ(r[3].timestamp, 400);
  auto times_of = [&] {  // per user, in file order (the fixture is chronological per user)
    std::vector<std::vector<std::int64_t>> t(3);
    for (const auto& x : r) t[static_cast<std::size_t>(x.user - 1)].push_back(x.timestamp);
    return t;
  };
  auto interp = times_of();
  const auto report = fill_unknown_times(interp, TimeFill::interpolate);
  // user 1: 100, ?, ?, 400 -> evenly between; user 2: ?, 50, ? -> the nearest known; user 3: none known ->
  // the earliest known time of all users (50), so every gap is 0
  EXPECT_EQ(interp[0], (std::vector<std::int64_t>{100, 200, 300, 400}));
  EXPECT_EQ(interp[1], (std::vector<std::int64_t>{50, 50, 50}));
  EXPECT_EQ(interp[2], (std::vector<std::int64_t>{50, 50}));
  EXPECT_EQ(report.filled, 6);
  EXPECT_EQ(report.users_touched, 3);
  EXPECT_EQ(report.users_without_any, 1);
  EXPECT_EQ(report.filled_test, 2);   // users 2 and 3
  EXPECT_EQ(report.filled_valid, 2);  // users 1 and 3
  auto prev = times_of();
  fill_unknown_times(prev, TimeFill::previous);
  EXPECT_EQ(prev[0], (std::vector<std::int64_t>{100, 100, 100, 400}));
  EXPECT_EQ(prev[1], (std::vector<std::int64_t>{50, 50, 50}));
  auto none = times_of();
  test::expect_error([&] { fill_unknown_times(none, TimeFill::none); }, {"unknown time"});
}

// Measured times hidden by ratings.partial_ts.dat.gz's pattern (1-3 stars and before 975768738, both), then
// filled, and the fill scored against what was hidden.
TEST(Datasets, TimesHiddenByThePartialFilesPatternAreScoredAgainstTheMeasuredOnes) {
  const std::int64_t cut = kPartialTsUnknownBefore, day = 86400;
  std::vector<std::vector<std::int64_t>> times{{cut - 10 * day, cut - 9 * day, cut - 4 * day, cut - day, cut + day}};
  const std::vector<std::vector<int>> stars{{5, 3, 1, 4, 2}};
  const auto measured = times;
  EXPECT_EQ(hide_like_partial_ts(times, stars), 2);  // the 3 and the 1; not the 4, not the 2 made after the cut
  EXPECT_EQ(times[0], (std::vector<std::int64_t>{cut - 10 * day, kUnknownTime, kUnknownTime, cut - day, cut + day}));
  const auto hidden = times;
  fill_unknown_times(times, TimeFill::interpolate);  // -10, -7, -4, -1 days: off by 2 days, then exact
  const auto days = [](std::int64_t dt) { return std::abs(dt) / 86400; };  // a bucket of one day, for the test
  const auto e = fill_error(measured, hidden, times, +days);
  EXPECT_EQ(e.hidden, 2);
  EXPECT_EQ(e.exact, 1);
  EXPECT_EQ(e.gaps, 2);
  EXPECT_EQ(e.same_bucket, 1);                  // gaps to the next: 3 days filled, 5 and 3 measured
  EXPECT_DOUBLE_EQ(e.median_abs_s, 2.0 * day);  // of {0, 2 days}, the upper
  EXPECT_DOUBLE_EQ(e.mean_abs_h, 24.0);
  auto ragged = stars;
  ragged[0].pop_back();
  test::expect_error([&] { hide_like_partial_ts(times, ragged); }, {"user 0 has 5 times and 4 ratings"});
}

TEST(Datasets, MalformedRatingsNameFileAndLine) {
  test::expect_error([] { read_ratings(kFixtures / "ratings_bad_fields.dat"); },
                     {"ratings_bad_fields.dat:3:", "expected 4 fields", "found 3"});
  test::expect_error([] { read_ratings(kFixtures / "ratings_bad_rating.dat"); },
                     {"ratings_bad_rating.dat:2:", "Rating 7 is outside [1, 5]"});
  test::expect_error([] { read_ratings(kFixtures / "no_such_file.dat"); }, {"no_such_file.dat", "not found"});
}

TEST(Datasets, SequencesAndMalformedSequences) {
  const auto s = read_sequences(kFixtures / "seq_small.txt");
  EXPECT_EQ(s.users, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(s.items[0], (std::vector<std::int64_t>{5, 3, 9, 2}));
  test::expect_error([] { read_sequences(kFixtures / "seq_bad.txt"); }, {"seq_bad.txt:2:", "'x5'"});
}

TEST(Datasets, UserItemPairs) {
  const auto s = read_user_item_pairs(kFixtures / "pairs_small.txt");
  EXPECT_EQ(s.users, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(s.items[1], (std::vector<std::int64_t>{4, 1}));
  test::expect_error([] { read_user_item_pairs(kFixtures / "pairs_bad.txt"); }, {"pairs_bad.txt:4:", "not contiguous"});
}

TEST(Datasets, MoviesAreConvertedFromLatin1) {
  const auto m = read_movies(kFixtures / "movies_small.dat");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[1].title, "Mis\xc3\xa9rables, Les (1995)");  // é in UTF-8
  EXPECT_EQ(m[0].genres, (std::vector<std::string>{"Animation", "Children's", "Comedy"}));
}

TEST(Datasets, UsersAndMalformedUsers) {
  const auto u = read_users(kFixtures / "users_small.dat");
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u[1].gender, 'M');
  EXPECT_EQ(u[1].age, 56);
  EXPECT_EQ(u[1].occupation, 16);
  test::expect_error([] { read_users(kFixtures / "users_bad.dat"); }, {"users_bad.dat:2:", "gender"});
}

TEST(Datasets, BuildSequencesIsStableOnTimestampTies) {
  // user 1: (20, t=750, line 2), (30, t=750, line 4), (10, t=760) -> 20, 30, 10
  const auto s = build_sequences(read_ratings(kFixtures / "ratings_small.dat"));
  EXPECT_EQ(s.users, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(s.items[0], (std::vector<std::int64_t>{20, 30, 10}));
  EXPECT_EQ(s.items[1], (std::vector<std::int64_t>{10, 40}));
}

TEST(Datasets, ItemIdsByAscendingRawIdWithZeroPadding) {
  const auto s = read_sequences(kFixtures / "seq_small.txt");  // raw items 1 2 3 5 7 9
  const auto map = ItemIdMap::by_ascending_id(s);
  EXPECT_EQ(map.num_items(), 6);
  EXPECT_EQ(map.to_dense(1), 1);
  EXPECT_EQ(map.to_dense(9), 6);
  EXPECT_EQ(map.to_raw(4), 5);
  EXPECT_EQ(map.remap(s).items[0], (std::vector<std::int64_t>{4, 3, 6, 2}));
  EXPECT_THROW(map.to_dense(4), std::out_of_range);
}

TEST(Datasets, RightPaddingAsTheHSTUCode) {
  EXPECT_EQ(right_pad({1, 2, 3}, 5), (std::vector<std::int64_t>{1, 2, 3, 0, 0}));
  EXPECT_EQ(right_pad({1, 2, 3, 4, 5, 6}, 4), (std::vector<std::int64_t>{3, 4, 5, 6}));
  const Row r = next_item_row({7, 8, 9}, 4, /*pad_right=*/true);
  EXPECT_EQ(r.seq, (std::vector<std::int64_t>{7, 8, 0, 0}));
  EXPECT_EQ(r.pos, (std::vector<std::int64_t>{8, 9, 0, 0}));
}

TEST(Datasets, LeftPaddingAndNextItemRows) {
  EXPECT_EQ(left_pad({1, 2, 3}, 5), (std::vector<std::int64_t>{0, 0, 1, 2, 3}));
  EXPECT_EQ(left_pad({1, 2, 3, 4, 5, 6}, 4), (std::vector<std::int64_t>{3, 4, 5, 6}));
  // seq = L[:-1], pos = L[1:], each left-padded: pos[t] is the item after seq[t].
  const Row row = next_item_row({11, 12, 13, 14}, 5);
  EXPECT_EQ(row.seq, (std::vector<std::int64_t>{0, 0, 11, 12, 13}));
  EXPECT_EQ(row.pos, (std::vector<std::int64_t>{0, 0, 12, 13, 14}));
}

TEST(Datasets, LeaveOneOutSplit) {
  UserSequences s{{1, 2}, {{1, 2, 3, 4, 5}, {7, 8}}};
  const auto split = leave_one_out(s);
  EXPECT_EQ(split.train[0], (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(split.valid_target[0], 4);
  EXPECT_EQ(split.valid_history[0], (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(split.test_target[0], 5);
  EXPECT_EQ(split.test_history[0], (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(split.train[1], (std::vector<std::int64_t>{7, 8})) << "short users only train";
  EXPECT_EQ(split.test_target[1], 0);
}

TEST(Datasets, ReferenceSplitTrainsOnAllButTheLastAndSelectsOnIt) {
  UserSequences s{{1, 2}, {{1, 2, 3, 4, 5}, {7, 8}}};
  const auto split = reference_split(s);
  EXPECT_EQ(split.train[0], (std::vector<std::int64_t>{1, 2, 3, 4})) << "item 4 becomes a training target";
  EXPECT_EQ(split.valid_target[0], 5) << "the selection pass ranks the test item";
  EXPECT_EQ(split.valid_history[0], split.test_history[0]);
  EXPECT_EQ(split.test_target[0], 5);
  EXPECT_EQ(split.train[1], (std::vector<std::int64_t>{7, 8})) << "short users only train";
  EXPECT_EQ(split.valid_target[1], 0);
}

TEST(EventStream, RatingsAreAttachedInSequenceOrder) {
  UserSequences s;
  s.users = {7, 8, 9};
  s.items = {{30, 10, 20}, {5}, {1, 2}};
  const std::vector<Rating> r{{7, 10, 4, 100}, {7, 20, 2, 100}, {7, 30, 5, 90}, {9, 1, 3, 5}, {9, 2, 1, 6}};
  const auto t = attach_ratings(s, r, "ratings.dat");
  EXPECT_EQ(t.seqs.users, (std::vector<std::int64_t>{7, 9}));  // user 8 has no ratings: dropped
  EXPECT_EQ(t.times[0], (std::vector<std::int64_t>{90, 100, 100}));
  EXPECT_EQ(t.ratings[0], (std::vector<int>{5, 4, 2}));
  s.items[2] = {1, 3};
  test::expect_error([&] { attach_ratings(s, r, "ratings.dat"); }, {"ratings.dat", "user 9, item 3 has no rating"});
}

TEST(EventStream, AttributeTokens) {
  const AttributeTokens a{100};
  EXPECT_EQ(a.of({1, 'F', 1, 0, ""}), (std::array<std::int64_t, 3>{100, 102, 109}));
  EXPECT_EQ(a.of({2, 'M', 56, 20, ""}), (std::array<std::int64_t, 3>{101, 108, 129}));
  EXPECT_THROW(a.of({3, 'M', 17, 2, ""}), std::invalid_argument);
}

// Attributes g, a, o then items 11..15 rated 5, 2, 4, 3, 5; positives are ratings >= 4.
TEST(EventStream, RowsPredictThePositiveNextItem) {
  const Stream s = make_stream({11, 12, 13, 14, 15}, {10, 20, 30, 40, 50}, {5, 2, 4, 3, 5}, {100, 102, 109}, 4);
  EXPECT_EQ(s.first_item, 3u);
  const StreamRow r = stream_row(s, s.tokens.size(), 10, /*pad_right=*/true);
  EXPECT_EQ(r.seq, (std::vector<std::int64_t>{100, 102, 109, 11, 12, 13, 14, 0, 0, 0}));
  EXPECT_EQ(r.pos, (std::vector<std::int64_t>{0, 0, 11, 0, 13, 0, 15, 0, 0, 0}));
  EXPECT_EQ(r.key_time, (std::vector<std::int64_t>{10, 10, 10, 10, 20, 30, 40, 0, 0, 0}));
  EXPECT_EQ(r.query_time, (std::vector<std::int64_t>{10, 10, 10, 20, 30, 40, 50, 0, 0, 0}));
  EXPECT_EQ(r.action, (std::vector<std::int64_t>{0, 0, 0, 5, 2, 4, 3, 0, 0, 0}));
  EXPECT_EQ(r.last, 6);
  // T = 5: the attributes stay, the oldest events go; the last attribute now predicts item 13.
  const StreamRow t = stream_row(s, s.tokens.size(), 5, /*pad_right=*/false);
  EXPECT_EQ(t.seq, (std::vector<std::int64_t>{100, 102, 109, 13, 14}));
  EXPECT_EQ(t.pos, (std::vector<std::int64_t>{0, 0, 13, 0, 15}));
  EXPECT_EQ(t.query_time, (std::vector<std::int64_t>{10, 10, 30, 40, 50}));
  // Evaluation on the 4th item: the stream up to it; its time is the last query time.
  const StreamRow e = stream_row(s, 3 + 4, 10, true);
  EXPECT_EQ(e.pos[e.last], 0) << "item 14 was rated 3: not a training target, but still the evaluation target";
  EXPECT_EQ(e.query_time[e.last], 40);
  // Without attributes and with every rating positive, a row is next_item_row's.
  const Stream plain = make_stream({11, 12, 13}, {1, 2, 3}, {1, 1, 1}, {}, 0);
  const StreamRow p = stream_row(plain, 3, 4, true);
  const Row n = next_item_row({11, 12, 13}, 4, true);
  EXPECT_EQ(p.seq, n.seq);
  EXPECT_EQ(p.pos, n.pos);
}

TEST(Datasets, NegativeSamplerIsSeededUniformAndExcludes) {
  NegativeSampler a(10, 3), b(10, 3);
  std::vector<int> counts(11, 0);
  for (int i = 0; i < 10000; ++i) {
    const auto x = a.sample();
    EXPECT_EQ(x, b.sample());
    ASSERT_GE(x, 1);
    ASSERT_LE(x, 10);
    ++counts[x];
  }
  for (int i = 1; i <= 10; ++i) EXPECT_NEAR(counts[i], 1000, 150);
  std::vector<char> exclude(11, 1);
  exclude[7] = 0;
  EXPECT_EQ(a.sample_excluding(exclude), 7);
}

TEST(Datasets, DataDirLookupExplainsWhereItLooked) {
  test::expect_error([] { find_data_dir("", "no-such-set/data.txt"); },
                     {"$RECGRAD_DATA", "./data", "../shared/data", "scripts/get_data.sh"});
  // An explicit --data-dir is authoritative: no silent fall-back to other data.
  test::expect_error([] { find_data_dir("/nonexistent-dir", "ml-1m/ml-1m.seq.txt"); },
                     {"--data-dir", "/nonexistent-dir/ml-1m/ml-1m.seq.txt", "scripts/get_data.sh"});
  EXPECT_EQ(find_data_dir(kFixtures.string(), "seq_small.txt"), kFixtures);
}

TEST(Datasets, RealMovieLensWhenPresent) {
  std::filesystem::path dir;
  try {
    dir = find_data_dir("", "ml-1m/ml-1m.seq.txt");
  } catch (const std::exception&) {
    GTEST_SKIP() << "ML-1M not found (skipped): see scripts/get_data.sh";
  }
  const auto s = read_sequences(dir / "ml-1m/ml-1m.seq.txt");
  std::size_t n = 0;
  for (const auto& v : s.items) n += v.size();
  EXPECT_EQ(s.users.size(), 6040u);
  EXPECT_EQ(n, 1000209u);
  EXPECT_EQ(ItemIdMap::by_ascending_id(s).num_items(), 3706);
  EXPECT_EQ(read_movies(dir / "ml-1m/movies.dat").size(), 3883u);
  EXPECT_EQ(read_users(dir / "ml-1m/users.dat").size(), 6040u);
  EXPECT_EQ(read_ratings(dir / "ml-1m/ratings.users1-2999.dat.gz").size(), 487650u);
  const auto pairs = read_user_item_pairs(dir / "ml-1m/ml-1m.sasrec_derived.txt");
  EXPECT_EQ(pairs.users.size(), 6040u);
}

TEST(Datasets, RealAmazonBeautyWhenPresent) {
  std::filesystem::path dir;
  try {
    dir = find_data_dir("", "amazon-beauty/Beauty.txt");
  } catch (const std::exception&) {
    GTEST_SKIP() << "Amazon Beauty not found (skipped): see scripts/get_data.sh";
  }
  const auto s = read_sequences(dir / "amazon-beauty/Beauty.txt");
  std::size_t n = 0;
  for (const auto& v : s.items) n += v.size();
  EXPECT_EQ(s.users.size(), 22363u);
  EXPECT_EQ(n, 198502u);
  EXPECT_EQ(ItemIdMap::by_ascending_id(s).num_items(), 12101);
}

}  // namespace
}  // namespace recgrad::datasets
