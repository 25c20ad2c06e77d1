// recgrad/nn/checkpoint.hpp — named tensors in the safetensors format (readable by Python's
// safetensors and PyTorch): 8-byte little-endian header length, a JSON header
// {"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}},
// then the raw little-endian data.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "autograd/autograd.hpp"

namespace recgrad::nn {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Writes atomically: to "<path>.tmp", flushed and fsync'ed, then renamed over `path`, so a crash or a
// full disk never leaves a truncated file in place of a good one. Throws naming the path and the cause.
void save_safetensors(const std::filesystem::path& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});

struct LoadedTensors {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> metadata;
};
// Reads and validates: header size, JSON, dtypes, shapes, offsets inside the file and not overlapping.
LoadedTensors load_safetensors(const std::filesystem::path& path);

// Copies loaded tensors into `params` in place; every parameter must be present with the same shape
// and no extra tensor may be left over. The message names each mismatch.
void load_into(const std::filesystem::path& path, const NamedTensors& params);

}  // namespace recgrad::nn
