// Fuzz target: the ML-1M users.dat reader ("id::gender::age::occupation::zip").
#include "datasets/movielens.hpp"
#include "fuzz/fuzz_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  recgrad::fuzz::parse_file(data, size, "users.dat", [](const auto& p) { recgrad::datasets::read_users(p); });
  return 0;
}
