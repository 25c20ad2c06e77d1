// recgrad/tests/test_mpi.cpp — data parallelism over MPI (training/data_parallel.hpp), run by ctest as
// `mpirun -np 2 recgrad_mpi_tests` (label mpi, built with -DRECGRAD_MPI=ON). Every rank first trains alone on the
// whole batches (dp::AsOneProcess: the single-process reference), then in parallel on its part of each batch; the
// parameters must agree within 1e-5 relative: the same samples, negatives and dropout masks, only the order of
// float additions differs. Batches of 15 over 40 users give unequal parts (8 + 7) and a short last batch.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "nn/checkpoint.hpp"
#include "tests/tiny_run.hpp"
#include "training/data_parallel.hpp"
#include "training/semantic_id_cache.hpp"
#include "training/sequential_task.hpp"
#include "training/tiger_task.hpp"

namespace recgrad {
namespace {

namespace dp = training::dp;

// Every step of `epochs` epochs, no validation. -> the trained parameters, copied
nn::NamedTensors train_steps(training::Task& task, int epochs) {
  for (int e = 1; e <= epochs; ++e)
    for (std::size_t b = 0, n = task.begin_epoch(e); b < n; ++b) task.step(b);
  nn::NamedTensors out;
  for (const auto& [name, p] : task.model().named_parameters()) out.emplace_back(name, p.detach().clone());
  return out;
}

// Softmax attention's key bias moves every score of a query row by the same q·b_K, which softmax removes: its
// gradient is zero up to rounding, and Adam turns rounding of either sign into full steps. Its values are noise in
// any two runs that add in another order (one process on 1 and on 2 threads too), so it is not compared.
bool rounding_only(const std::string& name) {
  const std::string key_bias = "attn.W_K.bias";
  return name.size() >= key_bias.size() && name.compare(name.size() - key_bias.size(), key_bias.size(), key_bias) == 0;
}

// max |a − b| / max |a| over each tensor, the worst tensor's
double worst_relative_difference(const nn::NamedTensors& a, const nn::NamedTensors& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (rounding_only(a[i].first)) continue;
    const auto x = a[i].second.to_vector<float>(), y = b[i].second.to_vector<float>();
    double diff = 0, scale = 1e-12;
    for (std::size_t j = 0; j < x.size(); ++j) {
      diff = std::max(diff, static_cast<double>(std::abs(x[j] - y[j])));
      scale = std::max(scale, static_cast<double>(std::abs(x[j])));
    }
    if (diff / scale > 1e-5) ADD_FAILURE() << a[i].first << ": max |difference| " << diff << " of max " << scale;
    worst = std::max(worst, diff / scale);
  }
  return worst;
}

training::TrainConfig small_batches(training::TrainConfig c) {
  c.train.batch_size = 15;
  return c;
}

// The reference alone, then the parallel run, from the same seed; their parameters compared.
void expect_parallel_equals_one_process(const training::TrainConfig& c, int epochs) {
  ASSERT_EQ(dp::world().size, 2) << "run under mpirun -np 2";
  const auto dir = test::tiny_data("_mpi_rank" + std::to_string(dp::world().rank), 40, 3);  // a negative for everyone
  const training::SequentialData data = training::load_sequential_data(c, dir, 42);
  nn::NamedTensors alone;
  {
    dp::AsOneProcess one;
    training::SequentialTask task(c, data, 42);
    alone = train_steps(task, epochs);
  }
  training::SequentialTask task(c, data, 42);
  const nn::NamedTensors parallel = train_steps(task, epochs);
  const double worst = worst_relative_difference(alone, parallel);
  std::printf("rank %d: worst relative difference of the parameters %.3g\n", dp::world().rank, worst);
  EXPECT_LT(worst, 1e-5);
  EXPECT_GT(dp::last_allreduce_bytes(), 0u);
  std::filesystem::remove_all(dir);
}

TEST(DataParallel, SasrecSampledSoftmaxWithDropoutEqualsOneProcess) {
  expect_parallel_equals_one_process(small_batches(test::tiny_config()), 2);
}

TEST(DataParallel, SasrecBceEqualsOneProcess) {
  auto c = small_batches(test::tiny_config());
  c.train.loss = training::Loss::bce;
  expect_parallel_equals_one_process(c, 2);
}

TEST(DataParallel, HstuEqualsOneProcess) {
  auto c = small_batches(test::tiny_hstu_config());
  expect_parallel_equals_one_process(c, 2);
}

TEST(DataParallel, TigerEqualsOneProcess) {
  const auto dir = test::tiny_data("_mpi_tiger_rank" + std::to_string(dp::world().rank));
  auto c = test::tiny_tiger(dir);
  c.train.batch_size = 15;
  c.tiger.dropout = 0.1;
  const training::TigerData data = training::load_tiger_data(c, dir, 42);
  const auto sid = training::build_semantic_ids(c, data, 42, dir / "cache", false);
  nn::NamedTensors alone;
  {
    dp::AsOneProcess one;
    training::TigerTask task(c, data, sid.table, 42, false);
    alone = train_steps(task, 2);
  }
  training::TigerTask task(c, data, sid.table, 42, false);
  const double worst = worst_relative_difference(alone, train_steps(task, 2));
  std::printf("rank %d: worst relative difference of the parameters %.3g\n", dp::world().rank, worst);
  EXPECT_LT(worst, 1e-5);
  std::filesystem::remove_all(dir);
}

// Each rank computes its own rows: contiguous, in rank order, sizes differing by at most one, covering the batch.
TEST(DataParallel, ShardsCoverTheBatchInRankOrder) {
  for (std::size_t n : {1u, 2u, 7u, 128u}) {
    const auto [begin, end] = dp::shard(n);
    const std::size_t rank = static_cast<std::size_t>(dp::world().rank);
    EXPECT_EQ(begin, rank == 0 ? 0 : n / 2 + n % 2) << n;
    EXPECT_EQ(end, rank == 0 ? n / 2 + n % 2 : n) << n;
  }
}

}  // namespace
}  // namespace recgrad

int main(int argc, char** argv) {
  recgrad::training::dp::init(argc, argv, false);  // both ranks report their tests
  ::testing::InitGoogleTest(&argc, argv);
  const int rc = RUN_ALL_TESTS();
  recgrad::training::dp::finalize();
  return rc;
}
