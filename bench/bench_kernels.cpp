// recgrad kernel benchmarks. GFLOP/s (matmul) and GB/s (softmax, layer_norm), with the FMA peak
// measured in the same run so every figure reads as a fraction of peak.
//   build/recgrad_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// Threads follow OMP_NUM_THREADS; pin with taskset for stable figures.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdio>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "autograd/autograd.hpp"
#include "autograd/kernels/gemm.hpp"
#include "autograd/kernels/matmul_precision.hpp"
#include "autograd/kernels/gemm_bf16.hpp"
#include "autograd/kernels/kernel_path.hpp"
#include "bench/peak.hpp"

namespace recgrad::bench {
#ifdef RECGRAD_HAVE_OPENBLAS
void openblas_sgemm(int M, int N, int K, const float* A, const float* B, float* C);
void openblas_threads(int n);
#endif

namespace {

// C (M×N) = A (M×K) · B (K×N), batched `batch` times: recgrad's fast GEMM.
void BM_matmul(benchmark::State& state) {
  const std::int64_t batch = state.range(0), M = state.range(1), N = state.range(2), K = state.range(3);
  Generator gen(0);
  Tensor a = Tensor::randn({batch, M, K}, gen), b = Tensor::randn({batch, K, N}, gen);
  NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(matmul(a, b).data<float>());
  state.counters["GFLOP"] =
      benchmark::Counter(2.0 * batch * M * N * K * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}

// The same with bfloat16 products and float32 sums (kernels/gemm_bf16.hpp), where the CPU has AVX512-BF16.
void BM_matmul_bf16(benchmark::State& state) {
  if (!kernels::gemm_bf16_available()) return state.SkipWithError("no AVX512-BF16");
  kernels::set_matmul_precision(kernels::MatmulPrecision::bf16);
  BM_matmul(state);
  kernels::set_matmul_precision(kernels::MatmulPrecision::float32);
}

#ifdef RECGRAD_HAVE_OPENBLAS
void BM_openblas_sgemm(benchmark::State& state) {
  const std::int64_t batch = state.range(0), M = state.range(1), N = state.range(2), K = state.range(3);
  openblas_threads(omp_get_max_threads());
  Generator gen(0);
  Tensor a = Tensor::randn({batch, M, K}, gen), b = Tensor::randn({batch, K, N}, gen);
  Tensor c = Tensor::empty({batch, M, N});
  for (auto _ : state)
    for (std::int64_t i = 0; i < batch; ++i)
      openblas_sgemm(M, N, K, a.data<float>() + i * M * K, b.data<float>() + i * K * N, c.data<float>() + i * M * N);
  state.counters["GFLOP"] =
      benchmark::Counter(2.0 * batch * M * N * K * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}
#endif

// The shapes: 512³; fused projections over 128·200 tokens (25600×50×50); one attention score block per
// sequence (128 × 200×200×50); the item-logit head (256×3706×50) and its gradient (256×50×3706); TIGER's
// longest Beauty batch (256 × 81 tokens, d 128, 6 × 64 heads, d_ff 1024): Q/K/V projection, FFN in and out, and
// the weight gradient of the FFN's first layer (K = the tokens).
void matmul_shapes(benchmark::internal::Benchmark* b) {
  b->Args({1, 512, 512, 512});
  b->Args({1, 25600, 50, 50});
  b->Args({128, 200, 200, 50});
  b->Args({128, 200, 50, 200});
  b->Args({1, 256, 3706, 50});
  b->Args({1, 256, 50, 3706});
  b->Args({1, 20736, 384, 128});
  b->Args({1, 20736, 1024, 128});
  b->Args({1, 20736, 128, 1024});
  b->Args({1, 128, 1024, 20736});
  b->ArgNames({"batch", "M", "N", "K"});
  b->Unit(benchmark::kMillisecond);
  b->UseRealTime();
}
BENCHMARK(BM_matmul)->Apply(matmul_shapes);
BENCHMARK(BM_matmul_bf16)->Apply(matmul_shapes);
#ifdef RECGRAD_HAVE_OPENBLAS
BENCHMARK(BM_openblas_sgemm)->Apply(matmul_shapes);
#endif

// Bytes moved: read x, write y (forward only).
void BM_softmax(benchmark::State& state) {
  const Shape shape{state.range(0), state.range(1), state.range(2)};
  Generator gen(0);
  Tensor x = Tensor::randn(shape, gen);
  NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(softmax(x, -1).data<float>());
  state.counters["GB"] = benchmark::Counter(8.0 * x.numel() * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_softmax)->Args({128, 200, 200})->Args({1, 25600, 50})->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_layer_norm(benchmark::State& state) {
  const Shape shape{state.range(0), state.range(1), state.range(2)};
  Generator gen(0);
  Tensor x = Tensor::randn(shape, gen), gamma = Tensor::ones({shape[2]}), beta = Tensor::zeros({shape[2]});
  NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(layer_norm(x, gamma, beta).data<float>());
  state.counters["GB"] = benchmark::Counter(8.0 * x.numel() * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_layer_norm)->Args({128, 200, 200})->Args({1, 25600, 50})->Unit(benchmark::kMillisecond)->UseRealTime();

// Fused causal attention, forward + backward, at the paper's shapes (B, H, T, dh); dropout 0.2.
// FLOP counted as the full (non-causal) 4 + 8 matmuls of T × T × dh per head, as PyTorch would run them.
void BM_causal_attention(benchmark::State& state) {
  const std::int64_t B = state.range(0), H = state.range(1), T = state.range(2), dh = state.range(3);
  Generator gen(0);
  Tensor q = Tensor::randn({B, H, T, dh}, gen).requires_grad_(), k = Tensor::randn({B, H, T, dh}, gen).requires_grad_(),
         v = Tensor::randn({B, H, T, dh}, gen).requires_grad_();
  const Tensor g = Tensor::randn({B, H, T, dh}, gen);
  for (auto _ : state) {
    Generator drop(1);
    causal_attention(q, k, v, Tensor(), 0.2, true, drop).backward(g);
  }
  state.counters["GFLOP"] =
      benchmark::Counter(2.0 * 6 * B * H * T * T * dh * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}
// TIGER's multi-head attention on (B, T, H·d) operands, forward + backward, dropout 0.1: the encoder's
// bidirectional self-attention (Tq = Tk = T) and the decoder's cross-attention (Tq = 4 queries, Tk = T keys).
void BM_tiger_attention(benchmark::State& state) {
  const std::int64_t B = 256, H = 6, dh = 64, Tk = state.range(0), Tq = state.range(1);
  Generator gen(0);
  Tensor q = Tensor::randn({B, Tq, H * dh}, gen).requires_grad_(),
         k = Tensor::randn({B, Tk, H * dh}, gen).requires_grad_(),
         v = Tensor::randn({B, Tk, H * dh}, gen).requires_grad_();
  const Tensor g = Tensor::randn({B, Tq, H * dh}, gen);
  for (auto _ : state) {
    Generator drop(1);
    attention(q, k, v, H, Tensor(), Tensor(), false, 0.1, true, drop).backward(g);
  }
  state.counters["GFLOP"] =
      benchmark::Counter(2.0 * 6 * B * H * Tq * Tk * dh * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_tiger_attention)
    ->ArgNames({"Tk", "Tq"})
    ->Args({29, 29})
    ->Args({81, 81})
    ->Args({29, 4})
    ->Args({81, 4})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK(BM_causal_attention)
    ->Args({128, 1, 200, 50})
    ->Args({128, 2, 200, 25})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The sampled-softmax head's gather-dot: (N, d) rows against k negatives each, forward + backward.
// GB counts the gathered table rows (read forward, read + written backward) and h.
void BM_embedding_dot(benchmark::State& state) {
  const std::int64_t N = state.range(0), K = state.range(1), D = state.range(2), V = 3953;
  Generator gen(0);
  Tensor h = Tensor::randn({N, D}, gen).requires_grad_(), w = Tensor::randn({V, D}, gen).requires_grad_();
  std::vector<std::int64_t> ids(static_cast<std::size_t>(N * K));
  for (auto& i : ids) i = gen.next_int(V);
  const Tensor idx = Tensor::from_vector(ids, {N, K});
  const Tensor g = Tensor::randn({N, K}, gen);
  for (auto _ : state) embedding_dot(h, w, idx).backward(g);
  state.counters["GB"] =
      benchmark::Counter(4.0 * N * K * D * 4 * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_embedding_dot)->Args({25600, 128, 50})->Unit(benchmark::kMillisecond)->UseRealTime();

// Embedding gather (forward) and scatter-add (backward) of a (128, 200) batch from the (3953, 50) table.
void BM_embedding(benchmark::State& state) {
  const std::int64_t B = state.range(0), T = state.range(1), D = state.range(2), V = 3953;
  Generator gen(0);
  Tensor w = Tensor::randn({V, D}, gen).requires_grad_();
  std::vector<std::int64_t> ids(static_cast<std::size_t>(B * T));
  for (auto& i : ids) i = gen.next_int(V);
  const Tensor idx = Tensor::from_vector(ids, {B, T});
  const Tensor g = Tensor::randn({B, T, D}, gen);
  for (auto _ : state) embedding(w, idx).backward(g);
  state.counters["GB"] =
      benchmark::Counter(4.0 * B * T * D * 3 * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_embedding)->Args({128, 200, 50})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace recgrad::bench

int main(int argc, char** argv) {
  recgrad::ensure_thread_binding(argv);
  recgrad::set_num_threads(0);  // OMP_NUM_THREADS or all CPUs, pinned
  const double peak = recgrad::bench::measure_fma_peak_gflops();
  std::printf("measured FP32 FMA peak: %.1f GFLOP/s per core (xsimd width %zu); threads: %d\n", peak,
              xsimd::batch<float>::size, omp_get_max_threads());
  std::printf("peak for this run's threads: %.1f GFLOP/s\n", peak * omp_get_max_threads());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
