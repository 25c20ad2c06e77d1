// Fuzz target: the ML-1M ratings.dat reader ("user::item::rating::timestamp", plain or gzip).
#include "datasets/movielens.hpp"
#include "fuzz/fuzz_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  recgrad::fuzz::parse_file(data, size, "ratings.dat", [](const auto& p) { recgrad::datasets::read_ratings(p); });
  return 0;
}
