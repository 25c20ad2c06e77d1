#include "training/checkpoints.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "autograd/anomaly.hpp"
#include "nn/checkpoint.hpp"
#include "training/optimizer_step.hpp"

namespace recgrad::training {

namespace {
const std::string kTaskPrefix = "task.";

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
    c.epoch = std::stoi(meta("epoch"));
    task.optimizer().set_steps(std::stoll(meta("adam_steps")));
    task.generator().set_state(std::stoull(meta("gen_seed")), std::stoull(meta("gen_counter")));
    c.best_epoch = std::stoi(meta("best_epoch"));
    c.best_value = std::stod(meta("best_value"));
    c.best_valid = nlohmann::json::parse(meta("best_valid")).get<Metrics>();
    c.train_seconds = std::stod(meta("train_seconds"));
    if (md.count("history")) c.history = md.at("history");  // older checkpoints have none
    if (md.count("step_in_epoch")) {
      c.step_in_epoch = std::stoull(meta("step_in_epoch"));
      c.epoch_loss_sum = std::stod(meta("epoch_loss_sum"));
      for (const auto& [k, v] : md)
        if (k.rfind(kTaskPrefix, 0) == 0) c.task_state[k.substr(kTaskPrefix.size())] = v;
    }
  } catch (const std::logic_error& e) {  // std::stoi's invalid_argument/out_of_range, json's errors
    throw std::runtime_error(path.string() + ": corrupt training metadata (" + e.what() + ")");
  }
  const auto corrupt = [&](const std::string& what) {
    return std::runtime_error(path.string() + ": corrupt training metadata (" + what + ")");
  };
  if (c.epoch < 0) throw corrupt("epoch " + meta("epoch"));
  if (c.epoch > max_epoch)
    throw std::runtime_error(path.string() + " was saved after epoch " + meta("epoch") + ", beyond this run's " +
                             std::to_string(max_epoch) + " epochs (--epochs or the preset's [train] epochs)");
  if (c.best_epoch < 0 || c.best_epoch > c.epoch)
    throw corrupt("best epoch " + meta("best_epoch") + " outside [0, epoch " + meta("epoch") + "]");
  if (task.optimizer().steps() < 0) throw corrupt("adam_steps " + meta("adam_steps"));
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
