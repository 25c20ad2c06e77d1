// recgrad/models/tiger_trainer.hpp — TIGER end to end (PROTOCOLS.md §3):
//   item tokens → content vectors → RQ-VAE → semantic IDs (+ collision token)
//   → encoder–decoder trained with teacher forcing on every (history, next item) of the training part
//   → constrained beam search → items → Recall@k / NDCG@k under leave-one-out (last item test,
//     second-last validation, the same split as SASRec and HSTU)
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "autograd/autograd.hpp"
#include "datasets/sequences.hpp"
#include "models/beam_search.hpp"
#include "models/rqvae.hpp"
#include "models/trainer.hpp"

namespace recgrad::models {

struct TigerData {
  std::vector<std::int64_t> users;                   // raw user ids (hashed into user tokens)
  std::vector<std::int64_t> raw_item;                // raw_item[i - 1]: the raw id of dense item i
  datasets::LeaveOneOut split;                       // dense ids 1..n
  std::vector<std::vector<std::string>> item_tokens; // per dense item i at [i - 1]
  std::vector<std::string> titles;                   // per dense item i at [i - 1]
  std::vector<char> cold;                            // cold[i]: item i is held out of training (index 0 unused)
  std::int64_t num_items() const { return static_cast<std::int64_t>(raw_item.size()); }
};
TigerData load_tiger_data(const TrainConfig& cfg, const std::filesystem::path& data_dir, std::uint64_t seed);

struct SemanticIdRun {
  Tensor content;        // (n_items, dim) content vectors, row i - 1 = item i
  RQVAEResult rqvae;
  SemanticIdTable table;
  CodeUsage usage;       // of the m RQ-VAE codes, before the collision token
};
// Content vectors (cached in cache_dir) and the RQ-VAE, trained on the items that are not cold.
SemanticIdRun build_semantic_ids(const TrainConfig& cfg, const TigerData& data, std::uint64_t seed,
                                 const std::filesystem::path& cache_dir, bool progress);

// log P(next code | prefix, user) from the decoder over [BOS, prefix] at its last position; row r of a
// call reads memory row rows[r]. memory: (U, S, d), valid: (U, S). Inference only (no grad mode).
// Incremental: the returned function keeps each row's decoder keys and values (Tiger::DecoderCache), so a
// call whose prefixes extend the previous call's (beam search) decodes only the new position; other calls
// replay their prefixes. Either way the values are the full decoder's.
NextTokenLogProbs next_token_log_probs(const Tiger& model, const Tensor& memory, const Tensor& valid);

struct TigerResult {
  TrainResult train;                           // best epoch, validation and test at it ("recall@k", "ndcg@k")
  std::map<std::string, double> test_cold;     // test users whose test item was held out of training
  std::map<std::string, double> test_warm;     // the other test users
  std::int64_t cold_users = 0, cold_items = 0;
  std::int64_t test_users = 0;                 // users in the test table
  CodeUsage usage;
  std::int64_t collision_size = 0;
  std::int64_t invalid_ids = 0;                // generated IDs that name no item (constrained decoding: 0)
};
TigerResult train_tiger(const TrainConfig& cfg, const TrainOptions& opt);

// What TIGER generates for user u (an index into data.users) after its test history: the constrained beam
// search's items, best first, each with the log-probability of its ID (items of the history included).
std::vector<Recommendation> recommend(Tiger& model, const TigerData& data, const SemanticIdTable& ids, const IdTrie& trie,
                                      std::size_t u);

// Test Recall@k / NDCG@k of a model (all users; with cold items, also the cold and the warm users apart),
// into result.train.test, test_cold, test_warm, invalid_ids.
void test_tiger(Tiger& model, const TigerData& data, const SemanticIdTable& ids, const IdTrie& trie, const TrainConfig& cfg,
                TigerResult& result, bool progress);

// The test of a saved TIGER (a best.safetensors of `train`): the same data, semantic IDs (the same seed
// rebuilds them, from the cache when present) and protocol as its training run.
TigerResult evaluate_tiger_checkpoint(const TrainConfig& cfg, const TrainOptions& opt, const std::filesystem::path& checkpoint);

}  // namespace recgrad::models
