// recgrad/fuzz/fuzz_file.hpp — what every parser fuzz target checks.
//
// The input bytes are written to a file and handed to the parser, which reads files as a user's run
// does. Exactly two outcomes are accepted: the parser returns, or it throws an exception whose message
// names the file. Anything else is a finding: a crash, a hang, a sanitizer report (the targets build with
// ASan and UBSan), or an error message a user could not trace back to the file.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>

namespace recgrad::fuzz {

// <tmp>/recgrad_fuzz_<pid>/<name>, created once per process.
inline std::filesystem::path scratch_file(const char* name) {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("recgrad_fuzz_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir / name;
}

template <class Parse>
void parse_file(const std::uint8_t* data, std::size_t size, const char* name, Parse parse) {
  const std::filesystem::path path = scratch_file(name);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  try {
    parse(path);
  } catch (const std::exception& e) {
    if (std::string(e.what()).find(path.string()) == std::string::npos) {
      std::fprintf(stderr, "finding: an error message that does not name the file %s:\n  %s\n", path.c_str(), e.what());
      std::abort();
    }
  }
}

}  // namespace recgrad::fuzz
