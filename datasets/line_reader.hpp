// recgrad/datasets/line_reader.hpp — reads a text file (plain or .gz) line by line, counting lines,
// so that every parse error can say "file:line: what is wrong".
#pragma once
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace recgrad::datasets {

// A malformed input: the message starts with "path:line: ".
class ParseError : public std::runtime_error {
 public:
  ParseError(const std::filesystem::path& file, long line, const std::string& what)
      : std::runtime_error(file.string() + ":" + std::to_string(line) + ": " + what) {}
};

class LineReader {
 public:
  explicit LineReader(const std::filesystem::path& path);  // throws when the file cannot be opened
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  bool next(std::string& line);  // false at end of file; strips "\n" and "\r\n"
  long line_number() const { return line_; }
  const std::filesystem::path& path() const { return path_; }
  [[noreturn]] void fail(const std::string& what) const { throw ParseError(path_, line_, what); }

 private:
  std::filesystem::path path_;
  void* gz_ = nullptr;  // gzFile; zlib reads plain files transparently too
  long line_ = 0;
};

// Splits `s` on the separator string `sep` (e.g. "::").
std::vector<std::string> split_on(const std::string& s, const std::string& sep);
// Splits on runs of spaces and tabs.
std::vector<std::string> split_ws(const std::string& s);
// Parses a whole field as an integer, or reader.fail() naming the field.
long long parse_int(const LineReader& reader, const std::string& field, const char* name);

}  // namespace recgrad::datasets
