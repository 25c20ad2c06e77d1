// recgrad/bench/step.cpp — one SASRec or HSTU training step at the HSTU paper's shapes, timed end to end.
//
//   build/recgrad_step [--model sasrec|hstu] [--threads 1] [--steps 10] [--warmup 3] [--dropout 0.2] [--head position|row]
//
// Batch 128 × length 200 (every position has a target), d = 50, 2 blocks, 1 head, 128 negatives drawn per
// position, sampled softmax on L2-normalised vectors (τ = 0.05), AdamW: the step `recgrad train` runs for
// configs/sasrec_paper.toml, on synthetic ids so it needs no data. bench/torch_step.py is the same step in
// PyTorch; scripts/bench_e2e.sh runs both. Prints one JSON line: median/min/max ms per step, peak RSS.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "autograd/threads.hpp"
#include "datasets/sequences.hpp"
#include "models/batching.hpp"
#include "models/hstu.hpp"
#include "models/sasrec.hpp"
#include "nn/losses.hpp"

using namespace recgrad;

int main(int argc, char** argv) {
  ensure_thread_binding(argv);
  int threads = 1, steps = 10, warmup = 3;
  double dropout = 0.2;
  std::string head = "position", model_name = "sasrec";
  CLI::App app{"time one SASRec or HSTU training step at the paper's shapes"};
  app.add_option("--threads", threads, "OpenMP threads");
  app.add_option("--steps", steps, "timed steps");
  app.add_option("--warmup", warmup, "untimed steps first");
  app.add_option("--dropout", dropout, "dropout rate");
  app.add_option("--model", model_name, "sasrec (2 blocks, 1 head) or hstu (2 layers, 1 head, d_qk = d_v = 50)")
      ->check(CLI::IsMember({"sasrec", "hstu"}));
  app.add_option("--head", head, "negatives drawn per position (the paper's code) or shared by a user row")
      ->check(CLI::IsMember({"position", "row"}));
  CLI11_PARSE(app, argc, argv);
  threads = set_num_threads(threads);

  const std::int64_t B = 128, T = 200, k = 128, vocab = 3953;
  Generator gen(42);
  std::unique_ptr<models::SequenceModel> model_ptr;
  if (model_name == "hstu") {
    models::HSTUConfig c;  // the defaults are configs/hstu_paper.toml
    c.vocab = vocab;
    c.dropout = c.input_dropout = dropout;
    model_ptr = std::make_unique<models::HSTU>(c, gen);
  } else {
    models::SASRecConfig c;  // configs/sasrec_paper.toml
    c.vocab = vocab;
    c.dropout = c.input_dropout = dropout;
    c.ln_eps = 1e-8;
    c.ln_affine = c.final_ln = false;
    c.attn_residual = "query";
    c.ffn_output_dropout = true;
    c.scale_embedding = c.zero_padding = true;
    c.padding_row_trainable = false;
    c.item_init = "truncated_normal";
    model_ptr = std::make_unique<models::SASRec>(c, gen);
  }
  models::SequenceModel& model = *model_ptr;
  nn::Adam adam(model.parameters(), {1e-3, 0.9, 0.98, 1e-8, 0.0, /*decoupled=*/true});

  datasets::NegativeSampler ids(vocab - 1, 7);
  std::vector<double> ms, cpu_ms;
  auto cpu_now = [] {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
  };
  std::vector<std::int64_t> seq(B * T), rows(B * T), pos(B * T), neg(B * T * k), row_neg(B * k);
  for (int s = 0; s < warmup + steps; ++s) {
    for (auto& v : seq) v = ids.sample();
    for (std::int64_t i = 0; i < B * T; ++i) rows[i] = i, pos[i] = ids.sample();
    for (auto& v : row_neg) v = ids.sample();
    const bool row_head = head == "row";
    for (std::int64_t i = 0; i < B * T * k; ++i) neg[i] = row_head ? row_neg[i / (T * k) * k + i % k] : ids.sample();
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_now();
    const Tensor F = model.forward(Tensor::from_vector(seq, {B, T}));  // (B, T, d)
    const Tensor& M = model.item_table();
    Tensor loss;
    if (head == "position") {
      loss = nn::sampled_softmax_head(F, M, Tensor::from_vector(rows, {B * T}), Tensor::from_vector(pos, {B * T}),
                                      Tensor::from_vector(neg, {B * T, k}), {0.05, true});
    } else {  // one set of k negatives per user row: a batched (T × d) · (d × k) matmul per row
      const Tensor Fn = l2_normalize(F, -1, 1e-6), Mn = l2_normalize(M, -1, 1e-6);
      const Tensor negE = embedding(Mn, Tensor::from_vector(row_neg, {B, k}));                // (B, k, d)
      const Tensor negL = reshape(matmul(Fn, transpose(negE, 1, 2)), {B * T, k});             // (B·T, k)
      const Tensor pid = Tensor::from_vector(pos, {B * T});
      const Tensor posL = embedding_dot(reshape(Fn, {B * T, -1}), Mn, reshape(pid, {B * T, 1}));  // (B·T, 1)
      loss = nn::sampled_softmax_from_logits(posL, negL, pid, Tensor::from_vector(neg, {B * T, k}),
                                             Tensor::ones({B * T}), 0.05);
    }
    models::optimizer_step(loss, adam);
    const double dt = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (s >= warmup) ms.push_back(dt), cpu_ms.push_back(cpu_now() - c0);
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu_ms.begin(), cpu_ms.end());
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  fmt::print("{{\"impl\": \"recgrad\", \"model\": \"{}\", \"head\": \"{}\", \"threads\": {}, \"dropout\": {}, \"steps\": {}, "
             "\"median_ms\": {:.1f}, \"min_ms\": {:.1f}, \"max_ms\": {:.1f}, \"cpu_ms\": {:.1f}, \"peak_rss_mb\": {:.1f}}}\n",
             model_name, head, threads, dropout, steps, ms[ms.size() / 2], ms.front(), ms.back(), cpu_ms[cpu_ms.size() / 2],
             ru.ru_maxrss / 1024.0);
}
