#include "datasets/item_content.hpp"

#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "datasets/line_reader.hpp"
#include "datasets/movielens.hpp"

namespace recgrad::datasets {

namespace {

void add_unique(std::vector<std::string>& tokens, std::unordered_set<std::string>& seen, const std::string& t) {
  if (!t.empty() && seen.insert(t).second) tokens.push_back(t);
}

}  // namespace

ItemDocuments read_beauty_attributes(const std::filesystem::path& path) {
  LineReader reader(path);
  ItemDocuments docs;
  std::string line;
  if (!reader.next(line) || line.rfind("item_id\t", 0) != 0)
    reader.fail("expected the header 'item_id<TAB>asin<TAB>attributes'");
  std::unordered_set<std::int64_t> ids;
  while (reader.next(line)) {
    if (line.empty()) continue;
    const std::vector<std::string> f = split_on(line, "\t");
    if (f.size() != 3)
      reader.fail("expected 3 tab-separated fields (item_id, asin, attributes), got " + std::to_string(f.size()));
    const std::int64_t id = parse_int(reader, f[0], "item_id");
    if (id <= 0) reader.fail("item_id must be positive, got " + f[0]);
    if (!ids.insert(id).second) reader.fail("item " + f[0] + " appears twice");
    std::vector<std::string> tokens;
    std::unordered_set<std::string> seen;
    for (const std::string& a : split_on(f[2], "|")) add_unique(tokens, seen, a);
    docs.items.push_back(id);
    docs.tokens.push_back(tokens);
    docs.titles.push_back(f[1] + " [" + f[2] + "]");
  }
  if (docs.items.empty()) throw ParseError(path, reader.line_number(), "no items");
  return docs;
}

std::vector<std::string> title_words(const std::string& title) {
  std::string text;
  int depth = 0;
  for (char ch : title) {
    if (ch == '(')
      ++depth;
    else if (ch == ')')
      depth = std::max(0, depth - 1);
    else if (depth == 0)
      text += ch;
  }
  std::vector<std::string> words;
  std::string w;
  auto flush = [&] {
    if (w.size() >= 2 && w.size() <= 15) words.push_back(w);
    w.clear();
  };
  for (unsigned char ch : text) {
    if (std::isalpha(ch))
      w += static_cast<char>(std::tolower(ch));
    else
      flush();
  }
  flush();
  return words;
}

ItemDocuments read_movie_documents(const std::filesystem::path& path) {
  ItemDocuments docs;
  for (const Movie& m : read_movies(path)) {
    std::vector<std::string> tokens;
    std::unordered_set<std::string> seen;
    for (const std::string& w : title_words(m.title)) add_unique(tokens, seen, w);
    for (const std::string& g : m.genres) add_unique(tokens, seen, "genre:" + g);
    docs.items.push_back(m.id);
    docs.tokens.push_back(tokens);
    docs.titles.push_back(m.title);
  }
  return docs;
}

}  // namespace recgrad::datasets
