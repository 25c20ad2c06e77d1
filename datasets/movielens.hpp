// recgrad/datasets/movielens.hpp — readers for the MovieLens-1M files and the one-line-per-user
// sequence files (ML-1M's ml-1m.seq.txt, Amazon Beauty's Beauty.txt). Malformed lines stop with
// "file:line: what is wrong" (ParseError).
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace recgrad::datasets {

struct Rating {
  std::int64_t user, item;
  int rating;
  std::int64_t timestamp;
};

// `UserID::MovieID::Rating::Timestamp` per line; plain or .gz. Ratings must be 1..5, ids positive.
std::vector<Rating> read_ratings(const std::filesystem::path& path);

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
