// The CUDA backend against the CPU: every op the three models use, forward and backward, on random float32 inputs
// (broadcast and non-contiguous ones included), the optimizer, checkpoints, and five SASRec training steps.
// The GPU tests skip where no GPU answers (ctest lists them as skipped; `ctest -L cuda` runs just these).
//
// Tolerances are relative to the largest magnitude of each compared tensor, float32 throughout:
//   elementwise, copies, gathers, dropout masks       1e-6  (the same formula on one element; exp/log/erf may
//                                                             differ in the last bit between libm and CUDA)
//   reductions, softmax, LayerNorm, losses            1e-5  (summation order differs)
//   matmul, attention, embedding_dot, scatter-adds    1e-4  (long dot products, cuBLAS's blocking, atomics' order)
//   five SASRec training steps                        1e-4  (the bound, on every parameter)
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>

#include "autograd/autograd.hpp"
#include "autograd/kernels/cuda/backend.hpp"
#include "autograd/kernels/kernel_path.hpp"
#include "nn/checkpoint.hpp"
#include "nn/optim.hpp"
#include "training/sequential_data.hpp"
#include "training/sequential_task.hpp"
#include "training/tiger_task.hpp"
#include "tests/tiny_run.hpp"

namespace recgrad {
namespace {

constexpr double kElementwise = 1e-6, kReduction = 1e-5, kProduct = 1e-4;

bool has_gpu() { return kernels::cuda_available(); }

// ---- runs everywhere: the device type, and what a build without CUDA says -------------------------------

TEST(Device, ParsesAndPrints) {
  EXPECT_EQ(Device::parse("cpu"), Device::cpu());
  EXPECT_EQ(Device::parse("cuda"), Device::cuda(0));
  EXPECT_EQ(Device::parse("cuda:0").str(), "cuda:0");
  for (const char* bad : {"gpu", "cuda:", "cuda:x", "CUDA", ""})
    EXPECT_THROW(Device::parse(bad), std::invalid_argument);
  EXPECT_EQ(Tensor::zeros({2}).device(), Device::cpu());
}

TEST(Device, ABuildWithoutCudaSaysHowToGetOne) {
  if (has_gpu()) GTEST_SKIP() << "a GPU is here";
#ifndef RECGRAD_WITH_CUDA
  try {
    Tensor::zeros({2}, DType::f32, Device::cuda());
    FAIL() << "a CUDA tensor in a build without CUDA";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("-DRECGRAD_CUDA=ON"), std::string::npos) << e.what();
  }
#else
  EXPECT_THROW(Tensor::zeros({2}, DType::f32, Device::cuda()), std::runtime_error);  // built with CUDA, no GPU
#endif
}

// ---- the GPU against the CPU --------------------------------------------------------------------------

// One input of a compared op: its shape as the op sees it; `transposed` makes it the transpose of a dense
// tensor (a non-contiguous view on both devices); `grad` whether its gradient is compared.
struct In {
  Shape shape;
  bool transposed = false;
  bool grad = true;
  double lo = -2.0, hi = 2.0;
};
using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

struct Run {
  std::vector<std::vector<float>> values;  // the output, then each compared input's gradient
};

// Leaves on `device` made from the same host values, viewed as the op sees them.
std::vector<Tensor> leaves_on(const std::vector<In>& ins, const std::vector<Tensor>& host, Device device,
                              std::vector<Tensor>& views) {
  std::vector<Tensor> leaves;
  views.clear();
  for (std::size_t k = 0; k < ins.size(); ++k) {
    Tensor leaf = host[k].to(device).detach();
    if (ins[k].grad) leaf.requires_grad_(true);
    leaves.push_back(leaf);
    views.push_back(ins[k].transposed ? transpose(leaf, -1, -2) : leaf);
  }
  return leaves;
}

Run run_on(Device device, const Fn& f, const std::vector<In>& ins, const std::vector<Tensor>& host) {
  std::vector<Tensor> views;
  const std::vector<Tensor> leaves = leaves_on(ins, host, device, views);
  Tensor y = f(views);
  Generator g(11);
  const Tensor upstream = Tensor::uniform(y.shape(), -1, 1, g).to(device);
  Run r{{y.to(DType::f32).to_vector<float>()}};
  if (y.requires_grad()) {
    y.backward(upstream);
    for (std::size_t k = 0; k < ins.size(); ++k)
      if (ins[k].grad) r.values.push_back(leaves[k].grad().to_vector<float>());
  }
  return r;
}

// f on the CPU and on the GPU from the same inputs: output and every gradient within rtol of the tensor's scale.
void expect_gpu_matches_cpu(const std::string& what, const Fn& f, const std::vector<In>& ins, double rtol,
                            std::uint64_t seed = 3) {
  Generator gen(seed);
  std::vector<Tensor> host;
  for (const auto& in : ins) {
    Shape s = in.shape;
    if (in.transposed) std::swap(s[s.size() - 1], s[s.size() - 2]);
    host.push_back(Tensor::uniform(s, in.lo, in.hi, gen));
  }
  const Run cpu = run_on(Device::cpu(), f, ins, host);
  const Run gpu = run_on(Device::cuda(), f, ins, host);
  ASSERT_EQ(cpu.values.size(), gpu.values.size()) << what;
  for (std::size_t k = 0; k < cpu.values.size(); ++k) {
    const auto &a = cpu.values[k], &b = gpu.values[k];
    ASSERT_EQ(a.size(), b.size()) << what;
    double scale = 1e-6, worst = 0;
    std::size_t at = 0;
    for (float v : a) scale = std::max(scale, static_cast<double>(std::abs(v)));
    for (std::size_t i = 0; i < a.size(); ++i) {
      const double d = std::isnan(a[i]) != std::isnan(b[i]) ? INFINITY : std::abs(double(a[i]) - double(b[i]));
      if (d > worst) worst = d, at = i;
    }
    EXPECT_LE(worst, rtol * scale) << what << (k == 0 ? ": output" : ": gradient of input " + std::to_string(k - 1))
                                   << " differs most at flat index " << at << ": CPU " << a[at] << ", GPU " << b[at];
  }
}

class Cuda : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!has_gpu()) GTEST_SKIP() << "no GPU (or a build without CUDA)";
  }
};

