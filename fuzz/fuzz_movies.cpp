// Fuzz target: the ML-1M movies.dat reader ("id::title::genre|genre", Latin-1 converted to UTF-8).
#include "datasets/movielens.hpp"
#include "fuzz/fuzz_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  recgrad::fuzz::parse_file(data, size, "movies.dat", [](const auto& p) { recgrad::datasets::read_movies(p); });
  return 0;
}
