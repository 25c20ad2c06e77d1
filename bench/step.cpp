// recgrad/bench/step.cpp — one SASRec or HSTU training step at the HSTU paper's shapes, or one TIGER step
// at configs/tiger_ml1m.toml's shapes, timed end to end; or TIGER's steps on a preset's real batches.
//
//   build/recgrad_step [--model sasrec|hstu|tiger] [--threads 1] [--steps 10] [--warmup 3] [--dropout 0.2] [--head
//   position|row] [--device cpu|cuda]
//   build/recgrad_step --model tiger --config configs/tiger_beauty.toml --threads 2 [--steps 60] [--warmup 10]
//                      [--data-dir D] [--shapes-out runs/beauty_shapes.json]
//
// Batch 128 × length 200 (every position has a target), d = 50, 2 blocks, 1 head, 128 negatives drawn per
// position, sampled softmax on L2-normalised vectors (τ = 0.05), AdamW: the step `recgrad train` runs for
// configs/sasrec_paper.toml, on synthetic ids so it needs no data. bench/torch_step.py is the same step in
// PyTorch; scripts/bench_e2e.sh runs both. Prints one JSON line: median/min/max ms per step, peak RSS.
// TIGER: batch 256, encoder input [user token, 4 tokens × 20 items] (81 tokens, no padding: ML-1M's histories
// are ≥ 20 items), decoder [BOS, t1, t2, t3] → [t1 … t4], 4 + 4 layers, d 128, 6 heads × 64, d_ff 1024,
// cross-entropy over the semantic tokens, AdamW (the step training/tiger_task.cpp runs).
// TIGER with --config: the preset's data and semantic IDs (built once, then read from runs/cache), and the
// first warmup + steps batches of its epoch 1 in training order (lengths as they come: every prefix of a
// history is a sample, and batches group similar lengths), each through TigerTask::step. Prints
// samples_per_s = the timed batches' samples / their total time. --shapes-out writes those batches' encoder
// lengths (and the token space) for bench/torch_step.py --shapes, so that PyTorch times the same batches.
// --device cuda: the model and the step on the GPU (a build with -DRECGRAD_CUDA=ON); each timed step ends by
// waiting for the GPU, as bench/torch_step.py --device cuda synchronises around its steps.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "apps/config.hpp"
#include "autograd/kernels/cuda/backend.hpp"
#include "autograd/kernels/matmul_precision.hpp"
#include "autograd/profiler.hpp"
#include "autograd/threads.hpp"
#include "datasets/data_dir.hpp"
#include "datasets/sequences.hpp"
#include "models/batching.hpp"
#include "nn/optim.hpp"
#include "training/optimizer_step.hpp"
#include "models/hstu.hpp"
#include "models/tiger.hpp"
#include "models/sasrec.hpp"
#include "nn/losses.hpp"
#include "training/tiger_task.hpp"

using namespace recgrad;

