// recgrad/datasets/movielens.hpp — readers for the MovieLens-1M files and the one-line-per-user
// sequence files (ML-1M's ml-1m.seq.txt, Amazon Beauty's Beauty.txt). Malformed lines stop with
// "file:line: what is wrong" (ParseError).
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "datasets/time_fill.hpp"

namespace recgrad::datasets {

struct Rating {
  std::int64_t user, item;
  int rating;
  std::int64_t timestamp;
};

// `UserID::MovieID::Rating::Timestamp` per line; plain or .gz. Ids in 1..kMaxId, ratings 1..5, timestamps
// seconds since 1970 before 2100. With `unknown_times`, a Timestamp of `NA` is read as kUnknownTime
// (datasets/time_fill.hpp fills it); without, it is refused naming file:line.
std::vector<Rating> read_ratings(const std::filesystem::path& path, bool unknown_times = false);

struct UserSequences {
  std::vector<std::int64_t> users;               // in file order
  std::vector<std::vector<std::int64_t>> items;  // items[i]: user i's items, oldest first
};

// `user item item ...` per line (whitespace separated); every user and item id positive, no repeated user.
UserSequences read_sequences(const std::filesystem::path& path);

// `user item` per line, grouped by user, oldest first (kang205/SASRec's data/ml-1m.txt layout).
UserSequences read_user_item_pairs(const std::filesystem::path& path);

struct Movie {
  std::int64_t id;
  std::string title;                // UTF-8 (movies.dat is Latin-1)
  std::vector<std::string> genres;  // split on '|'
};
std::vector<Movie> read_movies(const std::filesystem::path& path);

// ML-1M's age buckets (users.dat's README).
inline constexpr std::array<int, 7> kAgeBuckets{1, 18, 25, 35, 45, 50, 56};

struct User {
  std::int64_t id;
  char gender;     // 'M' or 'F'
  int age;         // ML-1M age bucket (1, 18, 25, 35, 45, 50, 56)
  int occupation;  // 0..20
  std::string zip;
};
std::vector<User> read_users(const std::filesystem::path& path);

// ISO-8859-1 bytes to UTF-8.
std::string latin1_to_utf8(const std::string& s);

}  // namespace recgrad::datasets