TEST_F(Cuda, CopiesRoundTripExactly) {
  Generator g(1);
  const Tensor x = Tensor::randn({3, 5, 7}, g);
  EXPECT_EQ(x.to(Device::cuda()).to(Device::cpu()).to_vector<float>(), x.to_vector<float>());
  const Tensor xt = transpose(x, 0, 2);  // a non-contiguous view crosses as its values
  EXPECT_EQ(xt.to(Device::cuda()).to(Device::cpu()).to_vector<float>(), xt.to_vector<float>());
  const Tensor ids = Tensor::from_vector(std::vector<std::int64_t>{4, -1, 1LL << 40}, {3});
  EXPECT_EQ(ids.to(Device::cuda()).to_vector<std::int64_t>(), ids.to_vector<std::int64_t>());
  const Tensor gx = x.to(Device::cuda());
  EXPECT_EQ(transpose(gx, 0, 2).contiguous().to_vector<float>(), xt.to_vector<float>());
  EXPECT_EQ(gx.to(DType::f64).to_vector<double>(), x.to(DType::f64).to_vector<double>());
  EXPECT_FLOAT_EQ(static_cast<float>(gx.at({2, 4, 6})), static_cast<float>(x.at({2, 4, 6})));
  Tensor z = Tensor::zeros({4, 6}, DType::f32, Device::cuda());
  slice(z, 1, 1, 5, 2).fill_(3.0);
  slice(z, 0, 2, 4).copy_(Tensor::ones({2, 6}));  // from the host into a GPU view
  const auto v = z.to_vector<float>();
  EXPECT_EQ(v[1], 3.0f);
  EXPECT_EQ(v[2], 0.0f);
  EXPECT_EQ(v[13], 1.0f);
}

