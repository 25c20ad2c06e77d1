// recgrad/tests/test_hostile_input.cpp — bad input as a hostile or clumsy user gives it (issue 25): each class of
// defect gets a clear refusal naming the file and line, the key or the figure, before any work is lost.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <fstream>

#include "datasets/line_reader.hpp"
#include "datasets/movielens.hpp"
#include "datasets/sequences.hpp"
#include "models/content_vectors.hpp"
#include "models/evaluate.hpp"
#include "nn/checkpoint.hpp"
#include "tests/expect_error.hpp"
#include "tests/tiny_run.hpp"
#include "training/memory_estimate.hpp"
#include "training/sequential_task.hpp"

namespace recgrad {
namespace {

namespace fs = std::filesystem;
using test::expect_error;

fs::path scratch(const std::string& tag) {
  const auto dir = fs::temp_directory_path() / ("recgrad_hostile_" + std::to_string(::getpid()) + "_" + tag);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

fs::path write(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
  return p;
}

// Class 1: a NUL byte used to end the line early and glue the next line onto it; now it names file:line:column.
// An over-long line and a file that is not a regular file (a pipe would block, a device never end) are refused.
TEST(HostileInput, LineReaderRefusesNulBytesLongLinesAndNonRegularFiles) {
  const auto dir = scratch("lines");
  const auto nul = write(dir / "nul.txt", std::string("1 2 3\n4 5\0 6 7\n8 9 10\n", 22));
  expect_error([&] { datasets::read_sequences(nul); }, {"nul.txt:2:", "a NUL byte at column 4"});
  const auto long_line = write(dir / "long.txt", "1 2 3\n" + std::string(64, '7') + "\n");
  expect_error(
      [&] {
        datasets::LineReader r(long_line, 32);
        std::string line;
        while (r.next(line)) {}
      },
      {"long.txt:2:", "line longer than 32 bytes"});
  ASSERT_EQ(::mkfifo((dir / "pipe").c_str(), 0600), 0);
  expect_error([&] { datasets::read_sequences(dir / "pipe"); }, {"pipe", "not a regular file"});
  expect_error([&] { datasets::read_sequences(dir); }, {"not a regular file"});
  // a last line without "\n" and CRLF endings still read as before
  const auto crlf = write(dir / "crlf.txt", "1 2 3\r\n4 5 6");
  const auto s = datasets::read_sequences(crlf);
  ASSERT_EQ(s.items.size(), 2u);
  EXPECT_EQ(s.items[1], (std::vector<std::int64_t>{5, 6}));
  fs::remove_all(dir);
}

// Class 1: integers past a field's range used to wrap (a rating of 4294967300 read as 4); every field has a range.
TEST(HostileInput, IntegerFieldsAreReadInTheirRanges) {
  const auto dir = scratch("ranges");
  expect_error([&] { datasets::read_ratings(write(dir / "r.dat", "1::2::4294967300::978300760\n")); },
               {"r.dat:1:", "Rating 4294967300 is outside [1, 5]"});
  expect_error([&] { datasets::read_ratings(write(dir / "t.dat", "1::2::4::978300760000\n")); },
               {"t.dat:1:", "Timestamp (seconds since 1970) 978300760000 is outside"});
  expect_error([&] { datasets::read_users(write(dir / "u.dat", "1::F::99::10::48067\n")); },
               {"u.dat:1:", "Age 99 is outside [1, 56]"});
  expect_error([&] { datasets::read_users(write(dir / "u2.dat", "1::F::20::10::48067\n")); },
               {"u2.dat:1:", "Age 20 is not one of ML-1M's age buckets"});
  expect_error([&] { datasets::read_users(write(dir / "o.dat", "1::F::18::4294967300::48067\n")); },
               {"o.dat:1:", "Occupation 4294967300 is outside [0, 20]"});
  expect_error([&] { datasets::read_sequences(write(dir / "s.txt", "1 2 9223372036854775807\n")); },
               {"s.txt:1:", "item id 9223372036854775807 is outside [1, 100000000]"});
  expect_error([&] { datasets::read_sequences(write(dir / "s2.txt", "1 2 99999999999999999999\n")); },
               {"s2.txt:1:", "item id 99999999999999999999 is out of range"});
  expect_error([&] { datasets::read_sequences(write(dir / "s3.txt", "1 2 +3\n")); },
               {"s3.txt:1:", "item id '+3' is not an integer"});
  fs::remove_all(dir);
}

// Class 3: an empty file, blank lines, or users all too short used to end in "concat: no tensors".
TEST(HostileInput, DataWithNothingToTrainIsRefusedByName) {
  const auto dir = scratch("empty");
  auto c = test::tiny_config();
  c.data.file = "seq.txt";
  training::TrainOptions opt;
  opt.data_dir = dir;
  opt.progress = false;
  opt.run_dir = dir / "run";
  write(dir / "seq.txt", "");
  expect_error([&] { training::train_sequential(c, opt); }, {"seq.txt: no user read", "empty"});
  write(dir / "seq.txt", "\n\n  \n");
  expect_error([&] { training::train_sequential(c, opt); }, {"seq.txt: no user read"});
  write(dir / "seq.txt", "1 5 6\n2 7\n");
  expect_error([&] { training::train_sequential(c, opt); }, {"seq.txt: none of its 2 users has 3 items"});
  fs::remove_all(dir);
}

// Class 2: a sampling loop with no valid draw is refused naming the user, not spun on.
TEST(HostileInput, SampledRankingRefusesAUserWhoRatedEveryItem) {
  const Tensor users = Tensor::ones({2, 4}), items = Tensor::ones({5, 4});  // ids 1..4 (row 0: padding)
  const std::vector<std::vector<std::int64_t>> rated{{1, 2}, {1, 2, 3, 4}};
  expect_error(
      [&] {
        models::sampled_ranking(users, items, {3, 4}, rated, {1}, 100, 7, {11, 12});
      },
      {"sampled-100 ranking: user 12 has rated all 4 items"});
}

// Class 3: sizes a preset accepts but no machine holds are refused before training, with the figure.
TEST(HostileInput, MemoryEstimateRefusesWhatTheMachineCannotHold) {
  auto c = test::tiny_config();
  const auto small = training::estimate_memory(c, 13);
  EXPECT_GT(small.total(), 0);
  EXPECT_LT(small.total(), 64.0 * 1024 * 1024);  // the tiny preset: a few MiB
  EXPECT_NO_THROW(training::require_memory(c, small));
  c.train.negatives = 100000;
  c.sasrec.max_len = 4096;
  c.train.batch_size = 128;
  c.sasrec.d = 4096;
  const auto huge = training::estimate_memory(c, 13);
  EXPECT_GT(huge.total(), 1e12);
  EXPECT_GE(huge.total(), 2 * training::machine_memory_bytes());
  expect_error([&] { training::require_memory(c, huge); },
               {"this preset needs ~", "the machine has", "lower [train] batch_size"});
  // parameters are counted: one more item row adds d of them
  EXPECT_EQ(training::estimate_memory(c, 14).parameters - huge.parameters, 4096);
}

// Class 3: resume metadata of the wrong form (a negative or partial number, a wrong JSON type) names the file.
TEST(HostileInput, ResumeMetadataOfTheWrongFormNamesTheFile) {
  auto c = test::tiny_config();
  c.train.epochs = 2;
  training::TrainOptions opt;
  opt.data_dir = test::tiny_data("_hostile_meta");
  opt.progress = false;
  opt.run_dir = opt.data_dir / "run";
  training::train_sequential(c, opt);
  const auto loaded = nn::load_safetensors(opt.run_dir / "last.safetensors");
  const nn::NamedTensors named(loaded.tensors.begin(), loaded.tensors.end());
  const auto damaged = opt.run_dir / "damaged.safetensors";
  opt.resume = damaged;
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"epoch", "-1"}, {"epoch", "1e3"}, {"epoch", "2147483648"}, {"gen_seed", "-1"}, {"train_seconds", "nan"}}) {
    auto md = loaded.metadata;
    md[key] = value;
    nn::save_safetensors(damaged, named, md);
    expect_error([&] { training::train_sequential(c, opt); },
                 {"damaged.safetensors: corrupt training metadata", key + " '" + value + "'"});
  }
  // a number where the metadata holds strings (safetensors metadata is a string map)
  std::string bytes;
  {
    std::ifstream in(opt.run_dir / "last.safetensors", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = bytes.find("\"epoch\":\"2\"");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 11, "\"epoch\":  2");  // same length: the header size stays right
  write(damaged, bytes);
  expect_error([&] { training::train_sequential(c, opt); }, {"damaged.safetensors", "corrupt entry '__metadata__'"});
  fs::remove_all(opt.data_dir);
}

// Class 6: a content-vector cache holding a NaN used to train the RQ-VAE on it and give every item one code.
TEST(HostileInput, ACorruptContentVectorCacheIsRefused) {
  const auto dir = scratch("cache");
  models::ContentConfig cfg;
  cfg.dim = 4;
  cfg.epochs = 2;
  cfg.min_count = 1;
  cfg.batch_size = 8;
  const std::vector<std::vector<std::string>> tokens{{"a", "b"}, {"b", "c"}, {"c", "a"}};
  const Tensor v = models::cached_content_vectors(tokens, cfg, 1, dir);
  ASSERT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  const fs::path cache = fs::directory_iterator(dir)->path();
  Tensor bad = v.clone();
  bad.data<float>()[5] = NAN;  // row 1
  nn::save_safetensors(cache, {{"item_vectors", bad}}, {});
  expect_error([&] { models::cached_content_vectors(tokens, cfg, 1, dir); },
               {cache.filename().string(), "a cache: delete it", "item vector 1 holds a NaN"});
  fs::remove_all(dir);
}

}  // namespace
}  // namespace recgrad
