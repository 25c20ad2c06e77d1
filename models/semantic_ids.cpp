#include "models/semantic_ids.hpp"

#include <cmath>
#include <fstream>
#include <stdexcept>

#include "autograd/generator.hpp"

namespace recgrad::models {

SemanticIdTable assign_semantic_ids(const std::vector<std::int64_t>& codes, int levels, std::int64_t codebook_size) {
  if (levels <= 0 || codes.size() % static_cast<std::size_t>(levels) != 0)
    throw std::invalid_argument("assign_semantic_ids: " + std::to_string(codes.size()) + " codes do not fill rows of " +
                                std::to_string(levels));
  SemanticIdTable t;
  t.levels = levels;
  t.codebook_size = codebook_size;
  const std::size_t n = codes.size() / static_cast<std::size_t>(levels);
  t.id.assign(n + 1, {});
  std::map<std::vector<std::int64_t>, std::int64_t> taken;  // (c_1..c_m) -> items given an ID so far
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<std::int64_t> id(codes.begin() + static_cast<std::ptrdiff_t>(i * levels),
                                 codes.begin() + static_cast<std::ptrdiff_t>((i + 1) * levels));
    for (std::int64_t c : id)
      if (c < 0 || c >= codebook_size)
        throw std::out_of_range("assign_semantic_ids: code " + std::to_string(c) + " of item " + std::to_string(i + 1) +
                                " is outside [0, " + std::to_string(codebook_size) + ")");
    const std::int64_t extra = taken[id]++;
    t.collision_size = std::max(t.collision_size, extra + 1);
    id.push_back(extra);
    t.id[i + 1] = id;
  }
  return t;
}

CodeUsage code_usage(const std::vector<std::int64_t>& codes, int levels, std::int64_t K) {
  const std::size_t n = codes.size() / static_cast<std::size_t>(levels);
  CodeUsage u;
  for (int d = 0; d < levels; ++d) {
    std::vector<std::int64_t> count(static_cast<std::size_t>(K), 0);
    for (std::size_t i = 0; i < n; ++i) ++count[codes[i * levels + d]];
    std::int64_t used = 0;
    double H = 0;
    for (std::int64_t c : count) {
      if (c == 0) continue;
      ++used;
      const double p = static_cast<double>(c) / static_cast<double>(n);
      H -= p * std::log2(p);  // H = −Σ p log₂ p
    }
    u.used.push_back(used);
    u.entropy.push_back(H);
  }
  std::map<std::vector<std::int64_t>, std::int64_t> group;
  for (std::size_t i = 0; i < n; ++i)
    ++group[std::vector<std::int64_t>(codes.begin() + static_cast<std::ptrdiff_t>(i * levels),
                                      codes.begin() + static_cast<std::ptrdiff_t>((i + 1) * levels))];
  std::int64_t unique = 0;
  for (const auto& [prefix, c] : group) {
    if (c == 1) ++unique;
    u.max_group = std::max(u.max_group, c);
  }
  u.distinct_prefixes = static_cast<std::int64_t>(group.size());
  u.unique_share = n ? static_cast<double>(unique) / static_cast<double>(n) : 0.0;
  return u;
}

TokenSpace::TokenSpace(const SemanticIdTable& ids, std::int64_t buckets) : user_buckets(buckets) {
  offset.push_back(0);
  for (int p = 0; p <= ids.levels; ++p) offset.push_back(offset.back() + ids.position_size(p));
}

std::int64_t TokenSpace::user_token(std::int64_t user) const {
  return 2 + n_semantic() +
         static_cast<std::int64_t>(splitmix64(static_cast<std::uint64_t>(user)) %
                                   static_cast<std::uint64_t>(user_buckets));
}

IdTrie::IdTrie(const SemanticIdTable& ids) : nodes_(1) {
  for (std::int64_t item = 1; item <= ids.num_items(); ++item) {
    std::int64_t node = 0;
    for (std::int64_t code : ids.id[item]) {
      auto it = nodes_[node].children.find(code);
      if (it == nodes_[node].children.end()) {
        nodes_.push_back({});
        it = nodes_[node].children.emplace(code, static_cast<std::int64_t>(nodes_.size()) - 1).first;
      }
      node = it->second;
    }
    if (nodes_[node].item != -1)
      throw std::invalid_argument("IdTrie: items " + std::to_string(nodes_[node].item) + " and " +
                                  std::to_string(item) + " have the same ID");
    nodes_[node].item = item;
  }
}

std::int64_t IdTrie::find(const std::vector<std::int64_t>& codes) const {
  std::int64_t node = 0;
  for (std::int64_t c : codes) {
    const auto it = nodes_[node].children.find(c);
    if (it == nodes_[node].children.end()) return -1;
    node = it->second;
  }
  return nodes_[node].item;
}

void write_semantic_ids(const std::filesystem::path& path, const SemanticIdTable& ids,
                        const std::vector<std::int64_t>& raw_ids) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  const std::string tmp = path.string() + ".tmp";
  {
    std::ofstream f(tmp);
    f << "item\traw_id\tsemantic_id\n";
    for (std::int64_t i = 1; i <= ids.num_items(); ++i) {
      f << i << '\t' << raw_ids[static_cast<std::size_t>(i - 1)] << '\t';
      for (std::size_t p = 0; p < ids.id[i].size(); ++p) f << (p ? " " : "") << ids.id[i][p];
      f << '\n';
    }
    if (!f.flush()) throw std::runtime_error(tmp + ": write failed");
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace recgrad::models
