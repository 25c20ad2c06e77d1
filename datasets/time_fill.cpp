#include "datasets/time_fill.hpp"

#include <stdexcept>

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

std::string TimeFillReport::str() const {
  return std::to_string(filled) + " unknown timestamps filled for " + std::to_string(users_touched) +
         " users (test item's time filled for " + std::to_string(filled_test) + " users, validation item's for " +
         std::to_string(filled_valid) + "; " + std::to_string(users_without_any) +
         " users had no known time and got one constant time)";
}

}  // namespace recgrad::datasets
