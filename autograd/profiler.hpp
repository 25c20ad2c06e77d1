// recgrad/autograd/profiler.hpp — where a training step's time goes, op by op.
//
// Off by default (one branch per op). Turn it on with RECGRAD_PROFILE=1 in the environment (the table
// is printed to stderr when the program exits) or with profiler::enable() / profiler::report().
//
//   forward   the wall time from the previous recorded op to this one: the op's own work plus any
//             unrecorded work in between (building index tensors, reshapes that do not record). An
//             approximation, named as one in the table.
//   backward  the wall time of the op's backward rule, measured exactly, plus adding its gradients
//             into the inputs' slots.
// Ops run without grad mode (evaluation) are not recorded, so they are not counted.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace recgrad::profiler {

struct Row {
  std::string op;
  std::int64_t forward_calls = 0, backward_calls = 0;
  double forward_ms = 0, backward_ms = 0;
};

bool enabled();
void enable(bool on = true);
void reset();
std::vector<Row> rows();                   // sorted by forward + backward time, largest first
std::string report(std::size_t top = 25);  // the table, with each row's share of the total

// Called by the engine.
void forward_op(const char* op);
void backward_op(const std::string& op, double ms);

}  // namespace recgrad::profiler
