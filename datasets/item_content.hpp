// recgrad/datasets/item_content.hpp — what the data says about each item, as a bag of tokens: the input
// of the content vectors that TIGER's semantic IDs are built from (docs/PROTOCOLS.md §3.2).
//
//   Amazon Beauty (beauty_item_attributes.tsv):  its category and brand names, e.g. "OPI", "Nail Polish"
//   MovieLens-1M (movies.dat):                   the title's words without the parenthesised parts
//                                                 (year, "a.k.a."), lower-cased, alphabetic, 2–15 letters
//                                                 (gensim simple_preprocess, as fun-rec planned), and one
//                                                 token per genre, "genre:Sci-Fi"
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace recgrad::datasets {

struct ItemDocuments {
  std::vector<std::int64_t> items;               // raw item ids, in file order
  std::vector<std::vector<std::string>> tokens;  // tokens[i]: item i's tokens (a set: no repeats)
  std::vector<std::string> titles;               // a human-readable name per item (for neighbour lists)
};

// `item_id<TAB>asin<TAB>attr1|attr2|…` with a header line.
ItemDocuments read_beauty_attributes(const std::filesystem::path& path);
// movies.dat, `MovieID::Title::Genres`.
ItemDocuments read_movie_documents(const std::filesystem::path& path);
// The title's words as gensim's simple_preprocess makes them, parenthesised parts dropped first.
std::vector<std::string> title_words(const std::string& title);

}  // namespace recgrad::datasets
