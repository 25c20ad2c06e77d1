// recgrad/autograd/generator.hpp — a seeded, counter-based random number generator.
//
// Element i of a draw is a pure function of (seed, counter + i) (SplitMix64 finaliser), so a draw
// gives the same numbers whatever the thread count or SIMD width, and the whole state is two
// integers, which a checkpoint stores to resume a run exactly.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

namespace recgrad {

inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// 24 random bits mapped to [0, 1): exact in float32.
inline float u01_from_bits(std::uint64_t bits) { return static_cast<float>(bits >> 40) * (1.0f / 16777216.0f); }

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0) : seed_(seed) {}
  std::uint64_t seed() const { return seed_; }
  std::uint64_t counter() const { return counter_; }
  void set_state(std::uint64_t seed, std::uint64_t counter) {
    seed_ = seed;
    counter_ = counter;
  }

  // Reserves n draws and returns the first counter value; element i then uses bits(base + i).
  std::uint64_t advance(std::uint64_t n) {
    const auto base = counter_;
    counter_ += n;
    return base;
  }
  std::uint64_t bits(std::uint64_t index) const { return splitmix64(splitmix64(seed_) ^ index); }

  // Data parallelism (training/data_parallel.hpp): this process computes rows [begin, begin + rows) of a batch
  // of `total` rows. A batch-major draw (dropout masks: the batch is the leading axis) of n elements for its
  // rows then reserves the whole batch's n·total/rows counters and returns the first of its own rows, so each
  // sample's mask is the one a single process draws for it. total = 0: no shard, advance_rows(n) = advance(n).
  struct RowShard {
    std::uint64_t begin = 0, rows = 0, total = 0;
  };
  void set_row_shard(const RowShard& s) { shard_ = s; }
  const RowShard& row_shard() const { return shard_; }
  std::uint64_t advance_rows(std::uint64_t n);

  std::uint64_t next_u64() { return bits(advance(1)); }
  double next_double();                   // U[0, 1) with 53 bits
  double next_normal();                   // N(0, 1), Box-Muller
  std::int64_t next_int(std::int64_t n);  // uniform in [0, n)

 private:
  std::uint64_t seed_;
  std::uint64_t counter_ = 0;
  RowShard shard_;
};

// Fisher–Yates shuffle in place: for i = n … 2, swap v[i − 1] with v[j], j uniform in [0, i).
template <class T>
void shuffle(std::vector<T>& v, Generator& gen) {
  for (std::size_t i = v.size(); i > 1; --i)
    std::swap(v[i - 1], v[static_cast<std::size_t>(gen.next_int(static_cast<std::int64_t>(i)))]);
}

}  // namespace recgrad
