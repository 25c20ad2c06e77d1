#include "datasets/movielens.hpp"

#include <algorithm>
#include <unordered_set>

#include "datasets/line_reader.hpp"

namespace recgrad::datasets {

// Splits a `::` line into exactly n fields or fails naming the count.
static std::vector<std::string> fields(const LineReader& r, const std::string& line, std::size_t n,
                                       const char* layout) {
  auto f = split_on(line, "::");
  if (f.size() != n)
    r.fail("expected " + std::to_string(n) + " fields (" + layout + "), found " + std::to_string(f.size()));
  return f;
}

// ML-1M's time range is 2000–2003; anything before 1970 or after 2100 is not seconds since 1970
// (milliseconds, or garbage).
constexpr long long kLastTime = 4'102'444'800;  // 2100-01-01 UTC

std::vector<Rating> read_ratings(const std::filesystem::path& path, bool unknown_times) {
  LineReader r(path);
  std::vector<Rating> out;
  std::string line;
  while (r.next(line)) {
    if (line.empty()) continue;
    const auto f = fields(r, line, 4, "UserID::MovieID::Rating::Timestamp");
    Rating x{parse_int(r, f[0], "UserID", 1, kMaxId), parse_int(r, f[1], "MovieID", 1, kMaxId),
             static_cast<int>(parse_int(r, f[2], "Rating", 1, 5)), kUnknownTime};
    if (f[3] == "NA" && !unknown_times)
      r.fail("Timestamp is NA (unknown); this file needs [data] time_fill = \"interpolate\" or \"previous\"");
    if (f[3] != "NA") x.timestamp = parse_int(r, f[3], "Timestamp (seconds since 1970)", 0, kLastTime);
    out.push_back(x);
  }
  return out;
}

UserSequences read_sequences(const std::filesystem::path& path) {
  LineReader r(path);
  UserSequences out;
  std::unordered_set<std::int64_t> seen;
  std::string line;
  while (r.next(line)) {
    const auto tok = split_ws(line);
    if (tok.empty()) continue;
    if (tok.size() < 2) r.fail("a user id followed by at least one item id expected");
    const std::int64_t user = parse_int(r, tok[0], "user id", 1, kMaxId);
    if (!seen.insert(user).second) r.fail("user " + tok[0] + " appears twice");
    std::vector<std::int64_t> items;
    for (std::size_t i = 1; i < tok.size(); ++i) {
      items.push_back(parse_int(r, tok[i], "item id", 1, kMaxId));
    }
    out.users.push_back(user);
    out.items.push_back(std::move(items));
  }
  return out;
}

UserSequences read_user_item_pairs(const std::filesystem::path& path) {
  LineReader r(path);
  UserSequences out;
  std::unordered_set<std::int64_t> seen;
  std::string line;
  while (r.next(line)) {
    const auto tok = split_ws(line);
    if (tok.empty()) continue;
    if (tok.size() != 2) r.fail("expected 'user item', found " + std::to_string(tok.size()) + " fields");
    const std::int64_t user = parse_int(r, tok[0], "user id", 1, kMaxId);
    const std::int64_t item = parse_int(r, tok[1], "item id", 1, kMaxId);
    if (out.users.empty() || out.users.back() != user) {
      if (!seen.insert(user).second) r.fail("user " + tok[0] + " is not contiguous (lines must be grouped by user)");
      out.users.push_back(user);
      out.items.emplace_back();
    }
    out.items.back().push_back(item);
  }
  return out;
}

std::string latin1_to_utf8(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x80)
      out += static_cast<char>(c);
    else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

std::vector<Movie> read_movies(const std::filesystem::path& path) {
  LineReader r(path);
  std::vector<Movie> out;
  std::string line;
  while (r.next(line)) {
    if (line.empty()) continue;
    const auto f = fields(r, line, 3, "MovieID::Title::Genres");
    Movie m{parse_int(r, f[0], "MovieID", 1, kMaxId), latin1_to_utf8(f[1]), split_on(f[2], "|")};
    if (m.title.empty()) r.fail("empty title");
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<User> read_users(const std::filesystem::path& path) {
  LineReader r(path);
  std::vector<User> out;
  std::string line;
  while (r.next(line)) {
    if (line.empty()) continue;
    const auto f = fields(r, line, 5, "UserID::Gender::Age::Occupation::Zip-code");
    if (f[1] != "M" && f[1] != "F") r.fail("gender must be M or F, got '" + f[1] + "'");
    User u{parse_int(r, f[0], "UserID", 1, kMaxId), f[1][0], static_cast<int>(parse_int(r, f[2], "Age", 1, 56)),
           static_cast<int>(parse_int(r, f[3], "Occupation", 0, 20)), f[4]};
    if (std::find(kAgeBuckets.begin(), kAgeBuckets.end(), u.age) == kAgeBuckets.end())
      r.fail("Age " + f[2] + " is not one of ML-1M's age buckets (1, 18, 25, 35, 45, 50, 56)");
    out.push_back(std::move(u));
  }
  return out;
}

}  // namespace recgrad::datasets
