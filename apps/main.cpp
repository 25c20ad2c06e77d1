// recgrad — the command-line entry point.
//   build/recgrad demo [--seed N] [--steps N] [--threads N]
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "apps/demo.hpp"
#include "autograd/threads.hpp"

int main(int argc, char** argv) {
  recgrad::ensure_thread_binding(argv);
  CLI::App app{"recgrad: generative recall (SASRec, HSTU, TIGER) on a from-scratch autograd engine"};
  app.require_subcommand(1);

  recgrad::apps::DemoOptions demo;
  auto* demo_cmd = app.add_subcommand("demo", "train a small MLP on synthetic data and print the loss falling");
  demo_cmd->add_option("--seed", demo.seed, "random seed");
  demo_cmd->add_option("--steps", demo.steps, "training steps")->check(CLI::PositiveNumber);
  demo_cmd->add_option("--threads", demo.threads, "OpenMP threads (0: default)")->check(CLI::NonNegativeNumber);

  CLI11_PARSE(app, argc, argv);
  try {
    if (demo_cmd->parsed()) return recgrad::apps::run_demo(demo);
  } catch (const std::exception& e) {
    std::cerr << "recgrad: error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
