// recgrad — the command-line entry point.
//   build/recgrad demo [--seed N] [--steps N] [--threads N]
//   build/recgrad train --config configs/sasrec_paper.toml [--seed N] [--epochs N] [--metrics-out F] [--resume F]
//   [--detect-anomaly] build/recgrad evaluate --config configs/hstu_events.toml --checkpoint
//   runs/hstu_events-seed1/best.safetensors build/recgrad semantic-ids --config configs/tiger_beauty.toml [--out F]
//   [--neighbours ID,ID] build/recgrad reproduce chapter --model sasrec --seeds 10 [--data-dir DIR] [--metrics-out
//   FILE]
#include <exception>
#include <iostream>
#include <string>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include <CLI/CLI.hpp>

#include "apps/demo.hpp"
#include "apps/reproduce.hpp"
#include "apps/semantic_ids_cmd.hpp"
#include "apps/train_cmd.hpp"
#include "autograd/threads.hpp"
#include "training/data_parallel.hpp"

namespace {

using namespace recgrad::apps;

// A seed is an unsigned 64-bit integer: digits only (a minus sign would wrap to 2^64 − 1), below 2^64.
const CLI::Validator kSeed(
    [](std::string& text) -> std::string {
      if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
        return "a seed is a non-negative integer (digits only), got '" + text + "'";
      errno = 0;
      (void)std::strtoull(text.c_str(), nullptr, 10);
      if (errno == ERANGE) return "a seed must be below 2^64 = 18446744073709551616, got " + text;
      return "";
    },
    "SEED");

// Counts (epochs, steps, seeds, minutes) and thread counts: CLI11's PositiveNumber would answer "--epochs 0" with
// "Value 0 not in range 0.000000 to 1.797e308"; a range says what is accepted.
const CLI::Range kCount(1.0, 1e6);
const CLI::Range kCountOrZero(0.0, 1e6);
const CLI::Validator kMinutes(  // --time-budget: any positive number of minutes, fractions too
    [](std::string& text) -> std::string {
      char* end = nullptr;
      const double v = std::strtod(text.c_str(), &end);
      if (text.empty() || *end != '\0' || !(v > 0 && v <= 1e6))
        return "a time budget is a positive number of minutes (up to 1e6), got '" + text + "'";
      return "";
    },
    "MINUTES");

CLI::App* add_demo(CLI::App& app, DemoOptions& demo) {
  auto* demo_cmd = app.add_subcommand("demo", "train a small MLP on synthetic data and print the loss falling");
  demo_cmd->add_option("--seed", demo.seed, "random seed")->check(kSeed);
  demo_cmd->add_option("--steps", demo.steps, "training steps")->check(kCount);
  demo_cmd->add_option("--threads", demo.threads, "OpenMP threads (0: default)")->check(kCountOrZero);
  return demo_cmd;
}

CLI::App* add_train(CLI::App& app, TrainCmdOptions& tr) {
  auto* train_cmd = app.add_subcommand("train", "train a preset (configs/*.toml) and print the test table");
  train_cmd->add_option("--config", tr.config, "preset file, e.g. configs/sasrec_paper.toml")
      ->required()
      ->check(CLI::ExistingFile);
  train_cmd->add_option("--seed", tr.seed, "random seed")->check(kSeed);
  train_cmd->add_option("--epochs", tr.epochs, "override the preset's epochs")->check(kCount);
  train_cmd->add_option("--eval-every", tr.eval_every, "validate every N epochs (and at the last)")->check(kCount);
  train_cmd->add_option("--data-dir", tr.data_dir, "data directory (else $RECGRAD_DATA, ./data, ../shared/data)");
  train_cmd->add_option("--matmul", tr.matmul, "override the preset's [train] matmul: float32 or bf16")
      ->check(CLI::IsMember({"float32", "bf16"}));
  train_cmd->add_option("--threads", tr.threads, "OpenMP threads (0: all)")->check(kCountOrZero);
  train_cmd->add_option("--device", tr.device, "train on cpu or cuda (a build with -DRECGRAD_CUDA=ON)")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  train_cmd->add_option("--metrics-out", tr.metrics_out, "write the metrics as JSON");
  train_cmd->add_option("--run-dir", tr.run_dir, "where checkpoints go (default runs/<preset>-seed<seed>)");
  train_cmd->add_option("--resume", tr.resume, "continue from a last.safetensors")->check(CLI::ExistingFile);
  train_cmd
      ->add_option("--time-budget", tr.time_budget,
                   "stop cleanly after this many minutes (mid-epoch too) with a resumable last.safetensors")
      ->check(kMinutes);
  train_cmd->add_flag("--plots", tr.plots,
                      "write the training curves (and an attention map) as PNGs to <run-dir>/plots (needs gnuplot)");
  train_cmd->add_flag("--detect-anomaly", tr.detect_anomaly,
                      "stop at the first op whose forward or backward makes a NaN or an Inf (slower)");
  return train_cmd;
}

CLI::App* add_evaluate(CLI::App& app, EvaluateCmdOptions& ev) {
  auto* eval_cmd =
      app.add_subcommand("evaluate", "evaluate a saved model (best.safetensors) under its preset's protocol");
  eval_cmd->add_option("--config", ev.config, "the preset it was trained with")->required()->check(CLI::ExistingFile);
  eval_cmd->add_option("--checkpoint", ev.checkpoint, "e.g. runs/sasrec_paper-seed42/best.safetensors")
      ->required()
      ->check(CLI::ExistingFile);
  eval_cmd->add_option("--seed", ev.seed, "seed of the sampled-100 negatives")->check(kSeed);
  eval_cmd->add_option("--data-dir", ev.data_dir, "data directory (else $RECGRAD_DATA, ./data, ../shared/data)");
  eval_cmd->add_option("--threads", ev.threads, "OpenMP threads (0: all)")->check(kCountOrZero);
  eval_cmd->add_option("--device", ev.device, "evaluate on cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  eval_cmd->add_option("--metrics-out", ev.metrics_out, "write the metrics as JSON");
  return eval_cmd;
}

CLI::App* add_reproduce(CLI::App& app, ReproduceOptions& rep) {
  auto* rep_cmd = app.add_subcommand("reproduce",
                                     "run a protocol's preset over several seeds and compare with the published range");
  rep_cmd->add_option("protocol", rep.protocol, "protocol tag (chapter)")->required();
  rep_cmd->add_option("--model", rep.model, "model (sasrec | hstu)");
  rep_cmd->add_option("--seeds", rep.seeds, "number of seeds")->check(kCount);
  rep_cmd->add_option("--first-seed", rep.first_seed, "first seed")->check(kCountOrZero);
  rep_cmd->add_option("--data-dir", rep.data_dir, "data directory (else $RECGRAD_DATA, ./data, ../shared/data)");
  rep_cmd->add_option("--threads", rep.threads, "OpenMP threads (0: all)")->check(kCountOrZero);
  rep_cmd->add_option("--device", rep.device, "train on cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  rep_cmd->add_flag("--funrec-no-ffn-residual", rep.funrec_no_ffn_residual,
                    "reproduce fun-rec's defect: the feed-forward block without its residual");
  rep_cmd->add_option("--metrics-out", rep.metrics_out, "write one JSON line of metrics per seed to this file");
  rep_cmd->add_flag("--baselines", rep.baselines,
                    "add popularity and random rankings under the same protocol, and per seed: distinct top-10 lists, "
                    "HR@10 with the history removed, by dot product, and under sampled-100");
  return rep_cmd;
}

CLI::App* add_semantic_ids(CLI::App& app, SemanticIdsCmdOptions& sem) {
  auto* sem_cmd = app.add_subcommand(
      "semantic-ids",
      "build a TIGER preset's content vectors and RQ-VAE; write item -> semantic ID with the codebook figures");
  sem_cmd->add_option("--config", sem.config, "a TIGER preset, e.g. configs/tiger_beauty.toml")
      ->required()
      ->check(CLI::ExistingFile);
  sem_cmd->add_option("--seed", sem.seed, "random seed")->check(kSeed);
  sem_cmd->add_option("--data-dir", sem.data_dir, "data directory (else $RECGRAD_DATA, ./data, ../shared/data)");
  sem_cmd->add_option("--threads", sem.threads, "OpenMP threads (0: all)")->check(kCountOrZero);
  sem_cmd->add_option("--device", sem.device, "train the RQ-VAE on cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  sem_cmd->add_option("--out", sem.out, "the table (default runs/<preset>-semantic_ids.tsv)");
  sem_cmd->add_option("--metrics-out", sem.metrics_out, "write the codebook figures as JSON");
  sem_cmd->add_flag("--plots", sem.plots, "write the codebook usage as a PNG beside the table (needs gnuplot)");
  sem_cmd
      ->add_option("--neighbours", sem.neighbours, "raw item ids whose 5 nearest items by content vector are printed")
      ->delimiter(',');
  return sem_cmd;
}

}  // namespace

int main(int argc, char** argv) {
  namespace dp = recgrad::training::dp;
  if (!dp::launched_by_mpirun()) recgrad::ensure_thread_binding(argv);  // under mpirun, mpirun binds the ranks
  dp::init(argc, argv);
  CLI::App app{"recgrad: generative recall (SASRec, HSTU, TIGER) on a from-scratch autograd engine"};
  app.require_subcommand(1);
  DemoOptions demo;
  TrainCmdOptions tr;
  EvaluateCmdOptions ev;
  ReproduceOptions rep;
  SemanticIdsCmdOptions sem;
  auto* demo_cmd = add_demo(app, demo);
  auto* train_cmd = add_train(app, tr);
  auto* eval_cmd = add_evaluate(app, ev);
  auto* rep_cmd = add_reproduce(app, rep);
  auto* sem_cmd = add_semantic_ids(app, sem);
  int rc = 0;
  try {
    app.parse(argc, argv);
    if (dp::world().active() && !train_cmd->parsed())  // the others would each run alone and write the same files
      throw std::invalid_argument("under mpirun only `recgrad train` runs data-parallel; start " +
                                  app.get_subcommands().front()->get_name() + " without mpirun");
    if (demo_cmd->parsed()) rc = run_demo(demo);
    if (rep_cmd->parsed()) rc = run_reproduce(rep);
    if (train_cmd->parsed()) rc = run_train(tr);
    if (eval_cmd->parsed()) rc = run_evaluate(ev);
    if (sem_cmd->parsed()) rc = run_semantic_ids(sem);
  } catch (const CLI::ParseError& e) {
    rc = app.exit(e);
  } catch (const std::exception& e) {
    const std::string rank = dp::world().active() ? " (rank " + std::to_string(dp::world().rank) + " of " +
                                                        std::to_string(dp::world().size) + ")"
                                                  : "";
    const std::string message = "recgrad: error" + rank + ": " + e.what() + "\n";
    std::fputs(message.c_str(), stderr);  // one write: the ranks' lines do not interleave
    dp::abort_all(2);                     // in parallel the other ranks would wait for this one forever
    rc = 2;
  }
  dp::finalize();
  return rc;
}
