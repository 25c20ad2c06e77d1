// Fuzz target: the one-line-per-user sequence reader ("user item item ...") and the "user item" pairs reader
// (Amazon Beauty), on the same bytes.
#include "datasets/movielens.hpp"
#include "fuzz/fuzz_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  recgrad::fuzz::parse_file(data, size, "seq.txt", [](const auto& p) { recgrad::datasets::read_sequences(p); });
  recgrad::fuzz::parse_file(data, size, "pairs.txt", [](const auto& p) { recgrad::datasets::read_user_item_pairs(p); });
  return 0;
}