namespace {

Device g_device;  // --device

// Wall time of a step: on a GPU, until its last kernel has finished.
void finish_step() {
  if (g_device.is_cuda()) kernels::cuda().synchronize();
}

double cpu_now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double tenths(double x) { return std::round(x * 10) / 10; }

// One JSON line: the run's own fields, then the timed steps' median, min and max wall time, their median CPU
// time and the process's peak resident memory.
void print_result(nlohmann::ordered_json line, std::vector<double> ms, std::vector<double> cpu_ms) {
  std::sort(ms.begin(), ms.end());
  std::sort(cpu_ms.begin(), cpu_ms.end());
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  line["steps"] = ms.size();
  line["median_ms"] = tenths(ms[ms.size() / 2]);
  line["min_ms"] = tenths(ms.front());
  line["max_ms"] = tenths(ms.back());
  line["cpu_ms"] = tenths(cpu_ms[cpu_ms.size() / 2]);
  line["peak_rss_mb"] = tenths(ru.ru_maxrss / 1024.0);
  fmt::print("{}\n", line.dump());
}

// The fields every line of a model at fixed shapes starts with.
nlohmann::ordered_json run_fields(const std::string& model, const std::string& head, int threads, double dropout) {
  return {{"impl", "recgrad"},  {"model", model},     {"head", head},
          {"threads", threads}, {"dropout", dropout}, {"device", g_device.str()}};
}

// One TIGER training step on random semantic IDs (3 levels × 256 codes + a collision token of 154 values,
// ML-1M's table): encode, teacher-forced decode, cross-entropy, AdamW.
int tiger_step(int threads, int steps, int warmup, double dropout) {
  const std::int64_t B = 256, items = 20;
  models::SemanticIdTable table;
  table.collision_size = 154;
  const models::TokenSpace space(table, 2000);
  models::TigerConfig c;  // configs/tiger_ml1m.toml
  c.dropout = dropout;
  Generator gen(42);
  models::Tiger model(c, space, gen);
  model.to_(g_device);
  nn::Adam adam(model.parameters(), {1e-3, 0.9, 0.999, 1e-8, 0.01, /*decoupled=*/true});
  const int P = space.positions();
  std::vector<double> ms, cpu_ms;
  for (int s = 0; s < warmup + steps; ++s) {
    std::vector<std::int64_t> enc, dec, target;
    for (std::int64_t b = 0; b < B; ++b) {
      enc.push_back(space.user_token(gen.next_int(6040)));
      for (std::int64_t i = 0; i <= items; ++i)
        for (int p = 0; p < P; ++p) {
          const std::int64_t code = gen.next_int(table.position_size(p));
          if (i < items)
            enc.push_back(space.token(p, code));
          else {
            if (p == 0) dec.push_back(models::TokenSpace::bos);
            if (p + 1 < P) dec.push_back(space.token(p, code));
            target.push_back(space.logit(p, code));
          }
        }
    }
    const std::int64_t S = 1 + items * P;
    if (s == warmup) profiler::reset();  // RECGRAD_PROFILE=1: count the timed steps only
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_now_ms();
    const Tensor tokens = Tensor::from_vector(enc, {B, S});
    const Tensor memory = model.encode(tokens);  // (B, S, d)
    const Tensor logits =
        model.decode(Tensor::from_vector(dec, {B, P}), memory, models::token_valid(tokens));  // (B, P, V)
    const Tensor loss =
        cross_entropy(reshape(logits, {B * P, space.n_semantic()}), Tensor::from_vector(target, {B * P}));
    training::optimizer_step(loss, adam);
    finish_step();
    const double dt = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (s >= warmup) ms.push_back(dt), cpu_ms.push_back(cpu_now_ms() - c0);
  }
  print_result(run_fields("tiger", "full", threads, dropout), ms, cpu_ms);
  return 0;
}

// TIGER on a preset's data: TigerTask::step on the batches of epoch 1, in order.
// The encoder lengths of batches 0 … n − 1 and the token space, as JSON for bench/torch_step.py --shapes.
void write_shapes(const std::string& path, const training::TigerTask& task, const models::SemanticIdTable& ids,
                  const std::string& c_preset, const models::TigerConfig& c, int warmup, int n) {
  std::ofstream out(path);
  out << "{\"preset\": \"" << c_preset << "\", \"warmup\": " << warmup << ", \"dropout\": " << c.dropout
      << ", \"codes\": " << ids.codebook_size << ", \"levels\": " << ids.levels
      << ", \"collision\": " << ids.collision_size << ", \"users\": " << c.user_buckets << ", \"batches\": [";
  for (int b = 0; b < n; ++b) {
    const auto lengths = task.encoder_lengths(static_cast<std::size_t>(b));
    out << (b ? ", [" : "[");
    for (std::size_t i = 0; i < lengths.size(); ++i) out << (i ? ", " : "") << lengths[i];
    out << "]";
  }
  out << "]}\n";
  if (!out) throw std::runtime_error("cannot write " + path);
}

int tiger_preset_step(const std::string& preset, const std::string& data_flag, const std::string& shapes_out,
                      int threads, int steps, int warmup) {
  training::TrainConfig cfg = apps::load_train_config(preset);
  if (cfg.model != training::ModelKind::tiger) throw std::invalid_argument(preset + ": not a TIGER preset");
  cfg.train.device = g_device.type;
  const std::filesystem::path dir = datasets::find_data_dir(data_flag, cfg.data.file);
  const training::TigerData data = training::load_tiger_data(cfg, dir, 42);
  const training::SemanticIdRun sid = training::build_semantic_ids(cfg, data, 42, "runs/cache", false);
  training::TigerTask task(cfg, data, sid.table, 42, false);
  const std::size_t batches = task.begin_epoch(1);
  if (static_cast<std::size_t>(warmup + steps) > batches)
    throw std::invalid_argument("--warmup + --steps exceeds the epoch's " + std::to_string(batches) + " batches");
  if (!shapes_out.empty()) write_shapes(shapes_out, task, sid.table, preset, cfg.tiger, warmup, warmup + steps);
  std::vector<double> ms, cpu_ms;
  double samples = 0;
  for (int s = 0; s < warmup + steps; ++s) {
    if (s == warmup) profiler::reset();  // RECGRAD_PROFILE=1: count the timed steps only
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_now_ms();
    task.step(static_cast<std::size_t>(s));
    finish_step();
    const double dt = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (s >= warmup) ms.push_back(dt), cpu_ms.push_back(cpu_now_ms() - c0), samples += task.batch_samples(s);
  }
  double total_ms = 0;
  for (double t : ms) total_ms += t;
  const bool bf16 = kernels::matmul_precision() == kernels::MatmulPrecision::bf16;
  print_result({{"impl", "recgrad"},
                {"model", "tiger"},
                {"preset", preset},
                {"matmul", bf16 ? "bf16" : "float32"},
                {"threads", threads},
                {"device", g_device.str()},
                {"samples", static_cast<std::int64_t>(samples)},
                {"samples_per_s", tenths(samples / (total_ms / 1e3))}},
               ms, cpu_ms);
  return 0;
}

// SASRec with configs/sasrec_paper.toml or HSTU with configs/hstu_paper.toml, at the given dropout.
std::unique_ptr<models::SequenceModel> paper_model(const std::string& name, std::int64_t vocab, double dropout,
                                                   Generator& gen) {
  if (name == "hstu") {
    models::HSTUConfig c;  // the defaults are configs/hstu_paper.toml
    c.vocab = vocab;
    c.dropout = c.input_dropout = dropout;
    return std::make_unique<models::HSTU>(c, gen);
  }
  models::SASRecConfig c;  // configs/sasrec_paper.toml
  c.vocab = vocab;
  c.dropout = c.input_dropout = dropout;
  c.ln_eps = 1e-8;
  c.ln_affine = c.final_ln = false;
  c.attn_residual = models::AttnResidual::query;
  c.ffn_output_dropout = true;
  c.scale_embedding = c.zero_padding = true;
  c.padding_row_trainable = false;
  c.item_init = models::ItemInit::truncated_normal;
  return std::make_unique<models::SASRec>(c, gen);
}

}  // namespace

