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
// A run that fills says so in its protocol tag (paper-hstu-time-filled), never mixed with the reference's rows.
//
// How good is a fill? Where every time is measured (users 1–2999), hide_like_partial_ts forgets the times that
// the partial file lacks for the other users — by the same pattern: 1–3 stars, before 975768738 — and the
// filled times can be compared with the measured ones (FillError), and a model trained on them with one
// trained on the measured times (protocol paper-hstu-u2999-time-hidden, docs/REPRODUCTION.md §4.5).
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace recgrad::datasets {

// The value a reader stores for an "NA" timestamp.
inline constexpr std::int64_t kUnknownTime = std::numeric_limits<std::int64_t>::min();

enum class TimeFill { none, interpolate, previous };

// Which measured times a run forgets before filling: none, or those of ratings.partial_ts.dat.gz's pattern.
enum class HideTimes { none, like_partial_ts };

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

// ratings.partial_ts.dat.gz's unknown times are exactly the ratings of 1–3 stars made before this time
// (the earliest 80 % of ML-1M's time range) by users 3000–6040.
inline constexpr std::int64_t kPartialTsUnknownBefore = 975768738;
inline constexpr int kPartialTsUnknownMaxStars = 3;

// Sets to kUnknownTime every time of a rating with <= kPartialTsUnknownMaxStars stars made before
// kPartialTsUnknownBefore; times[u] and stars[u] are one user's, aligned. Returns how many were hidden.
std::int64_t hide_like_partial_ts(std::vector<std::vector<std::int64_t>>& times,
                                  const std::vector<std::vector<int>>& stars);

// Filled times against the measured ones, over the times that were hidden.
struct FillError {
  std::int64_t hidden = 0;       // times compared
  std::int64_t exact = 0;        // filled to the measured second
  std::int64_t gaps = 0;         // hidden times with a next rating (the query time of their position)
  std::int64_t same_bucket = 0;  // ... whose gap to it, filled, is in the measured gap's time bucket
  double median_abs_s = 0.0;     // |filled − measured|: median and 90th percentile in seconds, mean in hours
  double p90_abs_s = 0.0;
  double mean_abs_h = 0.0;
  std::string str() const;  // one line for the run's log
};
// `bucket` maps a gap in seconds to the time bias's bucket (nn/relative_bias.hpp's time_bucket).
FillError fill_error(const std::vector<std::vector<std::int64_t>>& measured,
                     const std::vector<std::vector<std::int64_t>>& hidden,
                     const std::vector<std::vector<std::int64_t>>& filled, std::int64_t (*bucket)(std::int64_t));

}  // namespace recgrad::datasets
