// recgrad/bench/peak.hpp — the machine's single-core FP32 FMA peak, measured in the same run.
#pragma once

namespace recgrad::bench {

// GFLOP/s of 12 independent FMA chains over registers (no memory traffic), one thread.
double measure_fma_peak_gflops();

}  // namespace recgrad::bench
