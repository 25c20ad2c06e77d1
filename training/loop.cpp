#include "training/loop.hpp"

#include <unistd.h>

#include <chrono>
#include <optional>
#include <stdexcept>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "autograd/anomaly.hpp"
#include "nn/checkpoint.hpp"
#include "training/optimizer_step.hpp"

namespace recgrad::training {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// What the loop carries from epoch to epoch (and through a checkpoint).
struct LoopState {
  TrainResult result;
  double best = -1;  // the best validation value so far
  int start_epoch = 1;
  nn::NamedTensors best_weights;  // a copy of the best epoch's parameters (this process's)
};

// Restores the task and the loop from a last.safetensors; every metadata value is checked.
void resume_from(const std::filesystem::path& path, Task& task, const LoopOptions& opt, LoopState& s) {
  const auto md = nn::load_safetensors(path).metadata;
  // A value of the checkpoint's metadata, or a message saying this is not a last.safetensors of `train`.
  const auto meta = [&](const char* key) -> const std::string& {
    const auto it = md.find(key);
    if (it == md.end())
      throw std::runtime_error(path.string() + ": no '" + key + "' in its metadata: --resume takes the " +
                               "last.safetensors of a `recgrad train` run (best.safetensors holds weights only)");
    return it->second;
  };
  meta(
      "adam_steps");  // first, so that a weights-only best.safetensors gets this message, not a list of missing tensors
  nn::load_into(path, checkpoint_tensors(task.model(), task.optimizer()));
  try {
    s.start_epoch = std::stoi(meta("epoch")) + 1;
    task.optimizer().set_steps(std::stoll(meta("adam_steps")));
    task.generator().set_state(std::stoull(meta("gen_seed")), std::stoull(meta("gen_counter")));
    s.result.best_epoch = std::stoi(meta("best_epoch"));
    s.best = std::stod(meta("best_value"));
    s.result.valid = nlohmann::json::parse(meta("best_valid")).get<Metrics>();
    s.result.train_seconds = std::stod(meta("train_seconds"));
  } catch (const std::logic_error& e) {  // std::stoi's invalid_argument/out_of_range, json's errors
    throw std::runtime_error(path.string() + ": corrupt training metadata (" + e.what() + ")");
  }
  if (md.count("preset") && md.at("preset") != opt.preset)
    fmt::print(stderr, "warning: {} was written by preset '{}', resuming with '{}'\n", path.string(), md.at("preset"),
               opt.preset);
  if (opt.progress) fmt::print("resumed from {} after epoch {}\n", path.string(), s.start_epoch - 1);
}

void save_last(Task& task, const LoopOptions& opt, const LoopState& s, int epoch) {
  const Generator& gen = task.generator();
  nn::save_safetensors(opt.run_dir / "last.safetensors", checkpoint_tensors(task.model(), task.optimizer()),
                       {{"epoch", std::to_string(epoch)},
                        {"adam_steps", std::to_string(task.optimizer().steps())},
                        {"gen_seed", std::to_string(gen.seed())},
                        {"gen_counter", std::to_string(gen.counter())},
                        {"best_epoch", std::to_string(s.result.best_epoch)},
                        {"best_value", fmt::format("{:.17g}", s.best)},
                        {"best_valid", nlohmann::json(s.result.valid).dump()},
                        {"train_seconds", fmt::format("{:.3f}", s.result.train_seconds)},
                        {"preset", opt.preset}});
}

// Rethrows a failed step's error with where it happened and what is safe on disk. An AnomalyError stays one
// (callers tell the anomaly path from others by type).
[[noreturn]] void throw_at_step(const std::exception& e, int epoch, std::size_t step, std::size_t nsteps,
                                const std::filesystem::path& run_dir) {
  std::string where = fmt::format("epoch {} step {}/{}: {}", epoch, step, nsteps, e.what());
  const auto last = run_dir / "last.safetensors";
  if (!run_dir.empty() && std::filesystem::exists(last))
    where += fmt::format("\n  nothing was written this epoch; {} holds the last finished epoch (--resume it)",
                         last.string());
  if (dynamic_cast<const AnomalyError*>(&e)) throw AnomalyError(where);
  throw std::runtime_error(where);
}

// Every step of one epoch; returns the mean loss. A live bar on a terminal, else a line every kLineEvery steps.
double run_epoch(Task& task, const LoopOptions& opt, int epoch, LoopState& s, Clock::time_point t0) {
  constexpr std::size_t kLineEvery = 100;
  const bool tty = opt.progress && ::isatty(STDOUT_FILENO);
  const std::size_t nsteps = task.begin_epoch(epoch);
  double loss_sum = 0;
  for (std::size_t b = 0; b < nsteps; ++b) {
    try {
      s.result.last_loss = task.step(b);
    } catch (const std::exception& e) {
      throw_at_step(e, epoch, b + 1, nsteps, opt.run_dir);
    }
    loss_sum += s.result.last_loss;
    s.result.step_losses.push_back(s.result.last_loss);
    const bool line = opt.progress && nsteps >= 2 * kLineEvery && (b + 1) % kLineEvery == 0;
    if (tty || line) {
      const double el = seconds_since(t0), done = static_cast<double>(b + 1) / static_cast<double>(nsteps);
      fmt::print("{}  epoch {}/{} step {}/{}  loss {:.4f}  {:.0f} {}/s  epoch ends in about {:.0f} s{}",
                 tty ? "\r" : "", epoch, opt.epochs, b + 1, nsteps, loss_sum / static_cast<double>(b + 1),
                 done * static_cast<double>(task.epoch_samples()) / el, task.sample_unit(), el / done - el,
                 tty ? "" : "\n");
      std::fflush(stdout);
    }
  }
  return nsteps ? loss_sum / static_cast<double>(nsteps) : 0.0;
}

// Validates, keeps the best epoch (its weights in memory and in best.safetensors); returns the line's tail.
std::string validate(Task& task, const LoopOptions& opt, int epoch, LoopState& s) {
  const auto t0 = Clock::now();
  const Metrics valid = task.validate();
  const auto it = valid.find(opt.select_metric);
  if (it == valid.end()) throw std::invalid_argument("train: the validation computes no '" + opt.select_metric + "'");
  s.result.history.back().valid = it->second;
  std::string tail = fmt::format("  valid {} {:.4f} ({:.1f} s)", opt.select_metric, it->second, seconds_since(t0));
  if (it->second > s.best) {
    s.best = it->second;
    s.result.best_epoch = epoch;
    s.result.valid = valid;
    s.best_weights.clear();
    for (const auto& [name, p] : task.model().named_parameters()) s.best_weights.emplace_back(name, p.detach().clone());
    tail += "  (best)";
    if (!opt.run_dir.empty())
      nn::save_safetensors(
          opt.run_dir / "best.safetensors", task.model().named_parameters(),
          {{"epoch", std::to_string(epoch)}, {"seed", std::to_string(opt.seed)}, {"preset", opt.preset}});
  }
  return tail;
}

// Puts the best epoch's weights back (from memory, or from best.safetensors when it was found before a resume).
void restore_best(Task& task, const LoopOptions& opt, const LoopState& s) {
  if (!s.best_weights.empty()) {
    NoGradGuard no_grad;
    const auto params = task.model().named_parameters();
    for (std::size_t i = 0; i < params.size(); ++i) {
      Tensor p = params[i].second;  // shares the parameter's storage
      p.copy_(s.best_weights[i].second);
    }
    return;
  }
  const auto best = opt.run_dir / "best.safetensors";
  if (opt.run_dir.empty() || !std::filesystem::exists(best))
    throw std::runtime_error(
        fmt::format("train: the best epoch ({}) came before the resume and {} is missing: cannot test it",
                    s.result.best_epoch, best.string()));
  nn::load_into(best, task.model().named_parameters());
}

}  // namespace

