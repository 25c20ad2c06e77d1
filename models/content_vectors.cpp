#include "models/content_vectors.hpp"

#include <cmath>
#include <numeric>
#include <unordered_map>

#include <fmt/core.h>

#include "autograd/anomaly.hpp"
#include "nn/checkpoint.hpp"
#include "nn/init.hpp"
#include "nn/optim.hpp"

namespace recgrad::models {

namespace {

struct Vocabulary {
  std::unordered_map<std::string, std::int64_t> index;
  std::vector<std::int64_t> count;
  std::vector<std::vector<std::int64_t>> item_tokens;  // per item, kept tokens only
};

Vocabulary build_vocabulary(const std::vector<std::vector<std::string>>& tokens, int min_count) {
  std::unordered_map<std::string, std::int64_t> freq;
  for (const auto& doc : tokens)
    for (const auto& t : doc) ++freq[t];
  // sorted token list, so that ids (and the random draws that follow) do not depend on hash order
  std::vector<std::string> kept;
  for (const auto& [t, c] : freq)
    if (c >= min_count) kept.push_back(t);
  std::sort(kept.begin(), kept.end());
  Vocabulary v;
  for (const auto& t : kept) {
    v.index[t] = static_cast<std::int64_t>(v.count.size());
    v.count.push_back(freq[t]);
  }
  for (const auto& doc : tokens) {
    std::vector<std::int64_t> ids;
    for (const auto& t : doc)
      if (auto it = v.index.find(t); it != v.index.end()) ids.push_back(it->second);
    v.item_tokens.push_back(ids);
  }
  return v;
}

// A table for drawing negatives ∝ count^0.75 (word2vec's unigram table).
std::vector<std::int64_t> unigram_table(const std::vector<std::int64_t>& count, std::int64_t size = 1 << 20) {
  std::vector<double> w(count.size());
  for (std::size_t i = 0; i < count.size(); ++i) w[i] = std::pow(static_cast<double>(count[i]), 0.75);
  const double total = std::accumulate(w.begin(), w.end(), 0.0);
  std::vector<std::int64_t> table;
  table.reserve(static_cast<std::size_t>(size));
  double acc = 0;
  std::size_t i = 0;
  for (std::int64_t j = 0; j < size; ++j) {
    while (i + 1 < w.size() && (static_cast<double>(j) + 0.5) / static_cast<double>(size) > (acc + w[i]) / total)
      acc += w[i++];
    table.push_back(static_cast<std::int64_t>(i));
  }
  return table;
}

// Trains the token vectors W: (V, dim) by skip-gram with negative sampling.
Tensor train_token_vectors(const Vocabulary& v, const ContentConfig& cfg, Generator& gen, bool progress) {
  const std::int64_t V = static_cast<std::int64_t>(v.count.size());
  Tensor W = Tensor::empty({V, cfg.dim}), C = Tensor::zeros({V, cfg.dim});
  nn::init::uniform_(W, -0.5 / cfg.dim, 0.5 / cfg.dim, gen);
  W.requires_grad_();
  C.requires_grad_();
  std::vector<std::pair<std::int64_t, std::int64_t>> pairs;  // (a, b): a and b in one item
  for (const auto& ids : v.item_tokens)
    for (std::int64_t a : ids)
      for (std::int64_t b : ids)
        if (a != b) pairs.emplace_back(a, b);
  if (pairs.empty()) return W.detach();
  const std::vector<std::int64_t> table = unigram_table(v.count);
  nn::Adam::Options adam;
  adam.lr = cfg.lr;
  nn::Adam opt({W, C}, adam);
  const std::int64_t P = static_cast<std::int64_t>(pairs.size()), k = 1 + cfg.negatives;
  for (int epoch = 1; epoch <= cfg.epochs; ++epoch) {
    shuffle(pairs, gen);
    double total = 0;
    for (std::int64_t start = 0; start < P; start += cfg.batch_size) {
      const std::int64_t B = std::min(cfg.batch_size, P - start);
      std::vector<std::int64_t> a(B), ctx(B * k);
      for (std::int64_t r = 0; r < B; ++r) {
        a[r] = pairs[start + r].first;
        ctx[r * k] = pairs[start + r].second;
        for (std::int64_t n = 1; n < k; ++n)
          ctx[r * k + n] = table[gen.next_int(static_cast<std::int64_t>(table.size()))];
      }
      // s = w_a · c: (B, 1 + negatives); the first column is the positive
      const Tensor s = embedding_dot(embedding(W, Tensor::from_vector(a, {B})), C, Tensor::from_vector(ctx, {B, k}));
      const Tensor sign = concat({Tensor::full({1, 1}, -1.0), Tensor::full({1, k - 1}, 1.0)}, 1);
      // L = softplus(−s_pos) + Σ softplus(s_neg), mean over pairs
      const Tensor loss = mean(sum(softplus(s * sign), {1}));
      opt.zero_grad();
      loss.backward();
      opt.step();
      total += loss.item() * static_cast<double>(B);
    }
    if (progress)
      fmt::print("content vectors: epoch {:>3}/{}  skip-gram loss {:.4f}\n", epoch, cfg.epochs,
                 total / static_cast<double>(P));
  }
  return W.detach();
}

std::uint64_t fnv1a(const std::string& s, std::uint64_t h = 1469598103934665603ull) {
  for (unsigned char ch : s) h = (h ^ ch) * 1099511628211ull;
  return h;
}

}  // namespace

Tensor learn_content_vectors(const std::vector<std::vector<std::string>>& tokens, const ContentConfig& cfg,
                             std::uint64_t seed, bool progress) {
  Generator gen(seed);
  const Vocabulary v = build_vocabulary(tokens, cfg.min_count);
  const Tensor W = train_token_vectors(v, cfg, gen, progress);
  const std::int64_t V = W.size(0), D = cfg.dim, N = static_cast<std::int64_t>(tokens.size());
  // one fixed random unit vector per token: the bag-of-attributes part u_i
  const Tensor U = l2_normalize(Tensor::randn({std::max<std::int64_t>(V, 1), D}, gen), 1);
  const std::vector<float> w = l2_normalize(W, 1).to_vector<float>(), u = U.to_vector<float>();
  std::vector<float> out(static_cast<std::size_t>(N * D), 0.0f);
  for (std::int64_t i = 0; i < N; ++i) {
    const auto& ids = v.item_tokens[i];
    if (ids.empty()) continue;
    double norm = 0;
    for (std::int64_t j = 0; j < D; ++j) {
      double x = 0;
      for (std::int64_t t : ids) x += w[t * D + j] + u[t * D + j];
      out[i * D + j] = static_cast<float>(x);
      norm += x * x;
    }
    for (std::int64_t j = 0; j < D; ++j) out[i * D + j] = static_cast<float>(out[i * D + j] / std::sqrt(norm));
  }
  return Tensor::from_vector(out, {N, D});
}

namespace {

// Item vectors: (N, D) float32 and finite, or an error naming `what` and the first bad entry. A NaN here would give
// every item the same semantic ID without any other sign.
void require_finite_vectors(const Tensor& v, const std::string& what) {
  if (v.dim() != 2 || v.dtype() != DType::f32)
    throw std::runtime_error(what + ": expected (items, dim) float32 vectors, got " + v.str());
  const std::int64_t bad = first_non_finite(v);
  if (bad >= 0)
    throw std::runtime_error(what + ": item vector " + std::to_string(bad / v.size(1)) + " holds a NaN or an Inf");
}

}  // namespace

Tensor cached_content_vectors(const std::vector<std::vector<std::string>>& tokens, const ContentConfig& cfg,
                              std::uint64_t seed, const std::filesystem::path& cache_dir, bool progress, bool write) {
  std::uint64_t h = fnv1a(fmt::format("{}|{}|{}|{}|{}|{}|{}|{}", name_of(cfg.source), cfg.dim, cfg.epochs,
                                      cfg.negatives, cfg.min_count, cfg.lr, cfg.batch_size, seed));
  for (const auto& doc : tokens) {
    for (const auto& t : doc) h = fnv1a(t + "\x1f", h);
    h = fnv1a("\x1e", h);
  }
  const auto path = cache_dir / fmt::format("content-{}-{:016x}.safetensors", name_of(cfg.source), h);
  if (std::filesystem::exists(path)) {
    const auto loaded = nn::load_safetensors(path);
    const auto it = loaded.tensors.find("item_vectors");
    if (it != loaded.tensors.end() && it->second.size(0) == static_cast<std::int64_t>(tokens.size())) {
      require_finite_vectors(it->second, path.string() + " (a cache: delete it and the run computes it again)");
      if (progress) fmt::print("content vectors: read from cache {}\n", path.string());
      return it->second;
    }
  }
  const Tensor vectors = learn_content_vectors(tokens, cfg, seed, progress);
  require_finite_vectors(vectors, "content vectors learned for " + path.string() + " (not cached)");
  if (!write) return vectors;
  std::filesystem::create_directories(cache_dir);
  nn::save_safetensors(path, {{"item_vectors", vectors}},
                       {{"source", name_of(cfg.source)}, {"seed", std::to_string(seed)}});
  if (progress) fmt::print("content vectors: cached in {}\n", path.string());
  return vectors;
}

std::vector<std::int64_t> nearest_rows(const Tensor& vectors, std::int64_t i, int k) {
  const std::int64_t N = vectors.size(0), D = vectors.size(1);
  const std::vector<float> x = vectors.to_vector<float>();
  std::vector<std::pair<double, std::int64_t>> sims;
  for (std::int64_t j = 0; j < N; ++j) {
    if (j == i) continue;
    double s = 0;
    for (std::int64_t c = 0; c < D; ++c) s += static_cast<double>(x[i * D + c]) * x[j * D + c];
    sims.emplace_back(-s, j);
  }
  const auto n = static_cast<std::size_t>(std::min<std::int64_t>(k, static_cast<std::int64_t>(sims.size())));
  std::partial_sort(sims.begin(), sims.begin() + static_cast<std::ptrdiff_t>(n), sims.end());
  std::vector<std::int64_t> out;
  for (std::size_t j = 0; j < n; ++j) out.push_back(sims[j].second);
  return out;
}

}  // namespace recgrad::models
