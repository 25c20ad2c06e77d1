// Every input in fuzz/regressions/<target>/ once crashed a parser or made it throw a message that did
// not name the file (found by the fuzz targets of fuzz/, see docs/RELIABILITY.md). Each must now parse
// or be refused with a message naming the file.
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "apps/config.hpp"
#include "datasets/movielens.hpp"
#include "nn/checkpoint.hpp"

namespace recgrad {
namespace {

using Parse = std::function<void(const std::filesystem::path&)>;

const std::map<std::string, Parse>& parsers() {
  static const std::map<std::string, Parse> p{
      {"ratings", [](const auto& f) { datasets::read_ratings(f); }},
      {"sequences", [](const auto& f) { datasets::read_sequences(f); }},
      {"pairs", [](const auto& f) { datasets::read_user_item_pairs(f); }},
      {"movies", [](const auto& f) { datasets::read_movies(f); }},
      {"users", [](const auto& f) { datasets::read_users(f); }},
      {"config", [](const auto& f) { apps::load_train_config(f); }},
      {"checkpoint",
       [](const auto& f) {
         nn::load_safetensors(f);
         Tensor w = Tensor::zeros({2, 3}), b = Tensor::zeros({3});
         nn::load_into(f, {{"w", w}, {"b", b}});
       }},
  };
  return p;
}

TEST(Fuzz, RegressionInputsParseOrNameTheFile) {
  const auto root = std::filesystem::path(RECGRAD_FIXTURES).parent_path().parent_path() / "fuzz" / "regressions";
  int inputs = 0;
  for (const auto& dir : std::filesystem::directory_iterator(root)) {
    const auto parse = parsers().find(dir.path().filename().string());
    ASSERT_NE(parse, parsers().end()) << "no parser for " << dir.path();
    for (const auto& file : std::filesystem::directory_iterator(dir.path())) {
      ++inputs;
      try {
        parse->second(file.path());
      } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find(file.path().string()), std::string::npos) << e.what();
      }
    }
  }
  EXPECT_GE(inputs, 1);
}

}  // namespace
}  // namespace recgrad
