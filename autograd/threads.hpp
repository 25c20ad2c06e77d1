// recgrad/autograd/threads.hpp — the OpenMP thread count, with each thread pinned to its own CPU.
//
// On the 2-vCPU reference VM, unpinned OpenMP threads were measured to land on one CPU now and then
// (GEMM 512³ at 2 threads: 20 GFLOP/s unpinned vs 140 pinned), so programs call this once at start.
#pragma once

namespace recgrad {

// libgomp reads OMP_PROC_BIND once, when the program loads. Measured on the reference VM, its thread
// binding makes 2-thread GEMM 1.7x faster than pinning by hand alone (163 vs 95 GFLOP/s at 512³), so
// programs call this first thing in main(): when OMP_PROC_BIND is unset it sets OMP_PROC_BIND=true and
// OMP_PLACES=cores and re-executes the program (same arguments); otherwise it returns.
void ensure_thread_binding(char** argv);

// n = 0: $OMP_NUM_THREADS if set, else one thread per CPU this process may run on. Returns the thread count in effect.
int set_num_threads(int n);

}  // namespace recgrad
