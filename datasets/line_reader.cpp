#include "datasets/line_reader.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace recgrad::datasets {

LineReader::LineReader(const std::filesystem::path& path) : path_(path) {
  if (!std::filesystem::exists(path)) throw std::runtime_error(path.string() + ": file not found");
  gz_ = gzopen(path.c_str(), "rb");
  if (!gz_) throw std::runtime_error(path.string() + ": cannot open: " + std::strerror(errno));
}

LineReader::~LineReader() {
  if (gz_) gzclose(static_cast<gzFile>(gz_));
}

bool LineReader::next(std::string& line) {
  line.clear();
  char buf[4096];
  bool any = false;
  while (gzgets(static_cast<gzFile>(gz_), buf, sizeof buf)) {
    any = true;
    line += buf;
    if (!line.empty() && line.back() == '\n') break;
  }
  int err = 0;
  const char* msg = gzerror(static_cast<gzFile>(gz_), &err);
  if (err != Z_OK && err != Z_STREAM_END) throw ParseError(path_, line_ + 1, std::string("read error: ") + msg);
  if (!any) return false;
  ++line_;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
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

long long parse_int(const LineReader& reader, const std::string& field, const char* name) {
  if (field.empty()) reader.fail(std::string("empty ") + name);
  std::size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(field, &used);
  } catch (const std::exception&) {
    reader.fail(std::string(name) + " '" + field + "' is not an integer");
  }
  if (used != field.size()) reader.fail(std::string(name) + " '" + field + "' is not an integer");
  return v;
}

}  // namespace recgrad::datasets
