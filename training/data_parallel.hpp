// recgrad/training/data_parallel.hpp — data-parallel training over MPI (`mpirun -np N recgrad train …`).
//
// Every rank holds the whole model and reads the whole data. Each global batch — the batch a single process
// would take, in the same sample order — is cut into N contiguous row ranges; a rank runs forward and backward
// on its rows only, the gradients are summed over the ranks with MPI_Allreduce (in buckets, not one call per
// tensor), and every rank takes the same optimizer step, so the parameters stay equal everywhere.
//
// What makes the result independent of N:
//   * the loss: each rank's mean over its own loss terms is weighted by its share of the batch's terms
//     (share = n_rank / n_batch), so the summed gradient is the gradient of the whole batch's mean;
//   * dropout: the generator hands a rank the counters of its rows inside the whole batch's draw
//     (Generator::RowShard), so each sample gets the mask a single process gives it;
//   * negatives: drawn by counter for the whole batch, each rank reading its rows' part.
// Only the order of float additions differs (a rank sums its rows, then MPI sums the ranks).
//
// Rank 0 alone validates, tests, prints and writes (checkpoints, metrics); the others send their output to
// /dev/null. A rank that fails aborts the job (MPI_Abort), so the others never wait on it forever.
// Built without MPI (-DRECGRAD_MPI=OFF, the default), the world is one process and nothing here costs anything.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "autograd/generator.hpp"
#include "autograd/tensor.hpp"

namespace recgrad::training::dp {

struct World {
  int rank = 0, size = 1;
  bool active() const { return size > 1; }
  bool root() const { return rank == 0; }
};

// This process's place: MPI_COMM_WORLD once init() ran under mpirun, else {0, 1}.
const World& world();

// True when mpirun (Open MPI, or a PMI launcher such as srun) started this process.
bool launched_by_mpirun();

// Starts MPI when the process was launched by mpirun (its environment says so) and, with quiet_others, sends
// the output of ranks other than 0 to /dev/null. Without MPI, or run directly, it does nothing.
void init(int& argc, char**& argv, bool quiet_others = true);
// MPI_Finalize, when init started MPI.
void finalize();
// Ends every rank at once (MPI_Abort) after a rank's error; a no-op in a single process.
void abort_all(int code);

// Tests: while it lives, this process computes as if it were alone (the reference a parallel run must equal).
class AsOneProcess {
 public:
  AsOneProcess();
  ~AsOneProcess();
  AsOneProcess(const AsOneProcess&) = delete;
  AsOneProcess& operator=(const AsOneProcess&) = delete;

 private:
  World saved_;
};

// The rows [begin, end) of a global batch of n rows that this rank computes: contiguous, in rank order,
// sizes differing by at most one.
std::pair<std::size_t, std::size_t> shard(std::size_t n);

// While it lives, `gen`'s batch-major draws are this rank's rows' part of the whole batch's draw.
class RowShardGuard {
 public:
  RowShardGuard(Generator& gen, std::size_t begin, std::size_t rows, std::size_t total);
  ~RowShardGuard();
  RowShardGuard(const RowShardGuard&) = delete;
  RowShardGuard& operator=(const RowShardGuard&) = delete;

 private:
  Generator& gen_;
  Generator::RowShard saved_;
};

// Σ over ranks of share·(loss, ∂loss/∂p) for every parameter, in place, in buckets of about kBucketFloats floats.
// A parameter whose gradient no rank defined stays without one. Returns the summed loss (the batch's mean).
inline constexpr std::size_t kBucketFloats = std::size_t{1} << 20;  // 4 MB
double allreduce_gradients(const std::vector<Tensor>& params, double local_loss, double share);

// The bytes the last allreduce_gradients sent per rank (for docs/PERFORMANCE.md's figure).
std::size_t last_allreduce_bytes();

// True on every rank when it is true on any (a stop request, a time budget spent).
bool any(bool flag);
// The largest value over the ranks (a generator counter that a rank with no rows did not advance).
std::uint64_t max(std::uint64_t value);

}  // namespace recgrad::training::dp
