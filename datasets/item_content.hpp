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
  std::vector<std::string> keys;                 // the item's key in its source (Beauty: the ASIN), when it has one
};

// `item_id<TAB>asin<TAB>attr1|attr2|…` with a header line.
ItemDocuments read_beauty_attributes(const std::filesystem::path& path);
// RecBole's Amazon_Beauty.item (a TSV written with CSV quoting: a quoted field may hold tabs, newlines and
// doubled quotes) with the header `item_id:token title:token sales_type:token sales_rank:float
// categories:token_seq price:float brand:token`, item_id being the ASIN. Dense ids come from `ids_path`
// (beauty_item_attributes.tsv: item_id, asin); items it does not list are skipped. Tokens: the title's
// words, "brand:<brand>", "category:<name>" (the root "Beauty" left out) and "price:<bucket>", the bucket
// floor(log2(price in dollars)); HTML entities in titles are decoded (&amp; &quot; &#39;) or dropped.
ItemDocuments read_beauty_items(const std::filesystem::path& items_path, const std::filesystem::path& ids_path);
// movies.dat, `MovieID::Title::Genres`.
ItemDocuments read_movie_documents(const std::filesystem::path& path);
// The title's words as gensim's simple_preprocess makes them, parenthesised parts dropped first.
std::vector<std::string> title_words(const std::string& title);

}  // namespace recgrad::datasets
