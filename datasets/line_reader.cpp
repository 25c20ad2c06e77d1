#include "datasets/line_reader.hpp"

#include <zlib.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

namespace recgrad::datasets {

LineReader::LineReader(const std::filesystem::path& path, std::size_t max_line)
    : path_(path), max_line_(max_line), buf_(std::size_t{1} << 16) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(st)) throw std::runtime_error(path.string() + ": file not found");
  if (!std::filesystem::is_regular_file(st))
    throw std::runtime_error(path.string() +
                             ": not a regular file (a directory, a device or a pipe); give the data file itself");
  gz_ = gzopen(path.c_str(), "rb");
  if (!gz_) throw std::runtime_error(path.string() + ": cannot open: " + std::strerror(errno));
}

LineReader::~LineReader() {
  if (gz_) gzclose(static_cast<gzFile>(gz_));
}

bool LineReader::refill() {
  const int n = gzread(static_cast<gzFile>(gz_), buf_.data(), static_cast<unsigned>(buf_.size()));
  int err = 0;
  const char* msg = gzerror(static_cast<gzFile>(gz_), &err);
  if (n < 0 || (err != Z_OK && err != Z_STREAM_END))
    throw ParseError(path_, line_ + 1, std::string("read error: ") + msg);
  pos_ = 0;
  end_ = static_cast<std::size_t>(n);
  return n > 0;
}

bool LineReader::next(std::string& line) {
  line.clear();
  bool any = false;
  for (;;) {
    if (pos_ == end_ && !refill()) break;
    any = true;
    const char* begin = buf_.data() + pos_;
    const std::size_t avail = end_ - pos_;
    const auto* nl = static_cast<const char*>(std::memchr(begin, '\n', avail));
    const std::size_t take = nl ? static_cast<std::size_t>(nl - begin) : avail;
    if (const auto* nul = static_cast<const char*>(std::memchr(begin, '\0', take)))
      throw ParseError(path_, line_ + 1,
                       "a NUL byte at column " +
                           std::to_string(line.size() + static_cast<std::size_t>(nul - begin) + 1) +
                           " (binary data, or a file cut short?)");
    if (line.size() + take > max_line_)
      throw ParseError(path_, line_ + 1,
                       "line longer than " + std::to_string(max_line_) + " bytes (not a text data file?)");
    line.append(begin, take);
    pos_ += take + (nl ? 1 : 0);
    if (nl) break;
  }
  if (!any) return false;
  ++line_;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

std::vector<std::string> split_on(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  std::size_t start = 0, pos;
  while ((pos = s.find(sep, start)) != std::string::npos) {
    out.push_back(s.substr(start, pos - start));
    start = pos + sep.size();
  }
  out.push_back(s.substr(start));
  return out;
}

std::vector<std::string> split_ws(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

long long parse_int(const LineReader& reader, const std::string& field, const char* name, long long lo, long long hi) {
  if (field.empty()) reader.fail(std::string("empty ") + name);
  long long v = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
  const std::string range = "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  if (ec == std::errc::result_out_of_range)
    reader.fail(std::string(name) + " " + field + " is out of range (expected an integer in " + range + ")");
  if (ec != std::errc() || end != field.data() + field.size())
    reader.fail(std::string(name) + " '" + field + "' is not an integer");
  if (v < lo || v > hi) reader.fail(std::string(name) + " " + field + " is outside " + range);
  return v;
}

}  // namespace recgrad::datasets
