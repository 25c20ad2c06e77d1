// recgrad/datasets/data_dir.hpp — where the data lives: --data-dir, $RECGRAD_DATA, ./data, ../shared/data.
#pragma once
#include <filesystem>
#include <string>

namespace recgrad::datasets {

// The directory that holds `probe` (e.g. "ml-1m/ml-1m.seq.txt"): `flag` alone when not empty (an explicit
// --data-dir without the file is an error, never a fall-back), else the first of $RECGRAD_DATA, ./data,
// ../shared/data. When none does, throws a message listing every place looked at and how to get the data
// (scripts/get_data.sh).
std::filesystem::path find_data_dir(const std::string& flag, const std::string& probe);

}  // namespace recgrad::datasets