int main(int argc, char** argv) {
  ensure_thread_binding(argv);
  int threads = 1, steps = 10, warmup = 3;
  double dropout = 0.2;
  std::string head = "position", model_name = "sasrec", preset, data_dir, shapes_out, precision = "float32";
  CLI::App app{"time one SASRec or HSTU training step at the paper's shapes"};
  app.add_option("--threads", threads, "OpenMP threads");
  app.add_option("--steps", steps, "timed steps");
  app.add_option("--warmup", warmup, "untimed steps first");
  app.add_option("--dropout", dropout, "dropout rate");
  app.add_option("--model", model_name, "sasrec (2 blocks, 1 head) or hstu (2 layers, 1 head, d_qk = d_v = 50)")
      ->check(CLI::IsMember({"sasrec", "hstu", "tiger"}));
  app.add_option("--head", head, "negatives drawn per position (the paper's code) or shared by a user row")
      ->check(CLI::IsMember({"position", "row"}));
  app.add_option("--config", preset, "TIGER: time the steps of this preset's real batches (its own dropout)");
  app.add_option("--matmul", precision, "matmul products: float32 or bf16 (bfloat16 products, float32 sums)")
      ->check(CLI::IsMember({"float32", "bf16"}));
  app.add_option("--shapes-out", shapes_out, "TIGER with --config: write the timed batches' shapes (JSON)");
  app.add_option("--data-dir", data_dir, "data directory (else $RECGRAD_DATA, ./data, ../shared/data)");
  std::string device = "cpu";
  app.add_option("--device", device, "cpu or cuda (a build with -DRECGRAD_CUDA=ON)")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  CLI11_PARSE(app, argc, argv);
  g_device = Device::parse(device);
  if (g_device.is_cuda() && !kernels::cuda_available()) {
    (void)kernels::cuda();  // a build without CUDA says how to build one
    throw std::runtime_error("--device cuda: no GPU answered");
  }
  threads = set_num_threads(threads);
  kernels::set_matmul_precision(precision == "bf16" ? kernels::MatmulPrecision::bf16
                                                    : kernels::MatmulPrecision::float32);

  if (model_name == "tiger" && !preset.empty())
    return tiger_preset_step(preset, data_dir, shapes_out, threads, steps, warmup);
  if (model_name == "tiger") return tiger_step(threads, steps, warmup, dropout);
  const std::int64_t B = 128, T = 200, k = 128, vocab = 3953;
  Generator gen(42);
  const std::unique_ptr<models::SequenceModel> model_ptr = paper_model(model_name, vocab, dropout, gen);
  models::SequenceModel& model = *model_ptr;
  model.to_(g_device);
  nn::Adam adam(model.parameters(), {1e-3, 0.9, 0.98, 1e-8, 0.0, /*decoupled=*/true});

  datasets::NegativeSampler ids(vocab - 1, 7);
  std::vector<double> ms, cpu_ms;
  std::vector<std::int64_t> seq(B * T), rows(B * T), pos(B * T), neg(B * T * k), row_neg(B * k);
  for (int s = 0; s < warmup + steps; ++s) {
    for (auto& v : seq) v = ids.sample();
    for (std::int64_t i = 0; i < B * T; ++i) rows[i] = i, pos[i] = ids.sample();
    for (auto& v : row_neg) v = ids.sample();
    const bool row_head = head == "row";
    for (std::int64_t i = 0; i < B * T * k; ++i) neg[i] = row_head ? row_neg[i / (T * k) * k + i % k] : ids.sample();
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_now_ms();
    const Tensor F = model.forward(Tensor::from_vector(seq, {B, T}));  // (B, T, d)
    const Tensor& M = model.item_table();
    Tensor loss;
    if (head == "position") {
      loss = nn::sampled_softmax_head(F, M, Tensor::from_vector(rows, {B * T}), Tensor::from_vector(pos, {B * T}),
                                      Tensor::from_vector(neg, {B * T, k}), {0.05, true});
    } else {  // one set of k negatives per user row: a batched (T × d) · (d × k) matmul per row
      const Tensor Fn = l2_normalize(F, -1, 1e-6), Mn = l2_normalize(M, -1, 1e-6);
      const Tensor negE = embedding(Mn, Tensor::from_vector(row_neg, {B, k}));     // (B, k, d)
      const Tensor negL = reshape(matmul(Fn, transpose(negE, 1, 2)), {B * T, k});  // (B·T, k)
      const Tensor pid = Tensor::from_vector(pos, {B * T});
      const Tensor posL = embedding_dot(reshape(Fn, {B * T, -1}), Mn, reshape(pid, {B * T, 1}));  // (B·T, 1)
      loss = nn::sampled_softmax_from_logits(posL, negL, pid, Tensor::from_vector(neg, {B * T, k}),
                                             Tensor::ones({B * T}), 0.05);
    }
    training::optimizer_step(loss, adam);
    finish_step();
    const double dt = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (s >= warmup) ms.push_back(dt), cpu_ms.push_back(cpu_now_ms() - c0);
  }
  print_result(run_fields(model_name, head, threads, dropout), ms, cpu_ms);
}
