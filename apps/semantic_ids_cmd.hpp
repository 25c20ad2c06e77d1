// recgrad/apps/semantic_ids_cmd.hpp — `recgrad semantic-ids --config configs/tiger_beauty.toml`: the
// content vectors and the RQ-VAE of a TIGER preset, written as an item → semantic ID table with the
// codebook figures (codes used per level, entropy, unique share, collision token size).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace recgrad::apps {

struct SemanticIdsCmdOptions {
  std::string config, data_dir, out, metrics_out;
  std::string device;  // where the RQ-VAE trains: "cpu" or "cuda" (empty: the preset's [train] device)
  std::uint64_t seed = 42;
  int threads = 0;
  std::vector<std::int64_t> neighbours;  // raw item ids whose 5 nearest items (by content vector) are printed
  bool plots = false;                    // the codebook usage as a PNG beside the table
};
int run_semantic_ids(const SemanticIdsCmdOptions& opt);

}  // namespace recgrad::apps
