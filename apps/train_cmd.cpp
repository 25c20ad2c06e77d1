// Trains one preset for one seed and prints the test table in the chapter's layout, the protocol
// named above it; --metrics-out writes the same numbers as JSON.
#include "apps/train_cmd.hpp"
#include "autograd/kernels/matmul_precision.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "apps/config.hpp"
#include "apps/outputs.hpp"
#include "apps/plots.hpp"
#include "autograd/threads.hpp"
#include "datasets/data_dir.hpp"
#include "training/chapter_task.hpp"
#include "training/data_parallel.hpp"
#include "training/evaluation.hpp"
#include "training/sequential_task.hpp"
#include "training/tiger_task.hpp"

namespace recgrad::apps {

namespace {

// hit_rate@10 | hit_rate@5 | ndcg@10 | ndcg@5 first (the chapter's order), then the other ks.
void print_table(const std::string& title, const std::map<std::string, double>& m) {
  std::vector<std::string> cols;
  for (const char* c : {"hit_rate@10", "hit_rate@5", "ndcg@10", "ndcg@5"})
    if (m.count(c)) cols.push_back(c);
  for (const auto& [k, v] : m)
    if (std::find(cols.begin(), cols.end(), k) == cols.end()) cols.push_back(k);
  fmt::print("{}\n", title);
  std::string head, vals;
  for (const auto& c : cols) {
    head += fmt::format("{}{:>11}", head.empty() ? "" : " | ", c);
    vals += fmt::format("{}{:>11.4f}", vals.empty() ? "" : " | ", m.at(c));
  }
  fmt::print("{}\n{}\n", head, vals);
}

// Fails now, before any training, when `file` could not be written later: its folder must exist (or be
// creatable) and take a new file.
// Writes the JSON to `path` (preflight_output resolved it) through a temporary file: a reader never sees half a file.
void write_json_atomically(const std::filesystem::path& path, const nlohmann::json& j) {
  write_text_atomically(path, j.dump(2) + "\n");
}

// --run-dir, or runs/<preset>-seed<seed>.
std::filesystem::path run_dir_of(const TrainCmdOptions& opt, const training::TrainConfig& cfg) {
  if (!opt.run_dir.empty()) return opt.run_dir;
  return "runs/" + cfg.preset.substr(0, cfg.preset.rfind('.')) + "-seed" + std::to_string(opt.seed);
}

// The options of a run: seed, data, run directory (run_train checked it and holds its lock), resume, anomaly mode.
training::TrainOptions run_options(const TrainCmdOptions& opt, const training::TrainConfig& cfg,
                                   const std::filesystem::path& dir) {
  training::TrainOptions to;
  to.seed = opt.seed;
  to.data_dir = dir;
  to.run_dir = run_dir_of(opt, cfg);
  to.resume = opt.resume;
  to.detect_anomaly = opt.detect_anomaly;
  to.time_budget_minutes = opt.time_budget;
  return to;
}

// A cold-start preset's test on the users whose test item was held out of training, and on the others.
void print_cold_warm_tables(const training::Metrics& cold, const training::Metrics& warm, std::int64_t cold_users,
                            std::int64_t cold_items, const std::string& what, const std::string& proto,
                            nlohmann::json& out) {
  if (cold_items == 0) return;
  print_table(fmt::format("{}, users whose test item was held out of training ({} users, {} cold items; {})", what,
                          cold_users, cold_items, proto),
              cold);
  print_table(what + ", the other users (" + proto + ")", warm);
  out.update({{"test_cold", cold}, {"test_warm", warm}, {"cold_users", cold_users}, {"cold_items", cold_items}});
}

// An ID model gives a cold item only its untrained row: the other users again, with the cold items left out of
// the list (what a deployed ID model does with items it has no vector for).
void print_id_model_warm_table(const training::EvalResult& r, const std::string& what, const std::string& proto,
                               nlohmann::json& out) {
  if (r.cold_items == 0) return;
  print_table(what + ", the other users, cold items left out of the list (" + proto + ")", r.test_warm_cold_unranked);
  out.update({{"test_warm_cold_unranked", r.test_warm_cold_unranked}});
}

// TIGER's test table (and, with cold items, the cold and warm users apart), printed and added to `out`.
void print_tiger_tables(const training::TrainConfig& cfg, const training::TigerTest& t, const std::string& what,
                        nlohmann::json& out) {
  const std::string proto = "protocol: " + cfg.protocol + ", full catalogue by constrained beam search, beam " +
                            std::to_string(cfg.tiger.beam) + "; recall@k = hit_rate@k, one target per user";
  print_table(fmt::format("{} ({} users; {})", what, t.users, proto), t.all);
  out.update({{"test", t.all}, {"test_users", t.users}, {"invalid_ids", t.invalid_ids}});
  print_cold_warm_tables(t.cold, t.warm, t.cold_users, t.cold_items, what, proto, out);
}

// The learning curve: validation HR@10 (= Recall@10) and NDCG@10 per validated epoch, else the selection metric.
std::vector<plots::Series> learning_curve(const training::TrainConfig& cfg, const training::TrainResult& r) {
  std::vector<plots::Series> curves;
  for (const char* metric : {"hit_rate@10", "ndcg@10"}) {
    plots::Series c{std::string("validation ") + metric + (metric[0] == 'h' ? " (= recall@10)" : ""), {}, {}};
    for (const auto& e : r.history)
      if (e.valid_all.count(metric)) {
        c.x.push_back(e.epoch);
        c.y.push_back(e.valid_all.at(metric));
      }
    if (!c.x.empty()) curves.push_back(c);
  }
  if (curves.empty()) {
    plots::Series c{"validation " + cfg.eval.select_metric, {}, {}};
    for (const auto& e : r.history)
      if (e.valid >= 0) {
        c.x.push_back(e.epoch);
        c.y.push_back(e.valid);
      }
    curves.push_back(c);
  }
  return curves;
}

// --plots: the loss and the learning curve, and the first test user's attention map (SASRec, HSTU), as PNGs.
void write_plots(const training::TrainConfig& cfg, const training::TrainOptions& to, const training::TrainResult& r) {
  plots::Series loss{"training loss", {}, {}};
  for (const auto& e : r.history) {
    loss.x.push_back(e.epoch);
    loss.y.push_back(e.loss);
  }
  const auto dir = to.run_dir / "plots";
  const std::string what = cfg.preset + ", seed " + std::to_string(to.seed) + " (protocol " + cfg.protocol + ")";
  plots::line_plot({loss}, {what + ": training loss", "epoch", "loss"}, dir / "loss.png");
  plots::line_plot(learning_curve(cfg, r), {what + ": validation", "epoch", "metric"}, dir / "valid.png");
  std::string written = (dir / "loss.png").string() + ", " + (dir / "valid.png").string();
  if (cfg.model != training::ModelKind::tiger) {
    try {
      const Tensor A = training::attention_map(cfg, to, to.run_dir / "best.safetensors", 0);  // (L, L)
      plots::heatmap(A, {what + ": block 1 attention, first test user", "key position", "query position"},
                     dir / "attention.png");
      written += ", " + (dir / "attention.png").string();
    } catch (const std::invalid_argument& e) {
      fmt::print("plots: no attention map ({})\n", e.what());
    }
  }
  fmt::print("plots: {}\n", written);
}

// The chapter protocol: one run of the chapter's budget, tested on every user (no validation split).
nlohmann::json train_chapter_preset(const TrainCmdOptions& opt, const training::TrainConfig& cfg,
                                    const std::filesystem::path& dir) {
  const auto r = training::run_chapter(datasets::read_sequences(dir / cfg.data.file), cfg, opt.seed);
  print_table("test (protocol: chapter; no validation split, as in the chapter)", r.test);
  if (opt.plots) {
    plots::Series loss{"BCE loss", {}, r.step_losses};
    for (std::size_t i = 0; i < r.step_losses.size(); ++i) loss.x.push_back(static_cast<double>(i + 1));
    const auto path = run_dir_of(opt, cfg) / "plots" / "loss.png";
    plots::line_plot({loss}, {cfg.preset + ": training loss (protocol chapter)", "Adam step", "loss"}, path);
    fmt::print("plots: {}\n", path.string());
  }
  return {{"best_epoch", cfg.train.epochs},
          {"train_seconds", r.train_seconds},
          {"valid", nlohmann::json::object()},
          {"test", r.test}};
}

// The learning curve as data: each finished epoch's training loss and, when validated, its validation metrics.
nlohmann::json history_json(const training::TrainResult& r) {
  nlohmann::json h = nlohmann::json::array();
  for (const auto& e : r.history) {
    nlohmann::json row{{"epoch", e.epoch}, {"loss", e.loss}};
    if (!e.valid_all.empty()) row["valid"] = e.valid_all;
    h.push_back(row);
  }
  return h;
}

// A run stopped by --time-budget: where, and the command that continues it. -> the metrics file's content
nlohmann::json report_stop(const TrainCmdOptions& opt, const training::TrainOptions& to,
                           const training::TrainResult& r) {
  const auto last = to.run_dir / "last.safetensors";
  fmt::print(
      "stopped by --time-budget {} min at {} ({:.1f} s of training); {} holds it: run the same command "
      "with --resume {} to continue (another --time-budget may be given)\n",
      opt.time_budget, r.stopped, r.train_seconds, last.string(), last.string());
  return {{"stopped", r.stopped}, {"resume", last.string()}, {"train_seconds", r.train_seconds}};
}

nlohmann::json train_tiger_preset(const TrainCmdOptions& opt, const training::TrainConfig& cfg,
                                  const std::filesystem::path& dir) {
  const training::TrainOptions to = run_options(opt, cfg, dir);
  const auto r = training::train_tiger(cfg, to);
  if (!training::dp::world().root()) return nlohmann::json::object();  // rank 0 reports
  if (!r.train.stopped.empty()) return report_stop(opt, to, r.train);
  fmt::print("best epoch (validation {}): {} | train time {:.1f} s | checkpoint {}\n", cfg.eval.select_metric,
             r.train.best_epoch, r.train.train_seconds, (to.run_dir / "best.safetensors").string());
  nlohmann::json out{{"best_epoch", r.train.best_epoch},     {"train_seconds", r.train.train_seconds},
                     {"history", history_json(r.train)},     {"valid", r.train.valid},
                     {"collision_size", r.collision_size},   {"codes_used", r.usage.used},
                     {"code_entropy_bits", r.usage.entropy}, {"unique_share", r.usage.unique_share}};
  print_tiger_tables(cfg, r.test, "test at the best epoch", out);
  if (opt.plots) write_plots(cfg, to, r.train);
  return out;
}

nlohmann::json train_sequential_preset(const TrainCmdOptions& opt, const training::TrainConfig& cfg,
                                       const std::filesystem::path& dir) {
  const training::TrainOptions to = run_options(opt, cfg, dir);
  const auto r = training::train_sequential(cfg, to);
  if (!training::dp::world().root()) return nlohmann::json::object();  // rank 0 reports
  if (!r.stopped.empty()) return report_stop(opt, to, r);
  fmt::print("best epoch (validation {}): {} | train time {:.1f} s | checkpoint {}\n", cfg.eval.select_metric,
             r.best_epoch, r.train_seconds, (to.run_dir / "best.safetensors").string());
  const std::string proto = "protocol: " + cfg.protocol + ", ranking: " + name_of(cfg.eval.ranking);
  print_table("test at the best epoch (" + proto + ")", r.test);
  nlohmann::json out{{"best_epoch", r.best_epoch},
                     {"train_seconds", r.train_seconds},
                     {"history", history_json(r)},
                     {"valid", r.valid},
                     {"test", r.test}};
  if (cfg.data.cold_item_share > 0) {
    const auto e = training::evaluate_checkpoint(cfg, to, to.run_dir / "best.safetensors");
    print_cold_warm_tables(e.test_cold, e.test_warm, e.cold_users, e.cold_items, "test at the best epoch", proto, out);
    print_id_model_warm_table(e, "test at the best epoch", proto, out);
  }
  if (opt.plots) write_plots(cfg, to, r);
  return out;
}

// What data parallelism over MPI covers: the leave-one-out tasks (SASRec, HSTU, TIGER) on the CPU.
void require_data_parallel(const training::TrainConfig& cfg) {
  if (cfg.data.split == training::Split::chapter)
    throw std::invalid_argument(cfg.preset +
                                ": the chapter protocol (one epoch of 38 steps) runs in one process; "
                                "start it without mpirun");
  if (cfg.train.device == DeviceType::cuda)
    throw std::invalid_argument(cfg.preset +
                                ": data parallelism over MPI runs on the CPU (--device cpu); a GPU "
                                "process would need NCCL");
}

}  // namespace

int run_train(const TrainCmdOptions& opt) {
  training::TrainConfig cfg = load_train_config(opt.config);
  if (opt.epochs > 0) cfg.train.epochs = opt.epochs;
  if (opt.eval_every > 0) cfg.train.eval_every = opt.eval_every;
  if (!opt.matmul.empty()) parse_name(opt.matmul, cfg.train.matmul);  // CLI11 accepted only the two names
  use_device(opt.device, cfg);
  const training::dp::World& world = training::dp::world();
  if (world.active()) require_data_parallel(cfg);
  const int threads = set_num_threads(opt.threads);
  kernels::set_matmul_precision(cfg.train.matmul);
  const auto dir = datasets::find_data_dir(opt.data_dir, cfg.data.file);
  fmt::print("preset {} | protocol {} | model {} | data {} | seed {} | {} threads | {} matmuls | {}{}\n", cfg.preset,
             cfg.protocol, name_of(cfg.model), (dir / cfg.data.file).string(), opt.seed, threads,
             name_of(cfg.train.matmul), device_label(cfg.train.where()),
             world.active()
                 ? fmt::format(" | {} processes (MPI), batch {} split across them", world.size, cfg.train.batch_size)
                 : "");
  // Every output is checked before any work: the metrics file, gnuplot for --plots, the run directory (locked).
  const std::filesystem::path metrics = opt.metrics_out.empty() || !world.root()
                                            ? std::filesystem::path()
                                            : preflight_output(opt.metrics_out, "--metrics-out");
  if (opt.plots) require_gnuplot("--plots");
  std::optional<RunDirLock> lock;
  if (cfg.data.split != training::Split::chapter && world.root()) {  // rank 0 writes the run directory
    preflight_output((run_dir_of(opt, cfg) / "last.safetensors").string(), "--run-dir");
    lock.emplace(run_dir_of(opt, cfg));
  }
  nlohmann::json out{
      {"model", name_of(cfg.model)}, {"protocol", cfg.protocol}, {"seed", opt.seed}, {"preset", cfg.preset}};
  if (cfg.data.time_fill != datasets::TimeFill::none) out["time_fill"] = name_of(cfg.data.time_fill);
  if (cfg.data.hide_times != datasets::HideTimes::none) out["hide_times"] = name_of(cfg.data.hide_times);
  if (cfg.data.split == training::Split::chapter)
    out.update(train_chapter_preset(opt, cfg, dir));
  else if (cfg.model == training::ModelKind::tiger)
    out.update(train_tiger_preset(opt, cfg, dir));
  else
    out.update(train_sequential_preset(opt, cfg, dir));
  if (!metrics.empty()) write_json_atomically(metrics, out);
  return 0;
}

int run_evaluate(const EvaluateCmdOptions& opt) {
  training::TrainConfig cfg = load_train_config(opt.config);
  use_device(opt.device, cfg);
  if (cfg.data.split == training::Split::chapter)
    throw std::invalid_argument(opt.config + ": the chapter protocol has no checkpoint to evaluate");
  const int threads = set_num_threads(opt.threads);
  kernels::set_matmul_precision(cfg.train.matmul);  // the numbers of the run that trained it
  const auto dir = datasets::find_data_dir(opt.data_dir, cfg.data.file);
  fmt::print("preset {} | protocol {} | model {} | checkpoint {} | {} threads | {}\n", cfg.preset, cfg.protocol,
             name_of(cfg.model), opt.checkpoint, threads, device_label(cfg.train.where()));
  training::TrainOptions to;
  to.seed = opt.seed;
  to.data_dir = dir;
  const std::filesystem::path metrics =
      opt.metrics_out.empty() ? std::filesystem::path() : preflight_output(opt.metrics_out, "--metrics-out");
  nlohmann::json out{{"model", name_of(cfg.model)},
                     {"protocol", cfg.protocol},
                     {"preset", cfg.preset},
                     {"checkpoint", opt.checkpoint},
                     {"seed", opt.seed}};
  if (cfg.model == training::ModelKind::tiger) {
    print_tiger_tables(cfg, training::evaluate_tiger_checkpoint(cfg, to, opt.checkpoint).test, "test", out);
  } else {
    const auto r = training::evaluate_checkpoint(cfg, to, opt.checkpoint);
    const std::string proto = "protocol: " + cfg.protocol + ", ranking: " + name_of(cfg.eval.ranking);
    print_table("validation (" + proto + ")", r.valid);
    print_table("test (" + proto + ")", r.test);
    out.update({{"valid", r.valid}, {"test", r.test}});
    print_cold_warm_tables(r.test_cold, r.test_warm, r.cold_users, r.cold_items, "test", proto, out);
    print_id_model_warm_table(r, "test", proto, out);
    if (!r.test_rated_4_plus.empty()) {
      print_table("test, users who rated their test item >= 4 (" + std::to_string(r.users_rated_4_plus) + " users; " +
                      proto + ")",
                  r.test_rated_4_plus);
      out.update({{"test_rated_4_plus", r.test_rated_4_plus}, {"users_rated_4_plus", r.users_rated_4_plus}});
    }
  }
  if (!metrics.empty()) write_json_atomically(metrics, out);
  return 0;
}

}  // namespace recgrad::apps
