// recgrad/autograd/kernels/kernel_path.hpp — choose between the readable reference kernels and the
// fast (xsimd + OpenMP) ones. Fast is the default; tests run both and compare.
#pragma once
#include <omp.h>

#include <atomic>

namespace recgrad::kernels {

enum class Path { reference, fast };

inline std::atomic<Path>& path_setting() {
  static std::atomic<Path> p{Path::fast};
  return p;
}
inline Path path() { return path_setting().load(std::memory_order_relaxed); }
inline bool use_fast() { return path() == Path::fast; }

// RAII: run a scope with a given path (tests).
class PathGuard {
 public:
  explicit PathGuard(Path p) : prev_(path()) { path_setting() = p; }
  ~PathGuard() { path_setting() = prev_; }
  PathGuard(const PathGuard&) = delete;
  PathGuard& operator=(const PathGuard&) = delete;

 private:
  Path prev_;
};

// Below this many elements an elementwise loop stays on one thread.
constexpr long kParallelGrain = 1 << 15;

// True outside every parallel region: only there may a kernel open its own thread team. Inside one —
// also a team of one, as `parallel for if (false)` makes — a new team would be nested: fresh threads on
// every call, bound to the caller's core (omp_in_parallel() is false there, so it cannot tell).
inline bool may_open_team() { return omp_get_level() == 0; }

}  // namespace recgrad::kernels
