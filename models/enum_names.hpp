// recgrad/models/enum_names.hpp — the words a preset uses for an enum's values, in one small table per
// enum: `names(E{})` lists (value, word) pairs; the TOML reader, the printed protocol lines and cache keys
// all go through it, so a value has exactly one spelling.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace recgrad {

template <class E>
using NameTable = std::vector<std::pair<E, std::string_view>>;

// The word for an enum value (every enum with a names() table).
template <class E>
std::string name_of(E value) {
  for (const auto& [v, word] : names(E{}))
    if (v == value) return std::string(word);
  throw std::logic_error("name_of: an enum value without a name");
}

// "a, b, c": the accepted words, for messages.
template <class E>
std::string accepted_names() {
  std::string list;
  for (const auto& [v, word] : names(E{})) list += (list.empty() ? "" : ", ") + std::string(word);
  return list;
}

// The value spelled `word`, or false when no value is.
template <class E>
bool parse_name(std::string_view word, E& out) {
  for (const auto& [v, w] : names(E{}))
    if (w == word) {
      out = v;
      return true;
    }
  return false;
}

}  // namespace recgrad
