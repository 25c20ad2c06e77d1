#include "training/data_parallel.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#ifdef RECGRAD_MPI
#include <mpi.h>
#endif

namespace recgrad::training::dp {

namespace {
World g_world;
bool g_started = false;  // init() started MPI (and finalize() must end it)
std::size_t g_last_bytes = 0;

#ifdef RECGRAD_MPI
// Sums `n` floats over the ranks, in place.
void sum_floats(float* data, std::size_t n) {
  for (std::size_t at = 0; at < n; at += kBucketFloats) {
    const int count = static_cast<int>(std::min(kBucketFloats, n - at));
    MPI_Allreduce(MPI_IN_PLACE, data + at, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  }
}
#else
void sum_floats(float*, std::size_t) {}
#endif

}  // namespace

const World& world() { return g_world; }

// mpirun (Open MPI, or a PMI/PMIx launcher such as srun) says so in the environment of the processes it starts.
bool launched_by_mpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK");
}

void init(int& argc, char**& argv, bool quiet_others) {
#ifdef RECGRAD_MPI
  if (!launched_by_mpirun()) return;
  MPI_Init(&argc, &argv);
  g_started = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &g_world.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_world.size);
  if (quiet_others && !g_world.root()) (void)std::freopen("/dev/null", "w", stdout);  // rank 0 alone prints the run
#else
  (void)argc;
  (void)argv;
  (void)quiet_others;
  if (launched_by_mpirun() && std::getenv("OMPI_COMM_WORLD_SIZE") &&
      std::strcmp(std::getenv("OMPI_COMM_WORLD_SIZE"), "1"))
    std::fprintf(stderr,
                 "recgrad: warning: started by mpirun, but this build has no MPI (-DRECGRAD_MPI=ON): every "
                 "process trains alone\n");
#endif
}

void finalize() {
#ifdef RECGRAD_MPI
  if (g_started) MPI_Finalize();
#endif
  g_started = false;
}

void abort_all(int code) {
#ifdef RECGRAD_MPI
  if (g_started && g_world.active()) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  (void)code;
}

AsOneProcess::AsOneProcess() : saved_(g_world) { g_world = World{}; }
AsOneProcess::~AsOneProcess() { g_world = saved_; }

std::pair<std::size_t, std::size_t> shard(std::size_t n) {
  const auto size = static_cast<std::size_t>(g_world.size), rank = static_cast<std::size_t>(g_world.rank);
  const std::size_t base = n / size, extra = n % size;
  const std::size_t begin = rank * base + std::min(rank, extra);
  return {begin, begin + base + (rank < extra ? 1 : 0)};
}

RowShardGuard::RowShardGuard(Generator& gen, std::size_t begin, std::size_t rows, std::size_t total)
    : gen_(gen), saved_(gen.row_shard()) {
  gen_.set_row_shard({begin, rows, total});
}

RowShardGuard::~RowShardGuard() { gen_.set_row_shard(saved_); }

double allreduce_gradients(const std::vector<Tensor>& params, double local_loss, double share) {
  // [share·∂L/∂p for every parameter (zeros where undefined) | share·L | 1 per parameter with a gradient],
  // in one buffer kept from step to step (its size is fixed by the model)
  static std::vector<float> buf;
  std::size_t n = 0;
  for (const auto& p : params) n += static_cast<std::size_t>(p.numel());
  buf.assign(n + 1 + params.size(), 0.0f);
  std::size_t at = 0;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto numel = static_cast<std::size_t>(params[i].numel());
    if (params[i].grad().defined()) {
      const Tensor g = params[i].grad().contiguous();
      const float* gp = g.data<float>();
      for (std::size_t j = 0; j < numel; ++j) buf[at + j] = static_cast<float>(share * gp[j]);
      buf[n + 1 + i] = 1.0f;
    }
    at += numel;
  }
  buf[n] = static_cast<float>(share * local_loss);
  sum_floats(buf.data(), buf.size());
  if (g_last_bytes == 0 && g_world.root())  // once: what every step sends
    std::printf("data parallel: %d processes sum %.2f MB of gradients per step (%zu buckets of at most %.0f MB)\n",
                g_world.size, static_cast<double>(buf.size() * sizeof(float)) / 1e6,
                (buf.size() + kBucketFloats - 1) / kBucketFloats, static_cast<double>(kBucketFloats * 4) / 1e6);
  g_last_bytes = buf.size() * sizeof(float);
  at = 0;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto numel = static_cast<std::size_t>(params[i].numel());
    if (buf[n + 1 + i] > 0) {  // the sum goes back into the gradient (a new one where this rank had none)
      Tensor p = params[i];
      Tensor& g = p.mutable_grad();
      if (!g.defined() || !g.is_contiguous()) g = Tensor::empty(p.shape(), DType::f32);
      std::copy(buf.begin() + static_cast<std::ptrdiff_t>(at), buf.begin() + static_cast<std::ptrdiff_t>(at + numel),
                g.data<float>());
    }
    at += numel;
  }
  return buf[n];
}

std::size_t last_allreduce_bytes() { return g_last_bytes; }

bool any(bool flag) {
#ifdef RECGRAD_MPI
  if (g_started && g_world.active()) {
    int v = flag ? 1 : 0;
    MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
    return v != 0;
  }
#endif
  return flag;
}

std::uint64_t max(std::uint64_t value) {
#ifdef RECGRAD_MPI
  if (g_started && g_world.active()) {
    unsigned long long v = value;
    MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
    return v;
  }
#endif
  return value;
}

}  // namespace recgrad::training::dp
