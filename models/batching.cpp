#include "models/batching.hpp"

#include <cmath>
#include <stdexcept>

namespace recgrad::models {

Tensor stack_rows(const std::vector<std::vector<std::int64_t>>& rows) {
  std::vector<std::int64_t> flat;
  for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  return Tensor::from_vector(flat, {static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(rows[0].size())});
}

Tensor last_position_vectors(SequenceModel& model, const std::vector<std::vector<std::int64_t>>& padded_rows,
                             const std::vector<std::int64_t>& index) {
  NoGradGuard no_grad;
  model.eval();
  std::vector<Tensor> parts;
  const std::size_t B = 256;
  for (std::size_t s = 0; s < padded_rows.size(); s += B) {
    const std::vector<std::vector<std::int64_t>> rows(padded_rows.begin() + s,
                                                      padded_rows.begin() + std::min(padded_rows.size(), s + B));
    const Tensor F = model.forward(stack_rows(rows));  // (b, T, d)
    if (index.empty()) {
      parts.push_back(squeeze(slice(F, 1, F.size(1) - 1, F.size(1)), 1).contiguous());
      continue;
    }
    const std::int64_t b = F.size(0), T = F.size(1);
    std::vector<std::int64_t> flat(static_cast<std::size_t>(b));
    for (std::int64_t i = 0; i < b; ++i) flat[i] = i * T + index[s + i];
    parts.push_back(index_select(reshape(F, {b * T, F.size(2)}), 0, Tensor::from_vector(flat, {b})));
  }
  model.train();
  return concat(parts, 0);
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

Tensor stream_vectors(SequenceModel& model, const std::vector<datasets::StreamRow>& rows) {
  NoGradGuard no_grad;
  model.eval();
  std::vector<Tensor> parts;
  const std::size_t B = 256;
  for (std::size_t s = 0; s < rows.size(); s += B) {
    std::vector<const datasets::StreamRow*> batch;
    std::vector<std::vector<std::int64_t>> seq;
    for (std::size_t i = s; i < std::min(rows.size(), s + B); ++i) {
      batch.push_back(&rows[i]);
      seq.push_back(rows[i].seq);
    }
    const Tensor F = model.forward(stack_rows(seq), stack_side(batch));  // (b, T, d)
    const std::int64_t b = F.size(0), T = F.size(1);
    std::vector<std::int64_t> flat(static_cast<std::size_t>(b));
    for (std::int64_t i = 0; i < b; ++i) flat[i] = i * T + batch[i]->last;
    parts.push_back(index_select(reshape(F, {b * T, F.size(2)}), 0, Tensor::from_vector(flat, {b})));
  }
  model.train();
  return concat(parts, 0);
}

double optimizer_step(const Tensor& loss, nn::Optimizer& opt) {
  const double value = loss.item();
  if (!std::isfinite(value))
    throw std::runtime_error("training loss is " + std::to_string(value) + ": stopping before the optimizer step");
  opt.zero_grad();
  loss.backward();
  opt.step();
  return value;
}

}  // namespace recgrad::models
