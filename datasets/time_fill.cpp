#include "datasets/time_fill.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/core.h>

namespace recgrad::datasets {

namespace {

// The smallest known time of all users: the constant given to a user who has none.
std::int64_t earliest_known(const std::vector<std::vector<std::int64_t>>& times) {
  std::int64_t t0 = std::numeric_limits<std::int64_t>::max();
  for (const auto& v : times)
    for (auto t : v)
      if (t != kUnknownTime && t < t0) t0 = t;
  return t0 == std::numeric_limits<std::int64_t>::max() ? 0 : t0;
}

// One user's times, unknowns filled in place; returns how many were filled.
std::int64_t fill_user(std::vector<std::int64_t>& t, TimeFill rule, std::int64_t constant) {
  const auto n = static_cast<std::int64_t>(t.size());
  std::int64_t filled = 0, a = -1;  // a: position of the last known time so far
  for (std::int64_t k = 0; k < n; ++k) {
    if (t[k] != kUnknownTime) {
      a = k;
      continue;
    }
    std::int64_t b = k + 1;  // the next known position (n if none)
    while (b < n && t[b] == kUnknownTime) ++b;
    for (std::int64_t j = k; j < b; ++j, ++filled) {
      if (a < 0 && b == n)
        t[j] = constant;
      else if (a < 0)
        t[j] = t[b];
      else if (b == n || rule == TimeFill::previous)
        t[j] = t[a];
      else  // t_j = t_a + (t_b − t_a)·(j − a)/(b − a), in integer seconds (never past t_b)
        t[j] = t[a] + static_cast<std::int64_t>(static_cast<double>(t[b] - t[a]) * static_cast<double>(j - a) /
                                                static_cast<double>(b - a));
    }
    k = b - 1;
  }
  return filled;
}

}  // namespace

TimeFillReport fill_unknown_times(std::vector<std::vector<std::int64_t>>& times, TimeFill rule) {
  TimeFillReport r;
  const std::int64_t constant = earliest_known(times);
  for (auto& t : times) {
    const auto n = t.size();
    const bool test_unknown = n >= 1 && t[n - 1] == kUnknownTime, valid_unknown = n >= 2 && t[n - 2] == kUnknownTime;
    bool any_known = false;
    for (auto x : t) any_known = any_known || x != kUnknownTime;
    if (rule == TimeFill::none) {
      for (auto x : t)
        if (x == kUnknownTime)
          throw std::invalid_argument("fill_unknown_times: an unknown time and no rule to fill it");
      continue;
    }
    const std::int64_t filled = fill_user(t, rule, constant);
    r.filled += filled;
    r.users_touched += filled > 0;
    r.users_without_any += !any_known && n > 0;
    r.filled_test += test_unknown;
    r.filled_valid += valid_unknown;
  }
  return r;
}

std::int64_t hide_like_partial_ts(std::vector<std::vector<std::int64_t>>& times,
                                  const std::vector<std::vector<int>>& stars) {
  if (times.size() != stars.size())
    throw std::invalid_argument("hide_like_partial_ts: times and stars differ in users");
  std::int64_t hidden = 0;
  for (std::size_t u = 0; u < times.size(); ++u) {
    if (times[u].size() != stars[u].size())
      throw std::invalid_argument("hide_like_partial_ts: user " + std::to_string(u) + " has " +
                                  std::to_string(times[u].size()) + " times and " + std::to_string(stars[u].size()) +
                                  " ratings");
    for (std::size_t k = 0; k < times[u].size(); ++k) {
      auto& t = times[u][k];
      if (t == kUnknownTime || stars[u][k] > kPartialTsUnknownMaxStars || t >= kPartialTsUnknownBefore) continue;
      t = kUnknownTime;
      ++hidden;
    }
  }
  return hidden;
}

FillError fill_error(const std::vector<std::vector<std::int64_t>>& measured,
                     const std::vector<std::vector<std::int64_t>>& hidden,
                     const std::vector<std::vector<std::int64_t>>& filled, std::int64_t (*bucket)(std::int64_t)) {
  FillError e;
  std::vector<double> err;  // seconds
  for (std::size_t u = 0; u < measured.size(); ++u) {
    const auto &m = measured[u], &h = hidden.at(u), &f = filled.at(u);
    if (h.size() != m.size() || f.size() != m.size()) throw std::invalid_argument("fill_error: users differ in length");
    for (std::size_t k = 0; k < m.size(); ++k) {
      if (h[k] != kUnknownTime) continue;
      ++e.hidden;
      e.exact += f[k] == m[k];
      err.push_back(std::abs(static_cast<double>(f[k] - m[k])));
      if (k + 1 == m.size()) continue;
      ++e.gaps;
      e.same_bucket += bucket(f[k + 1] - f[k]) == bucket(m[k + 1] - m[k]);
    }
  }
  if (!err.empty()) {
    std::sort(err.begin(), err.end());
    e.median_abs_s = err[err.size() / 2];
    e.p90_abs_s = err[err.size() * 9 / 10];
    double sum = 0;
    for (double x : err) sum += x;
    e.mean_abs_h = sum / static_cast<double>(err.size()) / 3600.0;
  }
  return e;
}

std::string FillError::str() const {
  const auto pct = [](std::int64_t a, std::int64_t b) { return b ? 100.0 * static_cast<double>(a) / b : 0.0; };
  return fmt::format(
      "{} hidden times against the measured ones: {:.1f} % filled to the second, error median {:.0f} s, 90th "
      "percentile {:.0f} s, mean {:.2f} h; the gap to the next rating in the measured gap's time bucket for {:.1f} % "
      "of {}",
      hidden, pct(exact, hidden), median_abs_s, p90_abs_s, mean_abs_h, pct(same_bucket, gaps), gaps);
}

std::string TimeFillReport::str() const {
  return std::to_string(filled) + " unknown timestamps filled for " + std::to_string(users_touched) +
         " users (test item's time filled for " + std::to_string(filled_test) + " users, validation item's for " +
         std::to_string(filled_valid) + "; " + std::to_string(users_without_any) +
         " users had no known time and got one constant time)";
}

}  // namespace recgrad::datasets