TEST_F(Cuda, OperandsOnTwoDevicesAreAnErrorNamingBoth) {
  const Tensor a = Tensor::ones({2, 3}), b = Tensor::ones({2, 3}, DType::f32, Device::cuda());
  try {
    (void)(a + b);
    FAIL() << "CPU + GPU computed";
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("cpu"), std::string::npos) << m;
    EXPECT_NE(m.find("cuda:0"), std::string::npos) << m;
  }
  EXPECT_THROW(matmul(a, transpose(b, 0, 1)), std::invalid_argument);
  EXPECT_THROW((void)b.data<float>(), std::invalid_argument);  // the host cannot read a GPU pointer
  EXPECT_EQ((b * 2.0).to_vector<float>()[0], 2.0f) << "a CPU scalar joins a GPU op";
}

TEST_F(Cuda, ElementwiseOps) {
  const std::vector<std::pair<const char*, std::function<Tensor(const Tensor&)>>> unary{
      {"neg", [](const Tensor& x) { return neg(x); }},
      {"exp", [](const Tensor& x) { return exp(x); }},
      {"tanh", [](const Tensor& x) { return tanh(x); }},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }},
      {"relu", [](const Tensor& x) { return relu(x); }},
      {"silu", [](const Tensor& x) { return silu(x); }},
      {"gelu", [](const Tensor& x) { return gelu(x); }},
      {"softplus", [](const Tensor& x) { return softplus(x); }},
      {"abs", [](const Tensor& x) { return abs(x); }},
      {"clamp", [](const Tensor& x) { return clamp(x, -0.5, 0.7); }},
      {"rsqrt", [](const Tensor& x) { return rsqrt(x * x + 0.5); }},
      {"log", [](const Tensor& x) { return log(x * x + 0.1); }}};
  for (const auto& [name, f] : unary)
    for (bool t : {false, true})
      expect_gpu_matches_cpu(
          std::string(name) + (t ? " (non-contiguous)" : ""),
          [f = f](const std::vector<Tensor>& in) { return f(in[0]); }, {{{65, 7}, t}}, kElementwise);
  // broadcasting: (B, T, d) against (d), (B, 1, d), a transposed (T, d), and a scalar
  const std::vector<std::pair<const char*, Fn>> binary{
      {"add", [](const std::vector<Tensor>& in) { return in[0] + in[1]; }},
      {"sub", [](const std::vector<Tensor>& in) { return in[0] - in[1]; }},
      {"mul", [](const std::vector<Tensor>& in) { return in[0] * in[1]; }},
      {"div", [](const std::vector<Tensor>& in) { return in[0] / (in[1] * in[1] + 0.5); }},
      {"maximum", [](const std::vector<Tensor>& in) { return maximum(in[0], in[1]); }},
      {"pow", [](const std::vector<Tensor>& in) { return pow(in[0] * in[0] + 0.5, in[1]); }}};
  for (const auto& [name, f] : binary) {
    expect_gpu_matches_cpu(std::string(name) + " (d)", f, {{{3, 5, 7}}, {{7}}}, kElementwise);
    expect_gpu_matches_cpu(std::string(name) + " (B, 1, d)", f, {{{3, 5, 7}}, {{3, 1, 7}}}, kElementwise);
    expect_gpu_matches_cpu(std::string(name) + " (transposed)", f, {{{3, 5, 7}}, {{5, 7}, true}}, kElementwise);
  }
  expect_gpu_matches_cpu(
      "scalar ops", [](const std::vector<Tensor>& in) { return (2.0 - in[0]) * 3.0 / 1.5 + 1.0; }, {{{200, 3}}},
      kElementwise);
}

