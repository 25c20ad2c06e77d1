// recgrad/autograd/allocator.hpp — where tensor memory comes from: a caching allocator.
//
// A training step allocates the same tensor sizes again and again. Handing freed blocks back out
// (instead of returning them to the OS and page-faulting fresh zeroed pages next step) removes the
// page faults and memsets that otherwise cost a fifth of a step. Blocks are 64-byte aligned; sizes
// are rounded up to one of four classes per power of two (at most 25 % slack), and freed blocks wait
// in a list per class. The cache holds at most `cache_limit()` bytes; beyond it blocks go back to the
// OS. The limit is RECGRAD_CACHE_MB (megabytes) when set, else a quarter of the machine's memory and at
// least 2 GiB: a TIGER step at batch 256 frees ~4.7 GB of tensors, and with a 2 GiB cache it faulted
// 2.7 GB of fresh pages in again every step (a quarter of the step's time). `empty_cache()` releases
// everything it holds (for example between training and evaluation).
//
// Debug aid: RECGRAD_POISON=1 in the environment (set by the sanitizer test run) fills every new block
// with 0xFF bytes (NaN for floats) so that code reading memory it never wrote shows up in tests.
// `set_poison` turns it on or off from code: the fast-vs-reference kernel tests poison every run, else
// a fast kernel that skips rows could be handed the reference run's freed block, right answer included.
#pragma once
#include <cstddef>

namespace recgrad::allocator {

void* allocate(std::size_t nbytes);            // 64-byte aligned, uninitialised (or poisoned)
void deallocate(void* p, std::size_t nbytes);  // nbytes as passed to allocate
void empty_cache();                            // free every cached block
std::size_t cached_bytes();                    // bytes waiting in the cache now
std::size_t& cache_limit();                    // RECGRAD_CACHE_MB, else max(2 GiB, memory / 4)
bool set_poison(bool on);                      // poison new blocks from now on; returns the previous setting

}  // namespace recgrad::allocator
