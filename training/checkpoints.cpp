#include "training/checkpoints.hpp"

#include <charconv>
#include <climits>
#include <cmath>
#include <cstdint>
#include <stdexcept>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "autograd/anomaly.hpp"
#include "nn/checkpoint.hpp"
#include "training/optimizer_step.hpp"

namespace recgrad::training {

namespace {
const std::string kTaskPrefix = "task.";
constexpr std::int64_t kMaxEpochs = 1'000'000;  // the presets' own bound on [train] epochs

// A metadata value that must be a whole decimal number in [lo, hi], all of it ("12abc", "-1" for an
// unsigned value, "1e3" are refused, not read as 12, 2^64 − 1 or 1).
template <class T>
T whole(const std::string& text, const std::string& key, T lo, T hi) {
  T v{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi)
    throw std::invalid_argument(key + " '" + text + "' is not a whole number in [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "]");
  return v;
}

// A metadata value that must be a finite number, all of it.
double real(const std::string& text, const std::string& key) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::logic_error&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || !std::isfinite(v))
    throw std::invalid_argument(key + " '" + text + "' is not a finite number");
  return v;
}

// Throws, naming `where` and the tensor, when a parameter or an optimizer moment holds a NaN or an Inf.
void check_finite_tensors(const nn::NamedTensors& tensors, const std::string& where) {
  for (const auto& [name, t] : tensors)
    if (const std::int64_t at = first_non_finite(t); at >= 0)
      throw std::runtime_error(where + ": tensor '" + name + "' " + shape_str(t.shape()) +
                               " holds a NaN or an Inf at flat index " + std::to_string(at));
}
}  // namespace

void save_checkpoint(const std::filesystem::path& path, Task& task, const LoopCheckpoint& c, std::uint64_t seed,
                     const std::string& preset) {
  const Generator& gen = task.generator();
  std::map<std::string, std::string> md{{"epoch", std::to_string(c.epoch)},
                                        {"adam_steps", std::to_string(task.optimizer().steps())},
                                        {"gen_seed", std::to_string(gen.seed())},
                                        {"gen_counter", std::to_string(gen.counter())},
                                        {"best_epoch", std::to_string(c.best_epoch)},
                                        {"best_value", fmt::format("{:.17g}", c.best_value)},
                                        {"best_valid", nlohmann::json(c.best_valid).dump()},
                                        {"train_seconds", fmt::format("{:.3f}", c.train_seconds)},
                                        {"history", c.history},
                                        {"seed", std::to_string(seed)},
                                        {"preset", preset}};
  if (c.step_in_epoch > 0) {
    md["step_in_epoch"] = std::to_string(c.step_in_epoch);
    md["epoch_loss_sum"] = fmt::format("{:.17g}", c.epoch_loss_sum);
    for (const auto& [k, v] : c.task_state) md[kTaskPrefix + k] = v;
  }
  const nn::NamedTensors tensors = checkpoint_tensors(task.model(), task.optimizer());
  check_finite_tensors(tensors, path.string() + ": not written (the previous checkpoint stays)");
  nn::save_safetensors(path, tensors, md);
}

