#include "datasets/item_content.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
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
    const std::int64_t id = parse_int(reader, f[0], "item_id", 1, kMaxId);
    if (!ids.insert(id).second) reader.fail("item " + f[0] + " appears twice");
    std::vector<std::string> tokens;
    std::unordered_set<std::string> seen;
    for (const std::string& a : split_on(f[2], "|")) add_unique(tokens, seen, a);
    docs.items.push_back(id);
    docs.tokens.push_back(tokens);
    docs.titles.push_back(f[1] + " [" + f[2] + "]");
    docs.keys.push_back(f[1]);
  }
  if (docs.items.empty()) throw ParseError(path, reader.line_number(), "no items");
  return docs;
}

namespace {

// One record of a TSV written with CSV quoting: tab-separated fields, a field in double quotes may hold tabs,
// newlines and doubled quotes. Reads more lines while a quote is open; false at the end of the file.
bool next_quoted_record(LineReader& reader, std::vector<std::string>& fields) {
  std::string line;
  if (!reader.next(line)) return false;
  fields.assign(1, "");
  bool quoted = false;
  for (std::size_t i = 0;; ++i) {
    if (i == line.size()) {
      if (!quoted) return true;
      std::string more;
      if (!reader.next(more)) reader.fail("a quoted field is not closed before the end of the file");
      line += "\n" + more;
    }
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back() += '"';
      ++i;
    } else if (c == '"' && (quoted || fields.back().empty())) {
      quoted = !quoted;
    } else if (c == '\t' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
}

// `'Beauty', 'Makeup', "Women's"` -> Makeup, Women's (the root category left out)
std::vector<std::string> category_names(const std::string& list) {
  std::vector<std::string> names;
  for (std::string part : split_on(list, ", ")) {
    if (part.size() >= 2 && (part.front() == '\'' || part.front() == '"')) part = part.substr(1, part.size() - 2);
    if (!part.empty() && part != "Beauty") names.push_back(part);
  }
  return names;
}

// The HTML entities the Amazon titles carry, decoded: &amp; &quot; &#39; &lt; &gt; to their characters, and every
// other entity (&reg;, &#9733;, ...) to a space, so that no entity name becomes a title word.
std::string unescape_html(const std::string& s) {
  static const std::map<std::string, std::string> kKnown{{"amp", "&"},  {"quot", "\""}, {"#39", "'"},
                                                         {"apos", "'"}, {"lt", "<"},    {"gt", ">"}};
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const std::size_t end = s[i] == '&' ? s.find(';', i) : std::string::npos;
    if (end == std::string::npos || end - i > 10) {
      out += s[i];
      continue;
    }
    const auto it = kKnown.find(s.substr(i + 1, end - i - 1));
    out += it != kKnown.end() ? it->second : " ";
    i = end;
  }
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

ItemDocuments read_beauty_items(const std::filesystem::path& items_path, const std::filesystem::path& ids_path) {
  std::map<std::string, std::int64_t> id_of;  // asin -> dense id
  const ItemDocuments attrs = read_beauty_attributes(ids_path);
  for (std::size_t i = 0; i < attrs.items.size(); ++i) id_of[attrs.keys[i]] = attrs.items[i];
  LineReader reader(items_path);
  std::vector<std::string> f;
  if (!next_quoted_record(reader, f) || f.size() != 7 || f[0] != "item_id:token" || f[1] != "title:token")
    reader.fail("expected the RecBole header 'item_id:token<TAB>title:token<TAB>…<TAB>brand:token' (7 fields)");
  ItemDocuments docs;
  std::set<std::int64_t> seen_ids;
  while (next_quoted_record(reader, f)) {
    if (f.size() == 1 && f[0].empty()) continue;
    if (f.size() != 7) reader.fail("expected 7 fields, got " + std::to_string(f.size()));
    const auto it = id_of.find(f[0]);
    if (it == id_of.end()) continue;  // an item outside the data's catalogue
    if (!seen_ids.insert(it->second).second) reader.fail("item " + f[0] + " appears twice");
    const std::string title = unescape_html(f[1]);
    std::vector<std::string> tokens;
    std::unordered_set<std::string> seen;
    for (const std::string& w : title_words(title)) add_unique(tokens, seen, w);
    if (!f[6].empty()) add_unique(tokens, seen, "brand:" + lower(unescape_html(f[6])));
    for (const std::string& c : category_names(f[4])) add_unique(tokens, seen, "category:" + lower(c));
    if (!f[5].empty()) {
      char* end = nullptr;
      const double price = std::strtod(f[5].c_str(), &end);
      if (end == f[5].c_str() || *end != '\0' || !(price >= 0)) reader.fail("price '" + f[5] + "' is not a number");
      if (price > 0)
        add_unique(tokens, seen, "price:" + std::to_string(static_cast<int>(std::floor(std::log2(price)))));
    }
    docs.items.push_back(it->second);
    docs.tokens.push_back(tokens);
    docs.titles.push_back(title);
  }
  if (docs.items.empty()) throw ParseError(items_path, reader.line_number(), "no item of " + ids_path.string());
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
