// Fuzz target: the Amazon Beauty item attribute reader ("item_id<TAB>asin<TAB>attr|attr", with a header)
// and the ML-1M movie documents built from movies.dat (title words + genre tokens) for TIGER's content vectors.
#include "datasets/item_content.hpp"
#include "fuzz/fuzz_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  recgrad::fuzz::parse_file(data, size, "beauty_item_attributes.tsv",
                            [](const auto& p) { recgrad::datasets::read_beauty_attributes(p); });
  recgrad::fuzz::parse_file(data, size, "movies.dat",
                            [](const auto& p) { recgrad::datasets::read_movie_documents(p); });
  return 0;
}