LoopCheckpoint load_checkpoint(const std::filesystem::path& path, Task& task, const std::string& preset,
                               std::uint64_t seed, int max_epoch) {
  const auto md = nn::load_safetensors(path).metadata;
  // A value of the checkpoint's metadata, or a message saying this is not a last.safetensors of `train`.
  const auto meta = [&](const char* key) -> const std::string& {
    const auto it = md.find(key);
    if (it == md.end())
      throw std::runtime_error(path.string() + ": no '" + key + "' in its metadata: --resume takes the " +
                               "last.safetensors of a `recgrad train` run (best.safetensors holds weights only)");
    return it->second;
  };
  meta("adam_steps");  // first: a weights-only best.safetensors gets this message, not a list of missing tensors
  nn::load_into(path, checkpoint_tensors(task.model(), task.optimizer()));
  check_finite_tensors(checkpoint_tensors(task.model(), task.optimizer()), path.string() + ": corrupt checkpoint");
  LoopCheckpoint c;
  try {
    c.epoch = static_cast<int>(whole<std::int64_t>(meta("epoch"), "epoch", 0, kMaxEpochs));
    task.optimizer().set_steps(whole<std::int64_t>(meta("adam_steps"), "adam_steps", 0, INT64_MAX));
    task.generator().set_state(whole<std::uint64_t>(meta("gen_seed"), "gen_seed", 0, UINT64_MAX),
                               whole<std::uint64_t>(meta("gen_counter"), "gen_counter", 0, UINT64_MAX));
    c.best_epoch = static_cast<int>(whole<std::int64_t>(meta("best_epoch"), "best_epoch", 0, kMaxEpochs));
    c.best_value = real(meta("best_value"), "best_value");
    c.best_valid = nlohmann::json::parse(meta("best_valid")).get<Metrics>();
    c.train_seconds = real(meta("train_seconds"), "train_seconds");
    if (md.count("history")) c.history = md.at("history");  // older checkpoints have none
    if (md.count("step_in_epoch")) {
      c.step_in_epoch = whole<std::uint64_t>(meta("step_in_epoch"), "step_in_epoch", 0, UINT64_MAX);
      c.epoch_loss_sum = real(meta("epoch_loss_sum"), "epoch_loss_sum");
      for (const auto& [k, v] : md)  // every task's epoch state is a sampler's position: unsigned 64-bit numbers
        if (k.rfind(kTaskPrefix, 0) == 0)
          c.task_state[k.substr(kTaskPrefix.size())] = std::to_string(whole<std::uint64_t>(v, k, 0, UINT64_MAX));
    }
  } catch (const std::logic_error& e) {  // the parsers' invalid_argument, json's errors
    throw std::runtime_error(path.string() + ": corrupt training metadata (" + e.what() + ")");
  }
  const auto corrupt = [&](const std::string& what) {
    return std::runtime_error(path.string() + ": corrupt training metadata (" + what + ")");
  };
  if (c.epoch > max_epoch)
    throw std::runtime_error(path.string() + " was saved after epoch " + meta("epoch") + ", beyond this run's " +
                             std::to_string(max_epoch) + " epochs (--epochs or the preset's [train] epochs)");
  if (c.best_epoch < 0 || c.best_epoch > c.epoch)
    throw corrupt("best epoch " + meta("best_epoch") + " outside [0, epoch " + meta("epoch") + "]");
  if (!(c.train_seconds >= 0) || !std::isfinite(c.train_seconds))
    throw corrupt("train_seconds " + meta("train_seconds"));
  if (md.count("seed") && md.at("seed") != std::to_string(seed))
    throw std::runtime_error(path.string() + " was started with --seed " + md.at("seed") +
                             "; resume it with that seed (this run has --seed " + std::to_string(seed) +
                             ", which would draw other negatives and dropout masks)");
  if (md.count("preset") && md.at("preset") != preset)
    fmt::print(stderr, "warning: {} was written by preset '{}', resuming with '{}'\n", path.string(), md.at("preset"),
               preset);
  return c;
}

std::string history_json(const std::vector<EpochLog>& h) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& e : h)
    j.push_back({{"epoch", e.epoch}, {"loss", e.loss}, {"valid", e.valid}, {"valid_all", e.valid_all}});
  return j.dump();
}

std::vector<EpochLog> history_of(const std::string& text, const std::filesystem::path& path) {
  std::vector<EpochLog> h;
  if (text.empty()) return h;
  try {
    for (const auto& e : nlohmann::json::parse(text))
      h.push_back({e.at("epoch").get<int>(), e.at("loss").get<double>(), e.at("valid").get<double>(),
                   e.at("valid_all").get<Metrics>()});
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path.string() + ": corrupt training metadata (history: " + e.what() + ")");
  }
  return h;
}

}  // namespace recgrad::training
