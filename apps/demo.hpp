// recgrad/apps/demo.hpp — the short demo: an MLP learns a synthetic classification task.
#pragma once
#include <cstdint>

namespace recgrad::apps {

struct DemoOptions {
  std::uint64_t seed = 0;
  int steps = 300;
  int threads = 0;  // 0: OpenMP's default
};

// Returns 0 when the final loss fell below a quarter of the initial loss, 1 otherwise.
int run_demo(const DemoOptions& opt);

}  // namespace recgrad::apps
