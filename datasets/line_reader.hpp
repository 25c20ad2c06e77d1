// recgrad/datasets/line_reader.hpp — reads a text file (plain or .gz) line by line, counting lines,
// so that every parse error can say "file:line: what is wrong".
//
// Byte-safe: a NUL byte (binary data, a file cut short by a crash) or a line longer than the limit is an
// error naming file:line, never a line silently cut or glued to the next; only a regular file is opened
// (a device, a pipe or a directory would be read forever or block).
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
  static constexpr std::size_t kMaxLine = std::size_t{1} << 24;  // 16 MiB: far above any line of our data

  // Throws when the file is missing, not a regular file, or cannot be opened.
  explicit LineReader(const std::filesystem::path& path, std::size_t max_line = kMaxLine);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  bool next(std::string& line);  // false at end of file; strips "\n" and "\r\n"; throws ParseError on bad bytes
  long line_number() const { return line_; }
  const std::filesystem::path& path() const { return path_; }
  [[noreturn]] void fail(const std::string& what) const { throw ParseError(path_, line_, what); }

 private:
  std::filesystem::path path_;
  void* gz_ = nullptr;  // gzFile; zlib reads plain files transparently too
  long line_ = 0;
  std::size_t max_line_;
  std::vector<char> buf_;  // bytes read and not yet returned: [pos_, end_)
  std::size_t pos_ = 0, end_ = 0;
  bool refill();  // false at end of file
};

// Splits `s` on the separator string `sep` (e.g. "::").
std::vector<std::string> split_on(const std::string& s, const std::string& sep);
// Splits on runs of spaces and tabs.
std::vector<std::string> split_ws(const std::string& s);
// Parses a whole field as a decimal integer in [lo, hi], or reader.fail() naming the field and the range
// (no sign other than a leading '-', no spaces, nothing after the digits; a value past 64 bits is out of range).
long long parse_int(const LineReader& reader, const std::string& field, const char* name, long long lo, long long hi);

// The largest id a reader accepts: ids size tables (raw ids: the item table has max id + 1 rows), so one stray
// huge id must be refused by name before anything is allocated by it.
inline constexpr long long kMaxId = 100'000'000;

}  // namespace recgrad::datasets
