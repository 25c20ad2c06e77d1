// recgrad/models/batching.hpp — small pieces every sequential-model training loop shares.
#pragma once
#include <vector>

#include "datasets/event_stream.hpp"
#include "models/sequence_model.hpp"

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

}  // namespace recgrad::models
