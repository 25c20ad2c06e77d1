#include "datasets/event_stream.hpp"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

#include "datasets/sequences.hpp"

namespace recgrad::datasets {

TimedSequences attach_ratings(const UserSequences& s, const std::vector<Rating>& ratings, const std::string& source) {
  std::unordered_map<std::int64_t, std::unordered_map<std::int64_t, const Rating*>> by_user;
  for (const auto& r : ratings) by_user[r.user][r.item] = &r;
  TimedSequences out;
  for (std::size_t u = 0; u < s.users.size(); ++u) {
    const auto it = by_user.find(s.users[u]);
    if (it == by_user.end()) continue;
    std::vector<std::int64_t> times;
    std::vector<int> stars;
    for (auto item : s.items[u]) {
      const auto r = it->second.find(item);
      if (r == it->second.end())
        throw std::runtime_error(source + ": user " + std::to_string(s.users[u]) + ", item " + std::to_string(item) +
                                 " has no rating");
      times.push_back(r->second->timestamp);
      stars.push_back(r->second->rating);
    }
    out.seqs.users.push_back(s.users[u]);
    out.seqs.items.push_back(s.items[u]);
    out.times.push_back(std::move(times));
    out.ratings.push_back(std::move(stars));
  }
  return out;
}

std::array<std::int64_t, 3> AttributeTokens::of(const User& u) const {
  const auto age = std::find(kAgeBuckets.begin(), kAgeBuckets.end(), u.age);
  if ((u.gender != 'M' && u.gender != 'F') || age == kAgeBuckets.end() || u.occupation < 0 || u.occupation > 20)
    throw std::invalid_argument("user " + std::to_string(u.id) + ": gender, age or occupation outside ML-1M's values");
  return {first + (u.gender == 'F' ? 0 : 1), first + 2 + (age - kAgeBuckets.begin()), first + 9 + u.occupation};
}

Stream make_stream(const std::vector<std::int64_t>& items, const std::vector<std::int64_t>& times,
                   const std::vector<int>& ratings, const std::vector<std::int64_t>& attributes,
                   int positive_min_rating) {
  if (times.size() != items.size() || ratings.size() != items.size())
    throw std::invalid_argument("make_stream: " + std::to_string(items.size()) + " items, " +
                                std::to_string(times.size()) + " times, " + std::to_string(ratings.size()) +
                                " ratings");
  Stream s;
  const std::int64_t t0 = times.empty() ? 0 : times.front();
  for (auto a : attributes) {
    s.tokens.push_back(a);
    s.times.push_back(t0);
    s.actions.push_back(0);
    s.is_target.push_back(0);
  }
  s.first_item = attributes.size();
  for (std::size_t i = 0; i < items.size(); ++i) {
    s.tokens.push_back(items[i]);
    s.times.push_back(times[i]);
    s.actions.push_back(ratings[i]);
    s.is_target.push_back(ratings[i] >= positive_min_rating ? 1 : 0);
  }
  return s;
}

StreamRow stream_row(const Stream& s, std::size_t end, std::int64_t T, bool pad_right) {
  const std::size_t n = std::min(end, s.tokens.size());
  // The window: every token of [0, n) but the last, and when that is more than T, the attribute tokens
  // followed by the most recent events. idx[k + 1] (or n − 1) is the token that follows slot k.
  std::vector<std::size_t> idx;
  const std::size_t first = std::min(s.first_item, n);
  const std::size_t events = n > first + 1 ? n - 1 - first : 0;
  const std::size_t keep = static_cast<std::size_t>(std::max<std::int64_t>(T - static_cast<std::int64_t>(first), 0));
  for (std::size_t i = 0; i < std::min(first, n > 0 ? n - 1 : 0); ++i) idx.push_back(i);
  for (std::size_t i = first + (events > keep ? events - keep : 0); i + 1 < n; ++i) idx.push_back(i);
  std::vector<std::int64_t> seq, pos, kt, qt, act;
  for (std::size_t k = 0; k < idx.size(); ++k) {
    const std::size_t next = k + 1 < idx.size() ? idx[k + 1] : n - 1;
    seq.push_back(s.tokens[idx[k]]);
    pos.push_back(s.is_target[next] ? s.tokens[next] : 0);
    kt.push_back(s.times[idx[k]]);
    qt.push_back(s.times[next]);
    act.push_back(s.actions[idx[k]]);
  }
  auto pad = pad_right ? right_pad : left_pad;
  StreamRow r;
  const std::int64_t len = std::min<std::int64_t>(static_cast<std::int64_t>(seq.size()), T);
  r.last = pad_right ? len - 1 : T - 1;
  r.seq = pad(seq, T);
  r.pos = pad(pos, T);
  r.key_time = pad(kt, T);
  r.query_time = pad(qt, T);
  r.action = pad(act, T);
  return r;
}

}  // namespace recgrad::datasets
