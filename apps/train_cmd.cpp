// Trains one preset for one seed and prints the test table in the chapter's layout, the protocol
// named above it; --metrics-out writes the same numbers as JSON.
#include "apps/train_cmd.hpp"

#include <fstream>
#include <stdexcept>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "apps/config.hpp"
#include "autograd/threads.hpp"
#include "datasets/data_dir.hpp"
#include "models/chapter_protocol.hpp"
#include "models/trainer.hpp"

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

}  // namespace

int run_train(const TrainCmdOptions& opt) {
  models::TrainConfig cfg = load_train_config(opt.config);
  if (opt.epochs > 0) cfg.epochs = opt.epochs;
  if (opt.eval_every > 0) cfg.eval_every = opt.eval_every;
  const int threads = set_num_threads(opt.threads);
  const auto dir = datasets::find_data_dir(opt.data_dir, cfg.data_file);
  fmt::print("preset {} | protocol {} | model {} | data {} | seed {} | {} threads\n", cfg.preset, cfg.protocol, cfg.model,
             (dir / cfg.data_file).string(), opt.seed, threads);
  nlohmann::json out{{"model", cfg.model}, {"protocol", cfg.protocol}, {"seed", opt.seed}, {"preset", cfg.preset}};
  if (cfg.protocol == "chapter") {
    models::ChapterConfig cc;
    cc.model_name = cfg.model;
    cc.model = cfg.sasrec;
    cc.hstu = cfg.hstu;
    cc.batch_size = cfg.batch_size;
    cc.epochs = cfg.epochs;
    cc.lr = cfg.lr;
    cc.adam_eps = cfg.eps;
    const auto r = models::run_chapter(datasets::read_sequences(dir / cfg.data_file), cc, opt.seed);
    print_table("test (protocol: chapter; no validation split, as in the chapter)", r.test);
    out.update({{"best_epoch", cfg.epochs}, {"train_seconds", r.train_seconds}, {"valid", nlohmann::json::object()}, {"test", r.test}});
  } else {
    models::TrainOptions to;
    to.seed = opt.seed;
    to.data_dir = dir;
    to.run_dir = opt.run_dir.empty() ? "runs/" + cfg.preset.substr(0, cfg.preset.rfind('.')) + "-seed" + std::to_string(opt.seed)
                                     : opt.run_dir;
    to.resume = opt.resume;
    const auto r = models::train_sequential(cfg, to);
    fmt::print("best epoch (validation {}): {} | train time {:.1f} s | checkpoint {}\n", cfg.select_metric, r.best_epoch,
               r.train_seconds, (to.run_dir / "best.safetensors").string());
    print_table("test at the best epoch (protocol: " + cfg.protocol + ", ranking: " + cfg.ranking + ")", r.test);
    out.update({{"best_epoch", r.best_epoch}, {"train_seconds", r.train_seconds}, {"valid", r.valid}, {"test", r.test}});
  }
  if (!opt.metrics_out.empty()) {
    std::ofstream f(opt.metrics_out);
    if (!f) throw std::runtime_error(opt.metrics_out + ": cannot open for writing");
    f << out.dump(2) << "\n";
  }
  return 0;
}

int run_evaluate(const EvaluateCmdOptions& opt) {
  const models::TrainConfig cfg = load_train_config(opt.config);
  if (cfg.protocol == "chapter") throw std::invalid_argument(opt.config + ": the chapter protocol has no checkpoint to evaluate");
  const int threads = set_num_threads(opt.threads);
  const auto dir = datasets::find_data_dir(opt.data_dir, cfg.data_file);
  fmt::print("preset {} | protocol {} | model {} | checkpoint {} | {} threads\n", cfg.preset, cfg.protocol, cfg.model,
             opt.checkpoint, threads);
  models::TrainOptions to;
  to.seed = opt.seed;
  to.data_dir = dir;
  const auto r = models::evaluate_checkpoint(cfg, to, opt.checkpoint);
  const std::string proto = "protocol: " + cfg.protocol + ", ranking: " + cfg.ranking;
  print_table("validation (" + proto + ")", r.valid);
  print_table("test (" + proto + ")", r.test);
  nlohmann::json out{{"model", cfg.model}, {"protocol", cfg.protocol}, {"preset", cfg.preset}, {"checkpoint", opt.checkpoint},
                     {"valid", r.valid}, {"test", r.test}};
  if (!r.test_rated_4_plus.empty()) {
    print_table("test, users who rated their test item >= 4 (" + std::to_string(r.users_rated_4_plus) + " users; " + proto + ")",
                r.test_rated_4_plus);
    out["test_rated_4_plus"] = r.test_rated_4_plus;
    out["users_rated_4_plus"] = r.users_rated_4_plus;
  }
  if (!opt.metrics_out.empty()) {
    std::ofstream f(opt.metrics_out);
    if (!f) throw std::runtime_error(opt.metrics_out + ": cannot open for writing");
    f << out.dump(2) << "\n";
  }
  return 0;
}

}  // namespace recgrad::apps