TEST_F(Cuda, ReductionsSoftmaxLayerNorm) {
  for (const std::vector<int>& axes : std::vector<std::vector<int>>{{}, {0}, {2}, {0, 2}, {1}}) {
    std::string tag = "axes";
    for (int a : axes) tag += " " + std::to_string(a);
    expect_gpu_matches_cpu(
        "sum " + tag, [axes](const auto& in) { return sum(in[0], axes); }, {{{4, 65, 7}}}, kReduction);
    expect_gpu_matches_cpu(
        "mean " + tag, [axes](const auto& in) { return mean(in[0], axes, true); }, {{{4, 7, 65}, true}}, kReduction);
    expect_gpu_matches_cpu(
        "max " + tag, [axes](const auto& in) { return max(in[0], axes); }, {{{4, 65, 7}}}, kReduction);
    expect_gpu_matches_cpu(
        "logsumexp " + tag, [axes](const auto& in) { return logsumexp(in[0], axes); }, {{{4, 65, 7}}}, kReduction);
  }
  for (int n : {1, 7, 129, 3707}) {
    expect_gpu_matches_cpu(
        "softmax " + std::to_string(n), [](const auto& in) { return softmax(in[0], -1); }, {{{5, n}}}, kReduction);
    expect_gpu_matches_cpu(
        "log_softmax " + std::to_string(n), [](const auto& in) { return log_softmax(in[0], 0); }, {{{n, 5}, true}},
        kReduction);
    expect_gpu_matches_cpu(
        "layer_norm " + std::to_string(n), [](const auto& in) { return layer_norm(in[0], in[1], in[2], 1e-5); },
        {{{3, 5, n}}, {{n}}, {{n}}}, kReduction);
  }
  expect_gpu_matches_cpu(
      "layer_norm without affine", [](const auto& in) { return layer_norm(in[0], {}, {}); }, {{{64, 50}, true}},
      kReduction);
  expect_gpu_matches_cpu(
      "l2_normalize", [](const auto& in) { return l2_normalize(in[0], -1, 1e-6); }, {{{33, 50}}}, kReduction);
}

TEST_F(Cuda, Matmul) {
  // cuBLAS (fast path) and the tiled teaching kernel (reference path) against the CPU's GEMM
  for (kernels::Path path : {kernels::Path::fast, kernels::Path::reference}) {
    kernels::PathGuard guard(path);
    const std::string p = path == kernels::Path::fast ? " (cuBLAS)" : " (tiled)";
    const Fn mm = [](const auto& in) { return matmul(in[0], in[1]); };
    expect_gpu_matches_cpu("2-d" + p, mm, {{{65, 50}}, {{50, 129}}}, kProduct);
    expect_gpu_matches_cpu("Aᵀ B" + p, mm, {{{65, 50}, true}, {{50, 7}}}, kProduct);
    expect_gpu_matches_cpu("A Bᵀ" + p, mm, {{{7, 50}}, {{50, 63}, true}}, kProduct);
    expect_gpu_matches_cpu("batched" + p, mm, {{{3, 4, 17, 9}}, {{3, 4, 9, 5}}}, kProduct);
    expect_gpu_matches_cpu("broadcast batch" + p, mm, {{{3, 1, 17, 9}}, {{4, 9, 5}, true}}, kProduct);
    expect_gpu_matches_cpu("vector" + p, mm, {{{9}}, {{9, 5}}}, kProduct);
    expect_gpu_matches_cpu("linear layer" + p, mm, {{{8, 200, 50}}, {{50, 50}}}, kProduct);
  }
}

