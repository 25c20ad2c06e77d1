#include "models/tiger_decoding.hpp"

#include <algorithm>
#include <map>
#include <memory>

namespace recgrad::models {

// [user token, the ID tokens of the last max_items items of history]
std::vector<std::int64_t> encoder_tokens(const TokenSpace& space, const SemanticIdTable& ids, std::int64_t user,
                                         const std::vector<std::int64_t>& history, std::int64_t max_items) {
  std::vector<std::int64_t> t{space.user_token(user)};
  t.reserve(static_cast<std::size_t>(encoder_length(space, static_cast<std::int64_t>(history.size()), max_items)));
  const std::size_t first = history.size() > static_cast<std::size_t>(max_items) ? history.size() - max_items : 0;
  for (std::size_t j = first; j < history.size(); ++j)
    for (int p = 0; p < space.positions(); ++p) t.push_back(space.token(p, ids.id[history[j]][p]));
  return t;
}

std::int64_t encoder_length(const TokenSpace& space, std::int64_t history_items, std::int64_t max_items) {
  return 1 + space.positions() * std::min(history_items, max_items);
}

// rows of different lengths, right-padded with 0 -> (B, S) int64
Tensor pad_rows(const std::vector<std::vector<std::int64_t>>& rows, std::size_t min_width) {
  std::size_t S = std::max<std::size_t>(min_width, 1);
  for (const auto& r : rows) S = std::max(S, r.size());
  std::vector<std::int64_t> flat(rows.size() * S, TokenSpace::pad);
  for (std::size_t b = 0; b < rows.size(); ++b)
    std::copy(rows[b].begin(), rows[b].end(), flat.begin() + static_cast<std::ptrdiff_t>(b * S));
  return Tensor::from_vector(flat, {static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(S)});
}

NextTokenLogProbs next_token_log_probs(const Tiger& model, const Tensor& memory, const Tensor& valid) {
  // Between calls it keeps each decoded row's keys and values (Tiger::DecoderCache): a call whose prefixes
  // extend the previous call's rows (beam search, one position per call) decodes only the new position;
  // any other call (a prefix whose parent was not decoded last) replays its prefixes from the start.
  struct State {
    Tiger::DecoderCache memory_kv;  // cross-attention keys and values of every memory row, no decoded position
    Tiger::DecoderCache rows;       // the previous call's rows
    std::map<std::pair<std::int64_t, std::vector<std::int64_t>>, std::int64_t> row_of;  // (memory row, prefix) -> row
  };
  auto state = std::make_shared<State>();
  state->memory_kv = model.start_decoding(memory);
  return [&model, memory, valid, state](const std::vector<std::int64_t>& rows,
                                        const std::vector<std::vector<std::int64_t>>& prefixes) {
    const TokenSpace& space = model.space;
    const std::int64_t t = static_cast<std::int64_t>(prefixes[0].size()) + 1;  // positions with BOS
    // group the rows by user (each user's beams share its memory row), padding every group to b rows
    std::vector<std::int64_t> users;
    std::vector<std::vector<std::size_t>> group;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      if (users.empty() || users.back() != rows[r]) {
        users.push_back(rows[r]);
        group.emplace_back();
      }
      group.back().push_back(r);
    }
    std::size_t b = 1;
    for (const auto& g : group) b = std::max(b, g.size());
    std::vector<std::size_t> source;  // padded row -> caller's row (padding rows repeat the last beam)
    for (const auto& g : group)
      for (std::size_t j = 0; j < b; ++j) source.push_back(g[std::min(j, g.size() - 1)]);
    const std::int64_t U = static_cast<std::int64_t>(users.size()), B = static_cast<std::int64_t>(b), R = U * B;
    auto token_at = [&](std::size_t row, std::int64_t position) {  // decoder input: [BOS, prefix]
      return position == 0 ? TokenSpace::bos : space.token(static_cast<int>(position - 1), prefixes[row][position - 1]);
    };
    auto tokens_at = [&](std::int64_t position) {  // (R, 1)
      std::vector<std::int64_t> tok;
      for (std::size_t r : source) tok.push_back(token_at(r, position));
      return Tensor::from_vector(tok, {R, 1});
    };
    const Tensor idx = Tensor::from_vector(users, {U});
    Tiger::DecoderCache cache;
    for (std::size_t l = 0; l < state->memory_kv.memory_K.size(); ++l) {
      cache.memory_K.push_back(index_select(state->memory_kv.memory_K[l], 0, idx));
      cache.memory_V.push_back(index_select(state->memory_kv.memory_V[l], 0, idx));
    }
    cache.K.resize(cache.memory_K.size());
    cache.V.resize(cache.memory_K.size());
    const Tensor valid_rows = index_select(valid, 0, idx);
    // the rows' earlier positions: gathered from the previous call when it decoded every parent, else replayed
    std::vector<std::int64_t> parent;
    for (std::size_t k = 0; k < source.size() && t > 1; ++k) {
      const std::vector<std::int64_t>& pre = prefixes[source[k]];
      auto it = state->row_of.find({rows[source[k]], std::vector<std::int64_t>(pre.begin(), pre.end() - 1)});
      if (it == state->row_of.end()) break;
      parent.push_back(it->second);
    }
    if (t > 1 && parent.size() == source.size()) {
      const Tensor pidx = Tensor::from_vector(parent, {R});
      for (std::size_t l = 0; l < cache.K.size(); ++l) {
        cache.K[l] = index_select(state->rows.K[l], 0, pidx);
        cache.V[l] = index_select(state->rows.V[l], 0, pidx);
      }
    } else {
      for (std::int64_t position = 0; position + 1 < t; ++position)
        model.decode_step(tokens_at(position), position, cache, valid_rows, B);
    }
    const Tensor states = model.decode_step(tokens_at(t - 1), t - 1, cache, valid_rows, B);  // (R, d)
    const std::vector<float> all = log_softmax(model.head.forward(states), -1).contiguous().to_vector<float>();
    state->rows = cache;
    state->row_of.clear();
    for (std::size_t k = 0; k < source.size(); ++k)
      state->row_of.emplace(std::make_pair(rows[source[k]], prefixes[source[k]]), static_cast<std::int64_t>(k));
    const std::size_t V = static_cast<std::size_t>(space.n_semantic());
    std::vector<float> out(rows.size() * V);
    for (std::size_t u = 0; u < group.size(); ++u)
      for (std::size_t j = 0; j < group[u].size(); ++j) std::copy_n(&all[(u * b + j) * V], V, &out[group[u][j] * V]);
    return out;
  };
}

std::vector<Recommendation> recommend(Tiger& model, const SemanticIdTable& ids, const IdTrie& trie, std::int64_t user,
                                      const std::vector<std::int64_t>& history) {
  NoGradGuard no_grad;
  const bool was_training = model.training();
  model.eval();
  const Tensor tokens = pad_rows({encoder_tokens(model.space, ids, user, history, model.config.max_items)});
  const Tensor memory = model.encode(tokens), valid = token_valid(tokens);  // (1, S, d), (1, S)
  auto recs =
      constrained_beam_search(1, next_token_log_probs(model, memory, valid), trie, model.space, model.config.beam);
  model.train(was_training);
  return recs[0];
}

}  // namespace recgrad::models
