#include "training/semantic_id_cache.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/core.h>
#include <fmt/format.h>

#include "nn/checkpoint.hpp"
#include "training/data_parallel.hpp"

namespace recgrad::training {

namespace {

// The RQ-VAE codes are cached beside the content vectors, keyed (FNV-1a) by the vectors, the items the
// RQ-VAE trains on, its settings and the seed.
std::filesystem::path codes_cache_path(const Tensor& content, const std::vector<char>& train_rows,
                                       const models::RQVAEConfig& q, std::uint64_t seed,
                                       const std::filesystem::path& cache_dir) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const void* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) h = (h ^ static_cast<const unsigned char*>(p)[i]) * 1099511628211ull;
  };
  const std::vector<float> x = content.to_vector<float>();
  mix(x.data(), x.size() * sizeof(float));
  mix(train_rows.data(), train_rows.size());
  const std::string settings =
      fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", fmt::join(q.hidden, ","), q.latent, q.levels, q.codebook_size,
                  q.beta, q.epochs, q.batch_size, q.lr, q.kmeans_init, q.restart_dead_codes, seed);
  mix(settings.data(), settings.size());
  return cache_dir / fmt::format("rqvae-codes-{:016x}.safetensors", h);
}

// The codes a cache holds: (n, levels) int64 in [0, codebook_size), with a finite reconstruction error, or an error
// naming the file (a cache: deleting it makes the run compute it again).
models::RQVAEResult read_cached_codes(const std::filesystem::path& path, std::int64_t n, const models::RQVAEConfig& q) {
  const std::string where = path.string() + " (a cache: delete it and the run computes it again)";
  const auto loaded = nn::load_safetensors(path);
  const auto it = loaded.tensors.find("codes");
  if (it == loaded.tensors.end() || it->second.dtype() != DType::i64 || it->second.dim() != 2 ||
      it->second.size(0) != n || it->second.size(1) != q.levels)
    throw std::runtime_error(where + ": expected int64 codes of shape (" + std::to_string(n) + ", " +
                             std::to_string(q.levels) + ")");
  models::RQVAEResult r;
  r.codes = it->second.to_vector<std::int64_t>();
  for (std::size_t i = 0; i < r.codes.size(); ++i)
    if (r.codes[i] < 0 || r.codes[i] >= q.codebook_size)
      throw std::runtime_error(where + ": code " + std::to_string(r.codes[i]) + " of item row " +
                               std::to_string(i / static_cast<std::size_t>(q.levels)) + " is outside [0, " +
                               std::to_string(q.codebook_size) + ")");
  r.log.push_back({});
  const auto md = loaded.metadata.find("reconstruction_error");
  std::size_t used = 0;
  try {
    if (md != loaded.metadata.end()) r.log.back().recon_error = std::stod(md->second, &used);
  } catch (const std::logic_error&) {}
  if (md == loaded.metadata.end() || used != md->second.size() || !std::isfinite(r.log.back().recon_error))
    throw std::runtime_error(where + ": no finite reconstruction_error in its metadata");
  return r;
}

}  // namespace

SemanticIdRun build_semantic_ids(const TrainConfig& cfg, const TigerData& data, std::uint64_t seed,
                                 const std::filesystem::path& cache_dir, bool progress) {
  SemanticIdRun r;
  const bool write = dp::world().root();  // in parallel every rank computes what is not cached, rank 0 caches it
  r.content = models::cached_content_vectors(data.item_tokens, cfg.content, seed, cache_dir, progress, write);
  std::vector<char> train_rows(data.raw_item.size(), 1);
  for (std::size_t i = 0; i < train_rows.size(); ++i) train_rows[i] = !data.cold[i + 1];
  const auto& q = cfg.rqvae;
  const auto path = codes_cache_path(r.content, train_rows, q, seed, cache_dir);
  if (std::filesystem::exists(path)) {
    r.rqvae = read_cached_codes(path, static_cast<std::int64_t>(train_rows.size()), q);
    if (progress) fmt::print("rq-vae: codes read from cache {}\n", path.string());
  } else {
    // trained where the preset's [train] device says (the codes come back to the host)
    r.rqvae =
        models::train_rqvae(r.content.to(cfg.train.where()), q, seed, train_rows, std::max(1, q.epochs / 4), progress);
    if (!std::isfinite(r.rqvae.log.back().recon_error))
      throw std::runtime_error(
          "rq-vae: the reconstruction error is not finite (the content vectors or the training "
          "diverged); the codes are not cached in " +
          path.string());
    if (write) {
      std::filesystem::create_directories(cache_dir);
      const std::int64_t n = static_cast<std::int64_t>(train_rows.size());
      nn::save_safetensors(path, {{"codes", Tensor::from_vector(r.rqvae.codes, {n, q.levels})}},
                           {{"reconstruction_error", fmt::format("{:.17g}", r.rqvae.log.back().recon_error)}});
    }
  }
  r.table = models::assign_semantic_ids(r.rqvae.codes, q.levels, q.codebook_size);
  r.usage = models::code_usage(r.rqvae.codes, q.levels, q.codebook_size);
  return r;
}

void print_usage(const models::CodeUsage& u, const models::SemanticIdTable& t) {
  std::string used;
  for (std::size_t d = 0; d < u.used.size(); ++d)
    used += fmt::format("{}{}/{} ({:.2f} bits)", d ? ", " : "", u.used[d], t.codebook_size, u.entropy[d]);
  fmt::print(
      "semantic ids: codes used per level {} | items with a unique (c1..c{}) {:.1f} % | largest group {} -> collision "
      "token takes {} values\n",
      used, t.levels, 100.0 * u.unique_share, u.max_group, t.collision_size);
}

}  // namespace recgrad::training