TEST_F(Cuda, IndexingAndLosses) {
  Generator g(5);
  const Tensor ids = Tensor::from_vector(std::vector<std::int64_t>{0, 3, 3, 9, 1, 0, 9, 2}, {2, 4});  // repeats
  expect_gpu_matches_cpu(
      "embedding", [&](const auto& in) { return embedding(in[0], ids, 0); }, {{{10, 50}}}, kProduct);
  expect_gpu_matches_cpu(
      "embedding, ids on the GPU", [&](const auto& in) { return embedding(in[0], ids.to(in[0].device())); },
      {{{10, 50}}}, kProduct);
  const Tensor rows = Tensor::from_vector(std::vector<std::int64_t>{4, 0, 4, 2}, {4});
  expect_gpu_matches_cpu(
      "index_select", [&](const auto& in) { return index_select(in[0], 1, rows); }, {{{3, 5, 7}}}, kProduct);
  const Tensor where_idx = Tensor::from_vector(std::vector<std::int64_t>{1, 0, 4, 4, 2, 3}, {3, 2});
  expect_gpu_matches_cpu(
      "gather", [&](const auto& in) { return gather(in[0], 1, where_idx); }, {{{3, 5}}}, kProduct);
  expect_gpu_matches_cpu(
      "where / masked_fill",
      [](const auto& in) {
        const Tensor positive = relu(in[0]).detach(), below = relu(-1.0 - in[0]).detach();  // nonzero = true
        return masked_fill(where(positive, in[0], in[1]), below, 0.5);
      },
      {{{6, 7}}, {{7}}}, kElementwise);
  const Tensor neg_ids = Tensor::from_vector(std::vector<std::int64_t>{1, 5, 5, 9, 0, 2, 3, 3, 8}, {3, 3});
  expect_gpu_matches_cpu(
      "embedding_dot", [&](const auto& in) { return embedding_dot(in[0], in[1], neg_ids); }, {{{3, 50}}, {{10, 50}}},
      kProduct);
  const Tensor target = Tensor::from_vector(std::vector<std::int64_t>{2, -100, 0, 6}, {4});
  expect_gpu_matches_cpu(
      "cross_entropy", [&](const auto& in) { return cross_entropy(in[0], target); }, {{{4, 7}}}, kReduction);
  expect_gpu_matches_cpu(
      "pairwise_sq_dist", [](const auto& in) { return pairwise_sq_dist(in[0], in[1]); }, {{{9, 32}}, {{256, 32}}},
      kProduct);
  expect_gpu_matches_cpu(
      "concat / split",
      [](const auto& in) {
        const auto parts = split(concat({in[0], in[1]}, 1), {2, 5}, 1);
        return sum(concat({parts[0] * 2.0, parts[1]}, 1), {0});
      },
      {{{3, 3}}, {{3, 4}}}, kElementwise);
  const Tensor x = Tensor::randn({40, 256}, g);
  EXPECT_EQ(argmin(x.to(Device::cuda()), 1).to_vector<std::int64_t>(), argmin(x, 1).to_vector<std::int64_t>());
  const Tensor seq = Tensor::from_vector(std::vector<std::int64_t>{0, 0, 3, 4, 5, 0}, {2, 3});
  EXPECT_EQ(padding_mask(seq.to(Device::cuda())).to_vector<float>(), padding_mask(seq).to_vector<float>());
}

TEST_F(Cuda, DropoutMasksAreTheCpusBitForBit) {
  const Tensor x = Tensor::ones({257, 33});
  Generator a(9), b(9);
  EXPECT_EQ(dropout(x, 0.3, true, a).to_vector<float>(),
            dropout(x.to(Device::cuda()), 0.3, true, b).to_vector<float>());
  EXPECT_EQ(a.counter(), b.counter());
}

