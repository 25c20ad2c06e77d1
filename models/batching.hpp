// recgrad/models/batching.hpp — small pieces every sequential-model training loop shares.
#pragma once
#include <vector>

#include "datasets/event_stream.hpp"
#include "models/sequence_model.hpp"
#include "nn/checkpoint.hpp"
#include "nn/optim.hpp"

namespace recgrad::models {

// rows: B rows of T ids -> (B, T) int64
Tensor stack_rows(const std::vector<std::vector<std::int64_t>>& rows);

// F at the last position of each left-padded row (or at index[u] of row u when given: right padding), in
// inference mode: (U, d). Rows are batched by length and each batch is cut to its longest row, which needs
// the model to count positions from the row's start under right padding (config.positions_from_start).
Tensor last_position_vectors(SequenceModel& model, const std::vector<std::vector<std::int64_t>>& padded_rows,
                             const std::vector<std::int64_t>& index = {});

// The side inputs (key and query times, actions) of B stream rows: each (B, T) int64.
SideInputs stack_side(const std::vector<const datasets::StreamRow*>& rows);

// F at each stream row's last real slot, in inference mode, batched: (U, d). Left-padded streams are
// read at slot T − 1 and not cut (their attribute tokens are not counted in a length here).
Tensor stream_vectors(SequenceModel& model, const std::vector<datasets::StreamRow>& rows, bool pad_right);

// What a last.safetensors holds to resume exactly: the parameters, then Adam's moments as "optim.m.<i>", "optim.v.<i>".
nn::NamedTensors checkpoint_tensors(const nn::Module& model, const nn::Adam& adam);

// zero_grad, backward, step; returns the loss value. A NaN or Inf loss, or a NaN or Inf in any gradient,
// throws before the step touches a parameter, naming the op that computed the loss or the parameter
// (its name from `named`, the model's named_parameters()).
double optimizer_step(const Tensor& loss, nn::Optimizer& opt,
                      const std::vector<std::pair<std::string, Tensor>>& named = {});

}  // namespace recgrad::models
