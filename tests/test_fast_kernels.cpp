// Fast kernels (xsimd, OpenMP) against the reference kernels (xtensor, plain loops), float32, on awkward
// sizes (1, 7, 50, 63, 65, 200, 3707) and non-contiguous inputs; forward values and gradients.
#include <gtest/gtest.h>
#include <omp.h>

#include <array>
#include <cmath>

#include "autograd/allocator.hpp"
#include "autograd/autograd.hpp"
#include "autograd/kernels/gemm.hpp"
#include "autograd/kernels/matmul_precision.hpp"
#include "autograd/kernels/gemm_bf16.hpp"
#include "autograd/kernels/kernel_path.hpp"

namespace recgrad {
namespace {

using In = std::vector<Tensor>;
using Fn = std::function<Tensor(const In&)>;
const std::vector<std::int64_t> kSizes{1, 7, 50, 63, 65, 200, 3707};

struct Result {
  std::vector<std::vector<float>> tensors;  // output, then each input's gradient
};

// Every block allocated while it lives is filled with NaN. Without it the fast run could be handed the
// block the reference run just freed, the right answer still in it, and a kernel that skips part of its
// output would pass (a dropped GEMM row block did, before this guard).
struct PoisonGuard {
  bool before = allocator::set_poison(true);
  ~PoisonGuard() { allocator::set_poison(before); }
};

Result run_on_path(kernels::Path path, const Fn& f, const In& inputs) {
  kernels::PathGuard guard(path);
  PoisonGuard poison;
  In xs;
  for (const auto& x : inputs) {
    Tensor c = x.detach();  // same storage and geometry: a non-contiguous input stays non-contiguous
    if (is_floating(x.dtype())) c.requires_grad_(true);
    xs.push_back(c);
  }
  Tensor y = f(xs);
  Generator gw(7);
  y.backward(Tensor::uniform(y.shape(), -1, 1, gw, y.dtype()));
  Result r{{y.to_vector<float>()}};
  for (auto& x : xs)
    if (x.requires_grad()) r.tensors.push_back(x.grad().to_vector<float>());
  return r;
}

// Expects both paths to agree within rtol relative to the largest magnitude of each tensor.
void expect_paths_agree(const Fn& f, const In& inputs, double rtol, const std::string& what) {
  const Result ref = run_on_path(kernels::Path::reference, f, inputs);
  const Result fast = run_on_path(kernels::Path::fast, f, inputs);
  ASSERT_EQ(ref.tensors.size(), fast.tensors.size()) << what;
  for (std::size_t k = 0; k < ref.tensors.size(); ++k) {
    const auto& a = ref.tensors[k];
    const auto& b = fast.tensors[k];
    ASSERT_EQ(a.size(), b.size()) << what;
    double scale = 1e-6, worst = 0;
    for (float v : a) scale = std::max(scale, static_cast<double>(std::abs(v)));
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (std::isnan(a[i]) != std::isnan(b[i])) {
        worst = INFINITY;
        break;
      }
      if (!std::isnan(a[i])) worst = std::max(worst, std::abs(static_cast<double>(a[i]) - b[i]));
    }
    EXPECT_LE(worst, rtol * scale) << what << (k == 0 ? ": output" : ": gradient " + std::to_string(k - 1));
  }
}

Tensor rand_f32(const Shape& s, Generator& g, double lo = -2, double hi = 2) { return Tensor::uniform(s, lo, hi, g); }
Tensor rand_noncontig(const Shape& s, Generator& g) {  // transpose of the swapped shape
  return transpose(rand_f32({s[1], s[0]}, g), 0, 1).detach();
}

// The bfloat16 GEMM against float64 sums of the same bfloat16-rounded operands: awkward M, N and odd K (a pair
// with a zero), transposed A and B read in place, ragged tiles, more than one K slice, and the split-K shape of a
// weight gradient (small M and N, long K). Only the order of the float32 sums may differ.
TEST(FastKernels, GemmBf16MatchesItsRoundedOperands) {
  if (!kernels::gemm_bf16_available()) GTEST_SKIP() << "no AVX512-BF16 in this build";
  Generator g(31);
  const std::vector<std::array<std::int64_t, 3>> shapes = {{1, 1, 1},    {7, 33, 5},      {13, 70, 257}, {130, 31, 64},
                                                           {6, 32, 513}, {128, 96, 2100}, {250, 300, 40}};
  for (const auto& [M, N, K] : shapes)
    for (int layout = 0; layout < 3; ++layout) {  // plain, A transposed, B transposed
      const Tensor a = layout == 1 ? transpose(rand_f32({K, M}, g), 0, 1) : rand_f32({M, K}, g);
      const Tensor b = layout == 2 ? transpose(rand_f32({N, K}, g), 0, 1) : rand_f32({K, N}, g);
      std::vector<float> c(static_cast<std::size_t>(M * N), -1.0f);
      const float *pa = a.data<float>(), *pb = b.data<float>();
      const auto sa = a.strides(), sb = b.strides();
      kernels::gemm_bf16(M, N, K, pa, sa[0], sa[1], pb, sb[0], sb[1], c.data(), N);
      double worst = 0;
      for (std::int64_t i = 0; i < M; ++i)
        for (std::int64_t j = 0; j < N; ++j) {
          double ref = 0, mag = 0;
          for (std::int64_t p = 0; p < K; ++p) {
            const double x = kernels::from_bf16(kernels::to_bf16(pa[i * sa[0] + p * sa[1]])) *
                             kernels::from_bf16(kernels::to_bf16(pb[p * sb[0] + j * sb[1]]));
            ref += x, mag += std::abs(x);
          }
          worst = std::max(worst, std::abs(c[static_cast<std::size_t>(i * N + j)] - ref) / (mag + 1e-30));
        }
      EXPECT_LE(worst, 1e-5) << M << "x" << N << "x" << K << " layout " << layout;
    }
}

// matmul in bf16 precision: the forward and both gradients are the bf16 GEMM's, so they stay within bfloat16
// rounding of float32 (not equal to it), and the setting is restored.
TEST(FastKernels, MatmulInBf16Precision) {
  if (!kernels::gemm_bf16_available()) GTEST_SKIP() << "no AVX512-BF16 in this build";
  Generator g(32);
  const Tensor a0 = rand_f32({3, 37, 64}, g), b0 = rand_f32({64, 45}, g), grad = rand_f32({3, 37, 45}, g);
  auto run = [&](kernels::MatmulPrecision p) {
    kernels::set_matmul_precision(p);
    const Tensor a = a0.detach().requires_grad_(true), b = b0.detach().requires_grad_(true);
    matmul(a, b).backward(grad);
    std::vector<std::vector<double>> out = {matmul(a, b).to_vector<double>(), a.grad().to_vector<double>(),
                                            b.grad().to_vector<double>()};
    kernels::set_matmul_precision(kernels::MatmulPrecision::float32);
    return out;
  };
  const auto f32 = run(kernels::MatmulPrecision::float32), bf = run(kernels::MatmulPrecision::bf16);
  for (std::size_t k = 0; k < f32.size(); ++k) {
    double worst = 0, scale = 0;
    for (std::size_t i = 0; i < f32[k].size(); ++i)
      worst = std::max(worst, std::abs(f32[k][i] - bf[k][i])), scale = std::max(scale, std::abs(f32[k][i]));
    EXPECT_GT(worst, 0.0) << "tensor " << k << ": bf16 products should round";
    EXPECT_LT(worst, 2e-2 * scale) << "tensor " << k;
  }
  EXPECT_EQ(kernels::matmul_precision(), kernels::MatmulPrecision::float32);
}

// A GEMM opens its own team only at the top level. Inside a parallel region — also one whose if clause
// made it a team of one, as `parallel for if (…)` does — a team would be nested: fresh threads on every
// call, bound to the caller's core (2 threads on 1 CPU: a 2-thread SASRec step took 263 ms, not 150).
TEST(FastKernels, GemmNeverOpensANestedTeam) {
  const int before = omp_get_max_threads();
  omp_set_num_threads(2);
  EXPECT_EQ(kernels::gemm_threads(25600, 50, 50), 2);
  EXPECT_EQ(kernels::gemm_threads(10, 10, 10), 1);  // too small to share
  int in_inactive = 0, in_active = 0;
#pragma omp parallel if (false)
  in_inactive = kernels::gemm_threads(25600, 50, 50);
#pragma omp parallel num_threads(2)
  {
#pragma omp master
    in_active = kernels::gemm_threads(25600, 50, 50);
  }
  EXPECT_EQ(in_inactive, 1);
  EXPECT_EQ(in_active, 1);
  omp_set_num_threads(before);
}

TEST(FastKernels, MatmulShapes) {
  Generator g(1);
  auto mm = [](const In& x) { return matmul(x[0], x[1]); };
  for (auto s : kSizes) {
    const std::string tag = " size " + std::to_string(s);
    expect_paths_agree(mm, {rand_f32({s, 7}, g), rand_f32({7, 65}, g)}, 1e-5, "M" + tag);
    expect_paths_agree(mm, {rand_f32({7, 50}, g), rand_f32({50, s}, g)}, 1e-5, "N" + tag);
    expect_paths_agree(mm, {rand_f32({63, s}, g), rand_f32({s, 65}, g)}, 1e-5, "K" + tag);
  }
  expect_paths_agree(mm, {rand_f32({200, 50}, g), rand_noncontig({50, 200}, g)}, 1e-5, "B transposed");
  expect_paths_agree(mm, {rand_noncontig({65, 63}, g), rand_f32({63, 50}, g)}, 1e-5, "A transposed");
  expect_paths_agree(mm, {rand_f32({3, 65, 50}, g), rand_f32({3, 50, 63}, g)}, 1e-5, "batched");
  // The attention score shape, and a B whose rows are longer than N (a column slice).
  expect_paths_agree(mm, {rand_f32({2, 200, 50}, g), rand_f32({2, 50, 200}, g)}, 1e-5, "scores 200x200x50");
  expect_paths_agree(mm, {rand_f32({37, 50}, g), slice(rand_f32({50, 100}, g), 1, 3, 70).detach()}, 1e-5,
                     "B column slice, row stride 100");
  expect_paths_agree(mm, {rand_f32({2, 1, 7, 50}, g), rand_f32({3, 50, 65}, g)}, 1e-5, "broadcast batch");
  // A weight gradient Xᵀ G (small C, long K) takes the split-K path; on 2 and 3 threads.
  const int threads = omp_get_max_threads();
  for (int t : {2, 3}) {
    omp_set_num_threads(t);
    expect_paths_agree(mm, {rand_noncontig({50, 6001}, g), rand_f32({6001, 50}, g)}, 1e-4,
                       "split K on " + std::to_string(t) + " threads");
  }
  // Row blocks shared evenly among threads (M = 128 is 66 + 62 rows on 2 threads, not 120 + 8), packed A
  // (N > 8 panels) and A read in place, on 1, 2 and 3 threads.
  for (int t : {1, 2, 3}) {
    omp_set_num_threads(t);
    for (std::int64_t m : {121, 128, 133, 384}) {
      const std::string tag = " M " + std::to_string(m) + " on " + std::to_string(t) + " threads";
      expect_paths_agree(mm, {rand_noncontig({m, 700}, g), rand_f32({700, 300}, g)}, 1e-4,
                         "balanced rows, packed A" + tag);
      expect_paths_agree(mm, {rand_f32({m, 300}, g), rand_f32({300, 65}, g)}, 1e-4, "balanced rows, A in place" + tag);
    }
  }
  omp_set_num_threads(threads);
}

// A (B, T, K) × (K, N) product — a Linear layer on a batch of sequences — is computed as one
// (B·T, K) × (K, N) product: the same values as the product of each batch element on its own, and the
// matrix's gradient is the sum of the per-element gradients.
TEST(FastKernels, MatrixBroadcastOverBatchIsFoldedIntoRows) {
  Generator g(3);
  const Tensor x = rand_f32({5, 33, 70}, g), w = rand_f32({70, 40}, g).requires_grad_(true);
  const Tensor y = matmul(x, w);
  ASSERT_EQ(y.shape(), (Shape{5, 33, 40}));
  Generator gw(4);
  const Tensor gy = rand_f32({5, 33, 40}, gw);
  y.backward(gy);
  const std::vector<float> folded_grad = w.grad().to_vector<float>();
  std::vector<double> summed(folded_grad.size(), 0.0);
  for (std::int64_t b = 0; b < 5; ++b) {
    const Tensor wb = w.detach().requires_grad_(true);
    auto row = [b](const Tensor& t) { return reshape(slice(t, 0, b, b + 1), {t.size(1), t.size(2)}); };  // (T, ·)
    const Tensor yb = matmul(row(x), wb);
    EXPECT_EQ(yb.to_vector<float>(), row(y.detach()).to_vector<float>()) << "batch element " << b;
    yb.backward(row(gy));
    const std::vector<float> gb = wb.grad().to_vector<float>();
    for (std::size_t i = 0; i < gb.size(); ++i) summed[i] += gb[i];
  }
  double worst = 0, scale = 1e-6;
  for (std::size_t i = 0; i < summed.size(); ++i) {
    worst = std::max(worst, std::abs(summed[i] - folded_grad[i]));
    scale = std::max(scale, std::abs(summed[i]));
  }
  EXPECT_LE(worst, 1e-5 * scale);
}

TEST(FastKernels, UnaryOps) {
  Generator g(2);
  const std::vector<std::pair<std::string, Fn>> ops{
      {"neg", [](const In& x) { return neg(x[0]); }},
      {"exp", [](const In& x) { return exp(x[0]); }},
      {"log", [](const In& x) { return log(abs(x[0]) + 0.1); }},
      {"sqrt", [](const In& x) { return sqrt(abs(x[0]) + 0.1); }},
      {"rsqrt", [](const In& x) { return rsqrt(abs(x[0]) + 0.1); }},
      {"relu", [](const In& x) { return relu(x[0]); }},
      {"sigmoid", [](const In& x) { return sigmoid(x[0]); }},
      {"tanh", [](const In& x) { return tanh(x[0]); }},
      {"silu", [](const In& x) { return silu(x[0]); }},
      {"gelu", [](const In& x) { return gelu(x[0]); }},
      {"softplus", [](const In& x) { return softplus(x[0] * 20.0); }},
      {"pow", [](const In& x) { return pow(abs(x[0]) + 0.1, 1.5); }},
      {"div", [](const In& x) { return x[0] / 3.0; }},
  };
  for (const auto& [name, f] : ops) {
    for (auto s : kSizes) expect_paths_agree(f, {rand_f32({s}, g)}, 1e-5, name + " size " + std::to_string(s));
    expect_paths_agree(f, {rand_noncontig({63, 7}, g)}, 1e-5, name + " non-contiguous");
  }
}

TEST(FastKernels, BinaryOps) {
  Generator g(3);
  const std::vector<std::pair<std::string, Fn>> ops{
      {"add", [](const In& x) { return x[0] + x[1]; }},
      {"sub", [](const In& x) { return x[0] - x[1]; }},
      {"mul", [](const In& x) { return x[0] * x[1]; }},
      {"div", [](const In& x) { return x[0] / (abs(x[1]) + 0.5); }},
      {"maximum", [](const In& x) { return maximum(x[0], x[1]); }},
  };
  for (const auto& [name, f] : ops) {
    for (auto s : kSizes)
      expect_paths_agree(f, {rand_f32({s}, g), rand_f32({s}, g)}, 1e-5, name + " size " + std::to_string(s));
    expect_paths_agree(f, {rand_f32({65, 50}, g), rand_f32({50}, g)}, 1e-5, name + " row broadcast");
    expect_paths_agree(f, {rand_noncontig({7, 63}, g), rand_f32({7, 63}, g)}, 1e-5, name + " non-contiguous");
    expect_paths_agree(f, {rand_f32({3, 65, 50}, g), rand_f32({3, 65, 1}, g)}, 1e-5, name + " column broadcast");
    expect_paths_agree(f, {rand_f32({1, 50}, g), rand_f32({7, 65, 50}, g)}, 1e-5, name + " first operand broadcast");
    expect_paths_agree(f, {rand_f32({7, 1, 63}, g), rand_f32({1, 5, 63}, g)}, 1e-5, name + " both broadcast");
    expect_paths_agree(f, {rand_f32({1}, g), rand_f32({3, 7}, g)}, 1e-5, name + " scalar first");
    expect_paths_agree(f, {rand_f32({4, 3, 65}, g), rand_f32({4, 1, 65}, g)}, 1e-5, name + " middle broadcast");
    expect_paths_agree(f, {rand_noncontig({65, 7}, g), rand_f32({7}, g)}, 1e-5, name + " non-contiguous broadcast");
  }
}

// key_valid (4, T) for the attention tests: left padding (sequence 0), right padding (1), scattered
// holes (2) and nothing real at all (3), so the kernels' live windows start, end and vanish everywhere.
Tensor padding_patterns(std::int64_t B, std::int64_t T) {
  std::vector<float> valid(B * T, 1.0f);
  for (std::int64_t t = 0; t < T / 3; ++t) valid[t] = 0;
  for (std::int64_t t = T - T / 3; t < T; ++t) valid[T + t] = 0;
  for (std::int64_t t = 0; t < T; t += 4) valid[2 * T + t] = 0;
  for (std::int64_t t = 0; t < T; ++t) valid[3 * T + t] = 0;
  return Tensor::from_vector(valid, {B, T});
}

// Both attention ops on both paths: a padding position's output is 0, and what the padding positions
// hold (their Q, K, V) never reaches a real position's output.
TEST(FastKernels, AttentionIgnoresPaddingPositions) {
  const std::int64_t B = 4, H = 2, T = 53, dh = 4;
  const Tensor kv = padding_patterns(B, T);
  const auto valid = kv.to_vector<double>();
  const Tensor n = Tensor::from_vector(std::vector<float>{9, 9, 9, 9}, {B});
  for (auto path : {kernels::Path::fast, kernels::Path::reference})
    for (bool softmax : {true, false}) {
      kernels::PathGuard guard(path);
      PoisonGuard poison;  // a padding row the kernel never writes reads NaN, not an old zero
      Generator g(21);
      const Tensor Q = rand_f32({B, H, T, dh}, g), K = rand_f32({B, H, T, dh}, g), V = rand_f32({B, H, T, dh}, g);
      const Tensor rab = rand_f32({1, 1, T, T}, g);
      const Tensor row_mask = reshape(kv, {B, 1, T, 1});  // 1 at real positions
      auto run = [&](const Tensor& noise) {               // the padding positions get `noise` added to Q, K and V
        const Tensor pad = (1.0 - row_mask) * noise;
        Generator drop(1);
        return softmax ? causal_attention(Q + pad, K + pad, V + pad, kv, 0.0, false, drop)
                       : hstu_attention(Q + pad, K + pad, V + pad, rab, kv, n);
      };
      const auto a = run(rand_f32({B, H, T, dh}, g)).to_vector<double>();
      const auto b = run(rand_f32({B, H, T, dh}, g) * 100.0).to_vector<double>();
      const std::string what =
          std::string(softmax ? "softmax" : "hstu") + (path == kernels::Path::fast ? " fast" : " reference");
      for (std::int64_t i = 0; i < B * H * T * dh; ++i) {
        const bool real = valid[(i / (H * T * dh)) * T + (i / dh) % T] != 0;
        if (!real) {
          ASSERT_EQ(a[i], 0.0) << what << " element " << i;
        }
        ASSERT_EQ(a[i], b[i]) << what << " element " << i;
      }
    }
}

// The fused causal attention against its composition (matmul, mask, softmax, dropout, matmul), with
// padding keys (including rows that see no key at all), two heads, dropout on, and T around the block size.
TEST(FastKernels, CausalAttention) {
  Generator g(10);
  for (std::int64_t T : {1, 7, 48, 50, 97}) {
    const std::int64_t B = 4, H = 2, dh = 5;
    const Tensor kv = padding_patterns(B, T);
    for (double p : {0.0, 0.3}) {
      auto f = [&](const In& x) {
        Generator drop(5);
        return causal_attention(x[0], x[1], x[2], kv, p, /*training=*/true, drop);
      };
      expect_paths_agree(f, {rand_f32({B, H, T, dh}, g), rand_f32({B, H, T, dh}, g), rand_f32({B, H, T, dh}, g)}, 1e-5,
                         "T " + std::to_string(T) + " p " + std::to_string(p));
    }
  }
}

// The fused multi-head attention on (B, T, H·d) operands against its composition: bidirectional and causal
// self-attention with the padding patterns (a row with no real position included), and cross-attention from
// 4 all-real queries (TIGER's decoder) and from queries with their own padding, T around the block size.
TEST(FastKernels, MultiHeadAttention) {
  Generator g(12);
  for (std::int64_t T : {1, 7, 48, 50, 97}) {
    const std::int64_t B = 4, H = 3, dk = 5, dv = 7;
    const Tensor kv = padding_patterns(B, T);
    for (double p : {0.0, 0.3})
      for (int mode = 0; mode < 4; ++mode) {  // bidirectional, causal, cross, cross with padded queries
        const bool causal = mode == 1, cross = mode >= 2;
        const std::int64_t Tq = cross ? (mode == 2 ? 4 : 53) : T;
        const Tensor qv = mode == 3 ? padding_patterns(B, Tq) : (cross ? Tensor() : kv);
        auto f = [&](const In& x) {
          Generator drop(5);
          return attention(x[0], x[1], x[2], H, qv, kv, causal, p, /*training=*/true, drop);
        };
        expect_paths_agree(f, {rand_f32({B, Tq, H * dk}, g), rand_f32({B, T, H * dk}, g), rand_f32({B, T, H * dv}, g)},
                           1e-5,
                           "T " + std::to_string(T) + " p " + std::to_string(p) + " mode " + std::to_string(mode));
      }
  }
}

// HSTU's fused pointwise attention against its composition: padded keys, per-sequence normalisers,
// a per-sequence and a shared relative bias, T around the block size.
TEST(FastKernels, HstuAttention) {
  Generator g(11);
  for (std::int64_t T : {1, 7, 48, 50, 97}) {
    const std::int64_t B = 4, H = 2, dh = 5;
    const Tensor kv = padding_patterns(B, T);
    const Tensor n = Tensor::from_vector(std::vector<float>{211, 17, 3, 5}, {B});
    for (std::int64_t rb : {B, std::int64_t{1}}) {
      auto f = [&](const In& x) { return hstu_attention(x[0], x[1], x[2], x[3], kv, n); };
      expect_paths_agree(f,
                         {rand_f32({B, H, T, dh}, g), rand_f32({B, H, T, dh}, g), rand_f32({B, H, T, dh + 2}, g),
                          rand_f32({rb, 1, T, T}, g)},
                         1e-5, "T " + std::to_string(T) + " rab batch " + std::to_string(rb));
    }
  }
}

TEST(FastKernels, EmbeddingDot) {
  Generator g(9);
  // K = 13 and 37 cover the one-at-a-time tail and the batched reductions of the fast path (16 lanes).
  for (std::int64_t K : {13, 37})
    for (std::int64_t D : {1, 7, 50, 63, 65}) {
      std::vector<std::int64_t> v;
      for (std::int64_t i = 0; i < 9 * K; ++i) v.push_back((i * 7) % 11);  // repeats within and across rows
      const Tensor ids = Tensor::from_vector(v, {9, K});
      expect_paths_agree([&](const In& x) { return embedding_dot(x[0], x[1], ids); },
                         {rand_f32({9, D}, g), rand_f32({11, D}, g)}, 1e-5,
                         "K " + std::to_string(K) + " D " + std::to_string(D));
    }
  // Large enough for the parallel path (per-thread item tables summed at the end).
  std::vector<std::int64_t> v;
  for (int i = 0; i < 300 * 40; ++i) v.push_back((i * 13) % 97);
  const Tensor ids = Tensor::from_vector(v, {300, 40});
  expect_paths_agree([&](const In& x) { return embedding_dot(x[0], x[1], ids); },
                     {rand_f32({300, 50}, g), rand_f32({97, 50}, g)}, 1e-5, "parallel N 300 K 40 D 50");
}

TEST(FastKernels, SoftmaxAndLogSoftmax) {
  Generator g(4);
  for (auto s : kSizes) {
    expect_paths_agree([](const In& x) { return softmax(x[0], -1); }, {rand_f32({3, s}, g, -8, 8)}, 1e-5,
                       "softmax n=" + std::to_string(s));
    expect_paths_agree([](const In& x) { return log_softmax(x[0], -1); }, {rand_f32({3, s}, g, -8, 8)}, 1e-5,
                       "log_softmax n=" + std::to_string(s));
  }
  expect_paths_agree([](const In& x) { return softmax(x[0], -1); }, {rand_noncontig({50, 63}, g)}, 1e-5,
                     "softmax non-contiguous");
}

TEST(FastKernels, LayerNorm) {
  Generator g(5);
  for (auto s : kSizes) {
    if (s == 1) continue;  // D = 1 normalises to 0 with an ill-conditioned gradient; not a useful case
    expect_paths_agree([](const In& x) { return layer_norm(x[0], x[1], x[2]); },
                       {rand_f32({7, s}, g), rand_f32({s}, g), rand_f32({s}, g)}, 1e-4,
                       "affine D=" + std::to_string(s));
    expect_paths_agree([](const In& x) { return layer_norm(x[0], Tensor(), Tensor()); }, {rand_f32({5, s}, g)}, 1e-4,
                       "plain D=" + std::to_string(s));
  }
  expect_paths_agree([](const In& x) { return layer_norm(x[0], x[1], x[2]); },
                     {rand_noncontig({65, 50}, g), rand_f32({50}, g), rand_f32({50}, g)}, 1e-4, "non-contiguous");
}

TEST(FastKernels, Reductions) {
  Generator g(6);
  for (auto s : kSizes) {
    const std::string n = std::to_string(s);
    expect_paths_agree([](const In& x) { return sum(x[0], {-1}); }, {rand_f32({3, s}, g)}, 1e-5, "sum last n=" + n);
    expect_paths_agree([](const In& x) { return sum(x[0], {0}); }, {rand_f32({s, 7}, g)}, 1e-5, "sum first n=" + n);
    expect_paths_agree([](const In& x) { return max(x[0], {1}); }, {rand_f32({2, s, 3}, g)}, 1e-6, "max middle n=" + n);
  }
  expect_paths_agree([](const In& x) { return sum(x[0], {0, 2}); }, {rand_f32({4, 5, 6}, g)}, 1e-5, "sum axes 0,2");
  expect_paths_agree([](const In& x) { return mean(x[0], {0}); }, {rand_noncontig({50, 63}, g)}, 1e-5,
                     "non-contiguous");
}

}  // namespace
}  // namespace recgrad
