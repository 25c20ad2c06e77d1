// recgrad/datasets/time_fill.hpp — unknown timestamps, filled by a stated rule.
//
// ML-1M's ratings.partial_ts.dat.gz knows the time of 80 % of the ratings ("NA" for the rest: users 3000–6040
// only, 1–3 stars, the earliest 80 % of the time range). Along each user's order in ml-1m.seq.txt, which is
// chronological, the known times never decrease, so a missing time lies between its known neighbours:
//   interpolate: linear in the position between the nearest known times before and after it,
//                t_k = t_a + (t_b − t_a)·(k − a)/(b − a)   (a < k < b the positions of the known ones);
//   previous:    the nearest known time before it (a step: the rating "happened" with the previous one).
// Before a user's first known time both rules take that first known time, after the last both take the last
// one; a user with no known time at all gets one constant time (every gap 0, so the time bias sees nothing).
// A run that fills says so in its protocol tag (paper-hstu-filled), never mixed with the reference's rows.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace recgrad::datasets {

// The value a reader stores for an "NA" timestamp.
inline constexpr std::int64_t kUnknownTime = std::numeric_limits<std::int64_t>::min();

enum class TimeFill { none, interpolate, previous };

struct TimeFillReport {
  std::int64_t filled = 0;             // times filled, all users
  std::int64_t users_touched = 0;      // users with at least one filled time
  std::int64_t users_without_any = 0;  // users with no known time (given one constant time)
  std::int64_t filled_test = 0;        // users whose last item (the test target) had its time filled
  std::int64_t filled_valid = 0;       // ... whose second-to-last item (the validation target) had
  std::string str() const;             // one line for the run's log
};

// Fills every kUnknownTime of times[u] (one vector per user, in the user's chronological order) by `rule`.
// `rule` none with an unknown time present throws (the reader should have refused it).
TimeFillReport fill_unknown_times(std::vector<std::vector<std::int64_t>>& times, TimeFill rule);

}  // namespace recgrad::datasets