TrainResult train(Task& task, const LoopOptions& opt) {
  LoopState s;
  if (!opt.resume.empty()) resume_from(opt.resume, task, opt, s);
  if (!opt.run_dir.empty()) std::filesystem::create_directories(opt.run_dir);
  std::optional<DetectAnomalyGuard> anomaly;
  if (opt.detect_anomaly) anomaly.emplace();
  for (int epoch = s.start_epoch; epoch <= opt.epochs; ++epoch) {
    const auto t0 = Clock::now();
    const double loss = run_epoch(task, opt, epoch, s, t0);
    const double secs = seconds_since(t0);
    s.result.train_seconds += secs;
    s.result.history.push_back({epoch, loss, -1});
    std::string line =
        fmt::format("epoch {:3d}/{}  loss {:.4f}{}  {:.1f} s  {:.0f} {}/s  ETA {:.1f} min", epoch, opt.epochs, loss,
                    task.epoch_note(), secs, static_cast<double>(task.epoch_samples()) / secs, task.sample_unit(),
                    secs * (opt.epochs - epoch) / 60.0);
    if (!task.has_validation())
      s.result.best_epoch = epoch;
    else if (epoch % opt.eval_every == 0 || epoch == opt.epochs)
      line += validate(task, opt, epoch, s);
    if (opt.progress) fmt::print("{}{}\n", opt.progress && ::isatty(STDOUT_FILENO) ? "\r" : "", line);
    std::fflush(stdout);
    if (!opt.run_dir.empty()) save_last(task, opt, s, epoch);
  }
  if (!opt.test) return s.result;
  if (task.has_validation() && s.result.best_epoch != opt.epochs) restore_best(task, opt, s);
  s.result.test = task.test();
  return s.result;
}

LoopOptions loop_options(const TrainConfig& cfg, const TrainOptions& opt) {
  LoopOptions lo;
  lo.epochs = cfg.train.epochs;
  lo.eval_every = cfg.train.eval_every;
  lo.select_metric = cfg.eval.select_metric;
  lo.seed = opt.seed;
  lo.preset = cfg.preset;
  lo.run_dir = opt.run_dir;
  lo.resume = opt.resume;
  lo.progress = opt.progress;
  lo.detect_anomaly = opt.detect_anomaly;
  return lo;
}

}  // namespace recgrad::training
