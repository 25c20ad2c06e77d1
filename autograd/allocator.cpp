#include "autograd/allocator.hpp"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace recgrad::allocator {
namespace {

// RECGRAD_CACHE_MB when set; else a quarter of the machine's memory, at least 2 GiB: enough to keep a
// whole TIGER step's tensors (~5 GB at batch 256) without page-faulting them in again every step.
std::size_t default_limit() {
  if (const char* e = std::getenv("RECGRAD_CACHE_MB"); e && *e) {
    char* end = nullptr;
    const unsigned long long mb = std::strtoull(e, &end, 10);
    if (end && *end == '\0') return static_cast<std::size_t>(mb) << 20;
    throw std::invalid_argument(std::string("RECGRAD_CACHE_MB=") + e + ": expected a whole number of megabytes");
  }
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  const std::size_t quarter =
      pages > 0 && page > 0 ? static_cast<std::size_t>(pages) * static_cast<std::size_t>(page) / 4 : 0;
  return std::max(std::size_t(2) << 30, quarter);
}

// glibc serves blocks over 32 MB (and, by its adaptive threshold, many smaller ones) with mmap and hands
// them back with munmap on free, so every step page-faults and zeroes them again; and it trims the heap's
// top when freed memory exceeds 128 KB. Both off: freed blocks stay in the heap, where glibc coalesces and
// splits them for the next step's sizes (TIGER's batches change length every step, so a cache of exact
// sizes alone misses). The process keeps its peak memory, as the cache already did.
void keep_freed_memory_in_the_heap() {
#ifdef M_MMAP_MAX
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
#endif
}

struct Cache {
  std::mutex mu;
  std::map<std::size_t, std::vector<void*>> free_blocks;  // size class -> blocks
  std::size_t bytes = 0;
  std::size_t limit = 0;
  std::atomic<bool> poison{false};  // read by allocate() without the lock
  Cache() {
    keep_freed_memory_in_the_heap();
    const char* p = std::getenv("RECGRAD_POISON");
    poison = p && *p && *p != '0';
    limit = default_limit();
  }
  void release_all() {
    for (auto& [size, blocks] : free_blocks)
      for (void* b : blocks) std::free(b);
    free_blocks.clear();
    bytes = 0;
  }
};

// Never destroyed: tensors held in static objects may be freed after main returns. The blocks stay
// reachable through this pointer, so leak checkers do not count them.
Cache& cache() {
  static Cache* c = new Cache;
  return *c;
}

// Rounds up to 64 bytes, then to a quarter of the enclosing power of two: 64, 128, …, 1024, 1280, 1536, 1792, 2048, …
std::size_t size_class(std::size_t n) {
  n = n == 0 ? 64 : (n + 63) / 64 * 64;
  if (n <= 1024) return n;
  std::size_t p = 1;
  while (p * 2 <= n) p *= 2;  // p ≤ n < 2p
  const std::size_t step = p / 4;
  return (n + step - 1) / step * step;
}

}  // namespace

void* allocate(std::size_t nbytes) {
  const std::size_t size = size_class(nbytes);
  Cache& c = cache();
  void* p = nullptr;
  {
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.free_blocks.find(size);
    if (it != c.free_blocks.end() && !it->second.empty()) {
      p = it->second.back();
      it->second.pop_back();
      c.bytes -= size;
    }
  }
  if (!p) p = std::aligned_alloc(64, size);
  if (!p) throw std::bad_alloc();
  if (c.poison) std::memset(p, 0xFF, size);
  return p;
}

void deallocate(void* p, std::size_t nbytes) {
  if (!p) return;
  const std::size_t size = size_class(nbytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    if (c.bytes + size <= c.limit) {
      c.free_blocks[size].push_back(p);
      c.bytes += size;
      return;
    }
  }
  std::free(p);
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.release_all();
}

std::size_t cached_bytes() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.bytes;
}

std::size_t& cache_limit() { return cache().limit; }

bool set_poison(bool on) { return cache().poison.exchange(on); }

}  // namespace recgrad::allocator
