// recgrad/training/semantic_id_cache.hpp — TIGER's semantic IDs for a preset: content vectors, then the
// RQ-VAE trained on the items that are not cold, then the collision token. Both the vectors and the codes
// are cached in cache_dir, keyed by everything they depend on, so a rerun with the same seed reads them.
#pragma once
#include <cstdint>
#include <filesystem>

#include "models/rqvae.hpp"
#include "models/semantic_ids.hpp"
#include "training/config.hpp"
#include "training/tiger_data.hpp"

namespace recgrad::training {

struct SemanticIdRun {
  Tensor content;  // (n_items, dim) content vectors, row i - 1 = item i
  models::RQVAEResult rqvae;
  models::SemanticIdTable table;
  models::CodeUsage usage;  // of the m RQ-VAE codes, before the collision token
};
SemanticIdRun build_semantic_ids(const TrainConfig& cfg, const TigerData& data, std::uint64_t seed,
                                 const std::filesystem::path& cache_dir, bool progress);

// One line: codes used and entropy per level, the share of unique IDs, the collision token's size.
void print_usage(const models::CodeUsage& u, const models::SemanticIdTable& t);

}  // namespace recgrad::training
