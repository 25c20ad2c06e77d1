// recgrad/models/semantic_ids.hpp — TIGER's semantic IDs: the RQ-VAE codes (c_1, …, c_m) of each item,
// plus a final collision token so that every item's ID is unique, the token layout the Transformer
// reads and writes, and the trie of valid IDs that constrains decoding.
//
//   items sharing (c_1, …, c_m) get (c_1, …, c_m, 0), (c_1, …, c_m, 1), … in ascending item order;
//   an item alone with its codes gets (c_1, …, c_m, 0)
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace recgrad::models {

struct SemanticIdTable {
  int levels = 3;                             // RQ-VAE levels m (the ID has m + 1 tokens)
  std::int64_t codebook_size = 256;           // codes per level
  std::int64_t collision_size = 1;            // values the collision token takes (the largest group sharing codes)
  std::vector<std::vector<std::int64_t>> id;  // id[item] for dense items 1..n (id[0] is empty): m + 1 codes
  std::int64_t num_items() const { return static_cast<std::int64_t>(id.size()) - 1; }
  // tokens per position: codebook_size for 0..m-1, collision_size for m
  std::int64_t position_size(int position) const { return position < levels ? codebook_size : collision_size; }
};

// codes: row-major (n, m), row i = item i + 1. Adds the collision token.
SemanticIdTable assign_semantic_ids(const std::vector<std::int64_t>& codes, int levels, std::int64_t codebook_size);

// What the codes say about the codebooks (docs/PROTOCOLS.md §4: collapse shows up here).
struct CodeUsage {
  std::vector<std::int64_t> used;  // per level: codes used by at least one item (of codebook_size)
  std::vector<double> entropy;     // per level: entropy of the code distribution, in bits (max log2 K)
  double unique_share = 0;         // share of items whose m codes no other item has (before the extra token)
  std::int64_t max_group = 0;      // the most items sharing one (c_1, …, c_m)
  std::int64_t distinct_prefixes = 0;
};
CodeUsage code_usage(const std::vector<std::int64_t>& codes, int levels, std::int64_t codebook_size);

// The vocabulary of TIGER's Transformer:
//   0 = padding, 1 = BOS (the decoder's start), then the semantic tokens position by position, then the
//   user tokens (a user id hashed into one of `user_buckets`, TIGER §4).
// The output layer scores the semantic tokens only: logit j ↔ token 2 + j.
struct TokenSpace {
  static constexpr std::int64_t pad = 0, bos = 1;
  std::vector<std::int64_t> offset;  // offset[p]: first logit of position p; offset.back() = n_semantic
  std::int64_t user_buckets = 2000;
  TokenSpace() = default;
  TokenSpace(const SemanticIdTable& ids, std::int64_t user_buckets);
  int positions() const { return static_cast<int>(offset.size()) - 1; }
  std::int64_t n_semantic() const { return offset.back(); }
  std::int64_t logit(int position, std::int64_t code) const { return offset[position] + code; }
  std::int64_t token(int position, std::int64_t code) const { return 2 + logit(position, code); }
  std::int64_t user_token(std::int64_t user) const;
  std::int64_t vocab() const { return 2 + n_semantic() + user_buckets; }
};

// The valid IDs as a prefix tree: node 0 is the root; a leaf (depth m + 1) names its item.
class IdTrie {
 public:
  explicit IdTrie(const SemanticIdTable& ids);
  // (code, child node) pairs below `node`, in ascending code order
  const std::map<std::int64_t, std::int64_t>& children(std::int64_t node) const { return nodes_[node].children; }
  std::int64_t item(std::int64_t node) const { return nodes_[node].item; }  // -1 if not a leaf
  // The item whose ID is `codes`, or -1 when no item has it.
  std::int64_t find(const std::vector<std::int64_t>& codes) const;
  std::int64_t size() const { return static_cast<std::int64_t>(nodes_.size()); }

 private:
  struct Node {
    std::map<std::int64_t, std::int64_t> children;
    std::int64_t item = -1;
  };
  std::vector<Node> nodes_;
};

// `item<TAB>raw_id<TAB>c_1 … c_m c_extra` per item, with a header; raw_ids[i] is item i + 1's raw id.
void write_semantic_ids(const std::filesystem::path& path, const SemanticIdTable& ids,
                        const std::vector<std::int64_t>& raw_ids);

}  // namespace recgrad::models
