// Fuzz target: the TOML preset loader (syntax, unknown keys, wrong types, ranges, select_metric vs ks).
#include "apps/config.hpp"
#include "fuzz/fuzz_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  recgrad::fuzz::parse_file(data, size, "preset.toml", [](const auto& p) { recgrad::apps::load_train_config(p); });
  return 0;
}
