#include "training/loop.hpp"

#include <unistd.h>

#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>

#include <fmt/core.h>

#include "autograd/anomaly.hpp"
#include "nn/checkpoint.hpp"
#include "training/checkpoints.hpp"
#include "training/data_parallel.hpp"

namespace recgrad::training {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// What the loop carries from epoch to epoch (and through a checkpoint).
struct LoopState {
  TrainResult result;
  double best = -1;  // the best validation value so far
  int start_epoch = 1;
  std::size_t first_step = 0;  // a mid-epoch resume: the next step of start_epoch, its losses so far and
  double first_loss_sum = 0;   // the task's epoch state
  double epoch_share = 1;      // the share of the current epoch this process ran (for its throughput)
  std::map<std::string, std::string> task_state;
  nn::NamedTensors best_weights;  // the best epoch's parameters, kept only when there is no run directory
  Clock::time_point started = Clock::now();
};

void resume_from(const std::filesystem::path& path, Task& task, const LoopOptions& opt, LoopState& s) {
  const LoopCheckpoint c = load_checkpoint(path, task, opt.preset, opt.seed, opt.epochs);
  s.result.history = history_of(c.history, path);
  s.start_epoch = c.epoch + 1;
  s.result.best_epoch = c.best_epoch;
  s.best = c.best_value;
  s.result.valid = c.best_valid;
  s.result.train_seconds = c.train_seconds;
  s.first_step = c.step_in_epoch;
  s.first_loss_sum = c.epoch_loss_sum;
  s.task_state = c.task_state;
  if (opt.progress)
    fmt::print("resumed from {} after epoch {}{}\n", path.string(), c.epoch,
               c.step_in_epoch ? fmt::format(" and {} steps of epoch {}", c.step_in_epoch, c.epoch + 1) : "");
}

// last.safetensors after `finished` epochs (and, stopped mid-epoch, `step` steps of the next with `loss_sum`).
void save_last(Task& task, const LoopOptions& opt, const LoopState& s, int finished, std::size_t step = 0,
               double loss_sum = 0) {
  if (opt.run_dir.empty() || !dp::world().root()) return;  // in parallel, rank 0 writes
  LoopCheckpoint c;
  c.epoch = finished;
  c.best_epoch = s.result.best_epoch;
  c.best_value = s.best;
  c.best_valid = s.result.valid;
  c.train_seconds = s.result.train_seconds;
  c.history = history_json(s.result.history);
  c.step_in_epoch = step;
  c.epoch_loss_sum = loss_sum;
  if (step > 0) c.task_state = task.epoch_state();
  save_checkpoint(opt.run_dir / "last.safetensors", task, c, opt.seed, opt.preset);
}

// True when the run must stop now: its time budget is spent, or the caller asks (tests stop at a given step).
bool stop_requested(const LoopOptions& opt, const LoopState& s, int epoch, std::size_t steps_done) {
  if (opt.time_budget_s > 0 && seconds_since(s.started) >= opt.time_budget_s) return true;
  return opt.stop_request && opt.stop_request(epoch, steps_done);
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

// Every step of one epoch; returns the mean loss, or nothing when the run was stopped inside the epoch (then
// last.safetensors holds the steps done). A live bar on a terminal, else a line every kLineEvery steps.
std::optional<double> run_epoch(Task& task, const LoopOptions& opt, int epoch, LoopState& s, Clock::time_point t0) {
  constexpr std::size_t kLineEvery = 100;
  // a live bar on a terminal (mpirun hands its ranks a pseudo-terminal, but merges their lines: lines there)
  const bool tty = opt.progress && ::isatty(STDOUT_FILENO) && !dp::world().active();
  const std::size_t nsteps = task.begin_epoch(epoch);
  std::size_t first = 0;
  double loss_sum = 0;
  if (s.first_step > 0) {  // resuming inside this epoch: its samplers where they stopped
    task.restore_epoch_state(s.task_state);
    std::swap(first, s.first_step);
    loss_sum = s.first_loss_sum;
  }
  s.epoch_share = nsteps ? static_cast<double>(nsteps - first) / static_cast<double>(nsteps) : 1.0;
  for (std::size_t b = first; b < nsteps; ++b) {
    try {
      s.result.last_loss = task.step(b);
    } catch (const std::exception& e) {
      throw_at_step(e, epoch, b + 1, nsteps, opt.run_dir);
    }
    loss_sum += s.result.last_loss;
    s.result.step_losses.push_back(s.result.last_loss);
    if (b + 1 < nsteps && dp::any(stop_requested(opt, s, epoch, b + 1))) {  // every process stops at one step
      s.result.train_seconds += seconds_since(t0);
      save_last(task, opt, s, epoch - 1, b + 1, loss_sum);
      s.result.stopped = fmt::format("epoch {} step {}/{}", epoch, b + 1, nsteps);
      return std::nullopt;
    }
    const bool line = opt.progress && nsteps >= 2 * kLineEvery && (b + 1) % kLineEvery == 0;
    if (tty || line) {
      const double el = seconds_since(t0),
                   done = static_cast<double>(b + 1 - first) / static_cast<double>(nsteps - first);
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
  s.result.history.back().valid_all = valid;
  std::string tail = fmt::format("  valid {} {:.4f} ({:.1f} s)", opt.select_metric, it->second, seconds_since(t0));
  if (it->second > s.best) {
    s.best = it->second;
    s.result.best_epoch = epoch;
    s.result.valid = valid;
    tail += "  (best)";
    if (opt.run_dir.empty()) {  // no best.safetensors to read back at the end: keep a copy
      s.best_weights.clear();
      for (const auto& [name, p] : task.model().named_parameters())
        s.best_weights.emplace_back(name, p.detach().clone());
    } else {
      nn::save_safetensors(
          opt.run_dir / "best.safetensors", task.model().named_parameters(),
          {{"epoch", std::to_string(epoch)}, {"seed", std::to_string(opt.seed)}, {"preset", opt.preset}});
    }
  }
  return tail;
}

// Puts the best epoch's weights back: from best.safetensors, or from memory when the run has no directory.
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
    throw std::runtime_error(fmt::format("train: the best epoch ({}) has no weights to test: {} is missing",
                                         s.result.best_epoch, best.string()));
  nn::load_into(best, task.model().named_parameters());
}

}  // namespace

TrainResult train(Task& task, const LoopOptions& opt) {
  LoopState s;
  if (!opt.resume.empty()) resume_from(opt.resume, task, opt, s);
  if (!opt.run_dir.empty() && dp::world().root()) std::filesystem::create_directories(opt.run_dir);
  std::optional<DetectAnomalyGuard> anomaly;
  if (opt.detect_anomaly) anomaly.emplace();
  for (int epoch = s.start_epoch; epoch <= opt.epochs; ++epoch) {
    const auto t0 = Clock::now();
    const std::optional<double> loss = run_epoch(task, opt, epoch, s, t0);
    if (!loss) return s.result;  // stopped inside the epoch
    const double secs = seconds_since(t0);
    s.result.train_seconds += secs;
    s.result.history.push_back({epoch, *loss, -1, {}});
    std::string line =
        fmt::format("epoch {:3d}/{}  loss {:.4f}{}  {:.1f} s  {:.0f} {}/s  ETA {:.1f} min", epoch, opt.epochs, *loss,
                    task.epoch_note(), secs, s.epoch_share * static_cast<double>(task.epoch_samples()) / secs,
                    task.sample_unit(), secs * (opt.epochs - epoch) / 60.0);
    if (!task.has_validation())
      s.result.best_epoch = epoch;
    else if ((epoch % opt.eval_every == 0 || epoch == opt.epochs) && dp::world().root())  // rank 0 validates
      line += validate(task, opt, epoch, s);
    if (opt.progress) fmt::print("{}{}\n", ::isatty(STDOUT_FILENO) && !dp::world().active() ? "\r" : "", line);
    std::fflush(stdout);
    save_last(task, opt, s, epoch);
    if (epoch < opt.epochs && dp::any(stop_requested(opt, s, epoch + 1, 0))) {
      s.result.stopped = fmt::format("after epoch {}", epoch);
      return s.result;
    }
  }
  if (!opt.test || !dp::world().root()) return s.result;  // rank 0 tests
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
  lo.time_budget_s = opt.time_budget_minutes * 60.0;
  lo.stop_request = opt.stop_request;
  return lo;
}

}  // namespace recgrad::training
