#include "models/batching.hpp"

#include "autograd/node.hpp"

#include <cmath>
#include <stdexcept>

namespace recgrad::models {

Tensor stack_rows(const std::vector<std::vector<std::int64_t>>& rows) {
  std::vector<std::int64_t> flat;
  for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  return Tensor::from_vector(flat, {static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(rows[0].size())});
}

namespace {

// Inference in batches of rows of similar length: rows sorted by their real length, each batch cut to its
// longest row (the padding columns past it change nothing: causal attention, padding outputs 0), so
// evaluation costs what the real items cost. cut(rows of a batch, width) builds that batch's inputs and
// returns the slot to read in each row. -> (U, d) in the original row order.
template <class Forward>
Tensor vectors_by_length(SequenceModel& model, const std::vector<std::int64_t>& length, Forward&& forward) {
  NoGradGuard no_grad;
  model.eval();
  const std::size_t U = length.size(), B = 256;
  std::vector<std::int64_t> order(U);
  for (std::size_t i = 0; i < U; ++i) order[i] = static_cast<std::int64_t>(i);
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) { return length[a] < length[b]; });
  std::vector<Tensor> parts;
  for (std::size_t s = 0; s < U; s += B) {
    const std::vector<std::int64_t> batch(order.begin() + s, order.begin() + std::min(U, s + B));
    const std::int64_t width = std::max<std::int64_t>(1, length[batch.back()]);
    std::vector<std::int64_t> slot;
    const Tensor F = forward(batch, width, slot);  // (b, width, d)
    const std::int64_t b = F.size(0), T = F.size(1);
    std::vector<std::int64_t> flat(static_cast<std::size_t>(b));
    for (std::int64_t i = 0; i < b; ++i) flat[i] = i * T + slot[i];
    parts.push_back(index_select(reshape(F, {b * T, F.size(2)}), 0, Tensor::from_vector(flat, {b})));
  }
  model.train();
  std::vector<std::int64_t> inverse(U);  // sorted position of each original row
  for (std::size_t i = 0; i < U; ++i) inverse[order[i]] = static_cast<std::int64_t>(i);
  return index_select(concat(parts, 0), 0, Tensor::from_vector(inverse, {static_cast<std::int64_t>(U)}));
}

// Columns [0, width) of a right-padded row, or its last `width` columns when left-padded.
std::vector<std::int64_t> cut(const std::vector<std::int64_t>& row, std::int64_t width, bool right) {
  return right ? std::vector<std::int64_t>(row.begin(), row.begin() + width)
               : std::vector<std::int64_t>(row.end() - width, row.end());
}

}  // namespace

Tensor last_position_vectors(SequenceModel& model, const std::vector<std::vector<std::int64_t>>& padded_rows,
                             const std::vector<std::int64_t>& index) {
  const bool right = !index.empty();
  std::vector<std::int64_t> length;
  for (std::size_t u = 0; u < padded_rows.size(); ++u) {
    const auto& r = padded_rows[u];
    const auto T = static_cast<std::int64_t>(r.size());
    std::int64_t first = 0;
    while (first < T && r[first] == 0) ++first;
    length.push_back(right ? index[u] + 1 : T - first);
  }
  return vectors_by_length(
      model, length, [&](const std::vector<std::int64_t>& batch, std::int64_t width, std::vector<std::int64_t>& slot) {
        std::vector<std::vector<std::int64_t>> rows;
        for (auto u : batch) {
          rows.push_back(cut(padded_rows[u], width, right));
          slot.push_back(right ? index[u] : width - 1);
        }
        return model.forward(stack_rows(rows));
      });
}

SideInputs stack_side(const std::vector<const datasets::StreamRow*>& rows) {
  std::vector<std::vector<std::int64_t>> kt, qt, act;
  for (const auto* r : rows) {
    kt.push_back(r->key_time);
    qt.push_back(r->query_time);
    act.push_back(r->action);
  }
  return {stack_rows(kt), stack_rows(qt), stack_rows(act)};
}

Tensor stream_vectors(SequenceModel& model, const std::vector<datasets::StreamRow>& rows, bool pad_right) {
  std::vector<std::int64_t> length;
  for (const auto& r : rows) length.push_back(pad_right ? r.last + 1 : static_cast<std::int64_t>(r.seq.size()));
  return vectors_by_length(
      model, length, [&](const std::vector<std::int64_t>& batch, std::int64_t width, std::vector<std::int64_t>& slot) {
        std::vector<datasets::StreamRow> cut_rows;
        for (auto u : batch) {
          const auto& r = rows[u];
          cut_rows.push_back({cut(r.seq, width, pad_right),
                              {},
                              cut(r.key_time, width, pad_right),
                              cut(r.query_time, width, pad_right),
                              cut(r.action, width, pad_right),
                              r.last});
          slot.push_back(pad_right ? r.last : width - 1);
        }
        std::vector<std::vector<std::int64_t>> seq;
        std::vector<const datasets::StreamRow*> side;
        for (const auto& r : cut_rows) {
          seq.push_back(r.seq);
          side.push_back(&r);
        }
        return model.forward(stack_rows(seq), stack_side(side));
      });
}

}  // namespace recgrad::models
