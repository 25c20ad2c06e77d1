// recgrad/models/content_vectors.hpp — item content vectors for TIGER's RQ-VAE, learned by our engine
// from each item's tokens (datasets/item_content.hpp). No pretrained sentence encoder exists here, so:
//
//   token vectors w_a by skip-gram with negative sampling over the items' token sets: every ordered
//   pair (a, b) of distinct tokens of one item is a positive, `negatives` tokens drawn ∝ count^0.75 are
//   negatives, with context vectors c:
//       L = −log σ(w_a · c_b) − Σ_n log σ(−w_a · c_n)
//   item vector v_i = (w̄_i + u_i) / ‖·‖,  w̄_i the mean of the vectors of its tokens seen ≥ min_count times,
//   u_i the mean of fixed random unit vectors, one per such token (a "bag of attributes" part, so that two
//   different token sets never share a vector even when skip-gram maps their tokens close together)
// Items with the same token set get the same vector — on Beauty 12,101 items have 3,120 distinct sets
// (docs/PROTOCOLS.md §3.2), which is why the semantic IDs need the collision token.
// Deterministic for a seed and one thread; cached on disk (a safetensors file keyed by a hash of the
// documents and every setting).
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "autograd/autograd.hpp"
#include "datasets/item_content.hpp"
#include "models/enum_names.hpp"

namespace recgrad::models {

// Where an item's text comes from: Beauty's category and brand names; Beauty's title words, brand, categories
// and price bucket (RecBole's Amazon_Beauty.item); or ML-1M's title words and genres.
enum class ContentSource { beauty_attributes, beauty_text, movielens_titles };
inline NameTable<ContentSource> names(ContentSource) {
  return {{ContentSource::beauty_attributes, "beauty_attributes"},
          {ContentSource::beauty_text, "beauty_text"},
          {ContentSource::movielens_titles, "movielens_titles"}};
}

struct ContentConfig {
  ContentSource source = ContentSource::beauty_attributes;
  std::string file = "amazon-beauty/beauty_item_attributes.tsv";  // relative to the data directory
  std::string ids = "amazon-beauty/beauty_item_attributes.tsv";   // beauty_text: the item_id <-> ASIN table
  std::int64_t dim = 64;
  int epochs = 20;
  int negatives = 5;
  int min_count = 2;
  double lr = 0.01;
  std::int64_t batch_size = 1024;
};

// Item vectors for the tokens of each item (tokens[i] belongs to row i). -> (n_items, dim) float32, rows
// L2-normalised (a row with no kept token is 0).
Tensor learn_content_vectors(const std::vector<std::vector<std::string>>& tokens, const ContentConfig& cfg,
                             std::uint64_t seed, bool progress = false);

// The same, read from `cache_dir` when an earlier call with the same tokens, settings and seed wrote it; computed
// vectors are written there unless `write` is false (data-parallel ranks other than 0 only read it).
Tensor cached_content_vectors(const std::vector<std::vector<std::string>>& tokens, const ContentConfig& cfg,
                              std::uint64_t seed, const std::filesystem::path& cache_dir, bool progress = false,
                              bool write = true);

// The k rows most similar to row i by cosine (rows are unit length), best first, i itself excluded.
// vectors: (n, dim)
std::vector<std::int64_t> nearest_rows(const Tensor& vectors, std::int64_t i, int k);

}  // namespace recgrad::models
