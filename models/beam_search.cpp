#include "models/beam_search.hpp"

#include <algorithm>
#include <stdexcept>

namespace recgrad::models {

namespace {

struct Beam {
  std::vector<std::int64_t> codes;
  std::int64_t node = 0;  // trie node reached by `codes`
  double score = 0;
};

bool better(const Beam& a, const Beam& b) {
  if (a.score != b.score) return a.score > b.score;
  return a.codes < b.codes;
}

}  // namespace

std::vector<std::vector<Recommendation>> constrained_beam_search(std::int64_t n_users, const NextTokenLogProbs& next,
                                                                 const IdTrie& trie, const TokenSpace& space,
                                                                 int beam) {
  if (beam <= 0) throw std::invalid_argument("constrained_beam_search: beam must be positive");
  std::vector<std::vector<Beam>> beams(static_cast<std::size_t>(n_users), std::vector<Beam>(1));
  const std::int64_t V = space.n_semantic();
  for (int p = 0; p < space.positions(); ++p) {
    std::vector<std::int64_t> rows;
    std::vector<std::vector<std::int64_t>> prefixes;
    for (std::int64_t u = 0; u < n_users; ++u)
      for (const Beam& b : beams[u]) {
        rows.push_back(u);
        prefixes.push_back(b.codes);
      }
    if (rows.empty()) break;
    const std::vector<float> logp = next(rows, prefixes);
    std::size_t r = 0;
    for (std::int64_t u = 0; u < n_users; ++u) {
      std::vector<Beam> grown;
      for (const Beam& b : beams[u]) {
        const float* lp = &logp[r++ * static_cast<std::size_t>(V)];
        for (const auto& [code, child] : trie.children(b.node)) {  // only codes that lead to an item
          Beam g{b.codes, child, b.score + lp[space.logit(p, code)]};
          g.codes.push_back(code);
          grown.push_back(std::move(g));
        }
      }
      const std::size_t keep = std::min<std::size_t>(grown.size(), static_cast<std::size_t>(beam));
      std::partial_sort(grown.begin(), grown.begin() + static_cast<std::ptrdiff_t>(keep), grown.end(), better);
      grown.resize(keep);
      beams[u] = std::move(grown);
    }
  }
  std::vector<std::vector<Recommendation>> out(static_cast<std::size_t>(n_users));
  for (std::int64_t u = 0; u < n_users; ++u)
    for (const Beam& b : beams[u]) {
      const std::int64_t item = trie.item(b.node);
      if (item < 0)
        throw std::logic_error("constrained_beam_search: a finished beam is not an item (trie depth mismatch)");
      out[u].push_back({item, b.score});
    }
  return out;
}

double id_log_prob(const NextTokenLogProbs& next, std::int64_t user, const std::vector<std::int64_t>& codes,
                   const TokenSpace& space) {
  double s = 0;
  for (int p = 0; p < static_cast<int>(codes.size()); ++p) {
    const std::vector<std::int64_t> prefix(codes.begin(), codes.begin() + p);
    s += next({user}, {prefix})[static_cast<std::size_t>(space.logit(p, codes[p]))];
  }
  return s;
}

}  // namespace recgrad::models