TEST_F(Cuda, FusedAttention) {
  const Tensor valid = Tensor::from_vector(std::vector<float>{0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, {2, 8});
  for (double p : {0.0, 0.3}) {
    const std::string tag = p > 0 ? " with dropout" : "";
    expect_gpu_matches_cpu(
        "causal_attention" + tag,
        [&](const auto& in) {
          Generator gen(4);
          return causal_attention(in[0], in[1], in[2], valid, p, true, gen);
        },
        {{{2, 2, 8, 5}}, {{2, 2, 8, 5}}, {{2, 2, 8, 5}}}, kProduct);
    expect_gpu_matches_cpu(
        "bidirectional attention" + tag,
        [&](const auto& in) {
          Generator gen(4);
          return attention(in[0], in[1], in[2], 3, valid, valid, false, p, true, gen);
        },
        {{{2, 8, 12}}, {{2, 8, 12}}, {{2, 8, 9}}}, kProduct);
    const Tensor kv = Tensor::from_vector(std::vector<float>{1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0}, {2, 7});
    expect_gpu_matches_cpu(
        "cross-attention" + tag,
        [&](const auto& in) {
          Generator gen(4);
          return attention(in[0], in[1], in[2], 2, Tensor(), kv, false, p, true, gen);
        },
        {{{2, 3, 8}}, {{2, 7, 8}, true}, {{2, 7, 6}}}, kProduct);
  }
  const Tensor n = Tensor::from_vector(std::vector<float>{8, 6}, {2});
  expect_gpu_matches_cpu(
      "hstu_attention, shared rab",
      [&](const auto& in) { return hstu_attention(in[0], in[1], in[2], in[3], valid, n); },
      {{{2, 2, 8, 5}}, {{2, 2, 8, 5}}, {{2, 2, 8, 7}}, {{1, 1, 8, 8}}}, kProduct);
  expect_gpu_matches_cpu(
      "hstu_attention, rab per sequence",
      [&](const auto& in) { return hstu_attention(in[0], in[1], in[2], in[3], Tensor(), n); },
      {{{2, 1, 8, 5}}, {{2, 1, 8, 5}}, {{2, 1, 8, 5}}, {{2, 1, 8, 8}}}, kProduct);
}

TEST_F(Cuda, AdamStepsEqualTheCpus) {
  Generator g(2);
  const Tensor w0 = Tensor::randn({65, 7}, g), grad = Tensor::randn({65, 7}, g);
  std::vector<std::vector<float>> after;
  for (Device d : {Device::cpu(), Device::cuda()}) {
    Tensor w = w0.clone().to(d).detach().requires_grad_(true);  // its own copy on each device
    nn::Adam adam({w}, {.lr = 0.01, .weight_decay = 0.1, .decoupled = true});
    for (int s = 0; s < 3; ++s) {
      w.mutable_grad() = grad.to(d);
      adam.step();
    }
    after.push_back(w.to_vector<float>());
  }
  for (std::size_t i = 0; i < after[0].size(); ++i) ASSERT_NEAR(after[0][i], after[1][i], 1e-6) << i;
}

TEST_F(Cuda, CheckpointsCrossDevicesWithIdenticalValues) {
  Generator g(6);
  const Tensor w = Tensor::randn({33, 17}, g).to(Device::cuda());
  const auto path = std::filesystem::temp_directory_path() / "recgrad_cuda_ckpt.safetensors";
  nn::save_safetensors(path, {{"w", w}});
  const Tensor on_cpu = nn::load_safetensors(path).tensors.at("w");
  EXPECT_EQ(on_cpu.to_vector<float>(), w.to_vector<float>());
  Tensor back = Tensor::zeros({33, 17}, DType::f32, Device::cuda());
  nn::load_into(path, {{"w", back}});
  EXPECT_EQ(back.to_vector<float>(), w.to_vector<float>());
  std::filesystem::remove(path);
}

// Five steps of the real training task (SASRec, sampled softmax, dropout 0.1) on each device from one seed.
TEST_F(Cuda, FiveSasrecStepsEqualTheCpusWithin1e4) {
  const auto dir = test::tiny_data("_cuda");
  training::TrainConfig c = test::tiny_config();
  c.sasrec.d = 50;
  c.sasrec.max_len = 20;
  c.sasrec.layers = 2;
  c.train.negatives = 32;
  const training::SequentialData data = training::load_sequential_data(c, dir, 42);
  std::vector<std::vector<double>> losses(2);
  std::vector<std::vector<std::pair<std::string, Tensor>>> params;
  for (int k = 0; k < 2; ++k) {
    c.train.device = k == 0 ? DeviceType::cpu : DeviceType::cuda;
    auto task = std::make_unique<training::SequentialTask>(c, data, 42);
    EXPECT_EQ(task->model().parameters()[0].device(), k == 0 ? Device::cpu() : Device::cuda());
    const std::size_t n = task->begin_epoch(1);
    for (std::size_t b = 0; b < 5; ++b) losses[k].push_back(task->step(b % n));
    params.push_back(task->model().named_parameters());
    for (auto& [name, p] : params.back()) p = p.detach().to(Device::cpu());
  }
  for (int s = 0; s < 5; ++s) EXPECT_NEAR(losses[1][s], losses[0][s], 1e-4 * std::abs(losses[0][s])) << "step " << s;
  for (std::size_t i = 0; i < params[0].size(); ++i) {
    const auto a = params[0][i].second.to_vector<float>(), b = params[1][i].second.to_vector<float>();
    double scale = 1e-6, worst = 0;
    for (float v : a) scale = std::max(scale, static_cast<double>(std::abs(v)));
    for (std::size_t j = 0; j < a.size(); ++j) worst = std::max(worst, std::abs(double(a[j]) - b[j]));
    EXPECT_LE(worst, 1e-4 * scale) << params[0][i].first;
  }
  std::filesystem::remove_all(dir);
}

// Whole runs (train, select the best epoch, reload it, test) of SASRec, HSTU and TIGER (its RQ-VAE too) on each
// device: the same metrics. The tiny cycle is easy, so a rounding difference rarely moves a rank; 0.05 allows one.
void expect_same_metrics(const std::map<std::string, double>& cpu, const std::map<std::string, double>& gpu,
                         const std::string& what) {
  ASSERT_EQ(cpu.size(), gpu.size()) << what;
  for (const auto& [k, v] : cpu) EXPECT_NEAR(gpu.at(k), v, 0.05) << what << " " << k;
}

TEST_F(Cuda, WholeRunsGiveTheCpusMetrics) {
  const auto dir = test::tiny_data("_cuda_runs");
  training::TrainOptions opt;
  opt.data_dir = dir;
  opt.cache_dir = dir / "cache";
  opt.progress = false;
  training::TrainConfig sasrec = test::tiny_config(), hstu = test::tiny_config();
  sasrec.train.epochs = hstu.train.epochs = 10;
  sasrec.train.eval_every = hstu.train.eval_every = 5;
  hstu.model = training::ModelKind::hstu;
  hstu.hstu.d = 16;
  hstu.hstu.d_qk = hstu.hstu.d_v = 8;
  hstu.hstu.max_len = 8;
  hstu.hstu.layers = 1;
  hstu.hstu.norm_constant = 8;
  for (auto* c : {&sasrec, &hstu}) {
    std::vector<std::map<std::string, double>> test;
    for (DeviceType d : {DeviceType::cpu, DeviceType::cuda}) {
      c->train.device = d;
      opt.run_dir = dir / ("run_" + std::string(d == DeviceType::cpu ? "cpu" : "gpu"));
      test.push_back(training::train_sequential(*c, opt).test);
    }
    expect_same_metrics(test[0], test[1], c == &sasrec ? "SASRec" : "HSTU");
  }
  training::TrainConfig tiger = test::tiny_tiger(dir);
  tiger.train.epochs = tiger.train.eval_every = 8;
  std::vector<training::TigerResult> r;
  for (DeviceType d : {DeviceType::cpu, DeviceType::cuda}) {
    tiger.train.device = d;
    opt.run_dir = dir / ("tiger_" + std::string(d == DeviceType::cpu ? "cpu" : "gpu"));
    opt.cache_dir = dir / ("cache_" + std::string(d == DeviceType::cpu ? "cpu" : "gpu"));  // the RQ-VAE trains on each
    r.push_back(training::train_tiger(tiger, opt));
  }
  EXPECT_EQ(r[1].test.invalid_ids, 0);
  EXPECT_EQ(r[0].collision_size, r[1].collision_size);
  expect_same_metrics(r[0].train.test, r[1].train.test, "TIGER");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace recgrad
