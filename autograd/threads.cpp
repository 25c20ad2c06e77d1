#include "autograd/threads.hpp"

#include <omp.h>
#include <sched.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

namespace recgrad {

void ensure_thread_binding(char** argv) {
  if (std::getenv("OMP_PROC_BIND") || std::getenv("RECGRAD_NO_REEXEC")) return;
  setenv("OMP_PROC_BIND", "true", 1);
  setenv("OMP_PLACES", "cores", 1);
  setenv("RECGRAD_NO_REEXEC", "1", 1);  // never loop, even if exec'ing changes nothing
  execv("/proc/self/exe", argv);        // returns only on failure: then run unbound
}

int set_num_threads(int n) {
  // omp_get_max_threads() honours OMP_NUM_THREADS and otherwise counts the CPUs the program started
  // with (under OMP_PROC_BIND the main thread is already bound to one CPU, so its own mask says 1).
  if (n <= 0) n = omp_get_max_threads();
  omp_set_num_threads(n);
  if (std::getenv("OMP_PROC_BIND")) return n;  // libgomp binds the threads itself
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
  if (cpus.size() < 2) return n;
#pragma omp parallel num_threads(n)
  {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpus[omp_get_thread_num() % cpus.size()], &one);
    sched_setaffinity(0, sizeof(one), &one);  // 0: the calling thread
  }
  return n;
}

}  // namespace recgrad
