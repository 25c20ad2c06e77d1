// Runs a protocol over several seeds and prints each seed's test metrics, then the median, min and
// max of each metric beside the range the chapter printed (docs/PROTOCOLS.md §1.8, runs A–J), for SASRec or HSTU.
#include "apps/reproduce.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <stdexcept>
#include <vector>

#include <fmt/core.h>

#include "apps/config.hpp"
#include "autograd/threads.hpp"
#include "datasets/data_dir.hpp"
#include "apps/steps.hpp"
#include "training/chapter_baselines.hpp"
#include "training/chapter_task.hpp"

namespace recgrad::apps {

namespace {

struct Range {
  double lo, hi;
};
// The chapter's printed SASRec tables, min–max over its ten runs A–J.
const std::map<std::string, Range> kChapterSASRec{{"hit_rate@10", {0.0154, 0.0220}},
                                                  {"hit_rate@5", {0.0076, 0.0121}},
                                                  {"ndcg@10", {0.0066, 0.0107}},
                                                  {"ndcg@5", {0.0041, 0.0080}}};
// ... and its HSTU tables (fun-rec's HSTU code, whose defects docs/PROTOCOLS.md §1.7 lists).
const std::map<std::string, Range> kChapterHSTU{{"hit_rate@10", {0.0101, 0.0283}},
                                                {"hit_rate@5", {0.0048, 0.0175}},
                                                {"ndcg@10", {0.0045, 0.0132}},
                                                {"ndcg@5", {0.0028, 0.0099}}};
const std::vector<std::string> kColumns{"hit_rate@10", "hit_rate@5", "ndcg@10", "ndcg@5"};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// One seed's line of --metrics-out; with --baselines, the diagnostics too.
std::string json_line(const std::string& model, int seed, const training::ChapterResult& r,
                      const training::ChapterDiagnostics* d) {
  std::string line =
      fmt::format(R"({{"model": "{}", "protocol": "chapter", "seed": {}, "train_seconds": {:.2f}, "test": {{)"
                  R"("hit_rate@10": {:.6f}, "hit_rate@5": {:.6f}, "ndcg@10": {:.6f}, "ndcg@5": {:.6f}}})",
                  model, seed, r.train_seconds, r.test.at("hit_rate@10"), r.test.at("hit_rate@5"), r.test.at("ndcg@10"),
                  r.test.at("ndcg@5"));
  if (d)
    line += fmt::format(R"(, "distinct_top10": {}, "hit_rate@10_history_removed": {:.6f}, "hit_rate@10_dot": {:.6f}, )"
                        R"("hit_rate@10_sampled100": {:.6f})",
                        d->distinct_top10, d->history_removed.at("hit_rate@10"), d->dot.at("hit_rate@10"),
                        d->sampled100.at("hit_rate@10"));
  return line + "}";
}

std::string ordinal(long n) {
  const char* suffix = (n % 100 >= 11 && n % 100 <= 13) ? "th"
                       : n % 10 == 1                    ? "st"
                       : n % 10 == 2                    ? "nd"
                       : n % 10 == 3                    ? "rd"
                                                        : "th";
  return std::to_string(n) + suffix;
}

// --baselines: rankings without a model under the same protocol, then what each seed's table hides.
void print_baselines(const training::ChapterFeatures& features, std::uint64_t seed,
                     const std::vector<std::pair<int, training::ChapterDiagnostics>>& diagnostics,
                     const std::map<std::string, std::vector<double>>& all) {
  fmt::print("\nprotocol: chapter | rankings without a model (the same users, targets, candidates and tie rule)\n");
  fmt::print("{:>25} | {:>11} | {:>10} | {:>8} | {:>7}\n", "ranking", "hit_rate@10", "hit_rate@5", "ndcg@10", "ndcg@5");
  const auto row = [](const char* name, const training::Metrics& m) {
    fmt::print("{:>25} | {:>11.4f} | {:>10.4f} | {:>8.4f} | {:>7.4f}\n", name, m.at("hit_rate@10"), m.at("hit_rate@5"),
               m.at("ndcg@10"), m.at("ndcg@5"));
  };
  row("popularity (train rows)", training::popularity_ranking(features));
  row("the same, history removed", training::popularity_ranking(features, true));
  row("random", training::random_ranking(features, seed));
  const double V = static_cast<double>(features.map.num_items() + 1);
  fmt::print("{:>25} | {:>11.4f} | {:>10.4f} |\n", "random, expected", 10 / V, 5 / V);
  fmt::print("\nprotocol: chapter, varied one thing at a time on each seed's trained model (HR@10)\n");
  fmt::print("{:>5} | {:>14} | {:>13} | {:>15} | {:>11} | {:>17}\n", "seed", "distinct top10", "chapter table",
             "history removed", "dot product", "sampled-100 (dot)");
  const auto& hr = all.at("hit_rate@10");
  for (std::size_t i = 0; i < diagnostics.size(); ++i) {
    const auto& [s, d] = diagnostics[i];
    fmt::print("{:>5} | {:>14} | {:>13.4f} | {:>15.4f} | {:>11.4f} | {:>17.4f}\n", s, d.distinct_top10, hr[i],
               d.history_removed.at("hit_rate@10"), d.dot.at("hit_rate@10"), d.sampled100.at("hit_rate@10"));
  }
  const auto better = std::count_if(hr.begin(), hr.end(), [&](double v) { return v > hr.front(); });
  fmt::print("seed {} has the {} highest HR@10 of the {} seeds ({:.4f}; median {:.4f})\n", diagnostics.front().first,
             ordinal(better + 1), hr.size(), hr.front(), median(hr));
}

}  // namespace

int run_reproduce(const ReproduceOptions& opt) {
  if (opt.protocol != "chapter" || (opt.model != "sasrec" && opt.model != "hstu"))
    throw std::invalid_argument("reproduce: only 'chapter' with --model sasrec or hstu is implemented so far (asked: " +
                                opt.protocol + " / " + opt.model + ")");
  const bool hstu = opt.model == "hstu";
  const std::string Model = hstu ? "HSTU" : "SASRec";
  const int threads = set_num_threads(opt.threads);
  training::TrainConfig cfg =
      load_config(opt.model);  // configs/<model>_chapter.toml, the notebooks' step 1 (apps/steps.hpp)
  cfg.sasrec.ffn_residual = !opt.funrec_no_ffn_residual;
  use_device(opt.device, cfg);
  const auto dir = datasets::find_data_dir(opt.data_dir, cfg.data.file);
  const auto seq_file = dir / cfg.data.file;
  const auto raw = datasets::read_sequences(seq_file);
  fmt::print("protocol: chapter (fun-rec generative-recall chapter, docs/PROTOCOLS.md §1) | model: {} | data: {}\n",
             Model, seq_file.string());
  fmt::print(
      "  items 1..3706 by MovieID, users 1..4832 train, 1 epoch x batch {} (BCE, 1 uniform negative), "
      "Adam lr {}; test: 6040 users, cosine over all 3707 rows, no history mask; {} threads | {}\n",
      cfg.train.batch_size, cfg.train.lr, threads, device_label(cfg.train.where()));
  if (hstu)
    fmt::print(
        "  HSTU: d {}, {} layers, {} head, dropout {}, SiLU attention / {} with a learned position bias, "
        "U-gating, final LayerNorm\n",
        cfg.hstu.d, cfg.hstu.layers, cfg.hstu.heads, cfg.hstu.dropout, cfg.hstu.norm_constant);
  else
    fmt::print("  SASRec: d {}, {} blocks, dropout {}, FFN residual {}\n", cfg.sasrec.d, cfg.sasrec.layers,
               cfg.sasrec.dropout, cfg.sasrec.ffn_residual ? "on" : "off (fun-rec's defect)");
  fmt::print("{:>5} | {:>11} | {:>10} | {:>8} | {:>7} | {:>6} | {:>8}\n", "seed", "hit_rate@10", "hit_rate@5",
             "ndcg@10", "ndcg@5", "steps", "seconds");
  std::map<std::string, std::vector<double>> all;
  std::ofstream out;
  if (!opt.metrics_out.empty()) {
    out.open(opt.metrics_out);
    if (!out) throw std::runtime_error(opt.metrics_out + ": cannot open for writing");
  }
  const training::ChapterFeatures features = training::chapter_features(raw, cfg);
  std::vector<std::pair<int, training::ChapterDiagnostics>> diagnostics;
  for (int s = opt.first_seed; s < opt.first_seed + opt.seeds; ++s) {
    const auto r = training::run_chapter(features, cfg, static_cast<std::uint64_t>(s));
    if (opt.baselines) diagnostics.emplace_back(s, training::diagnose_chapter_model(*r.model, features, s));
    fmt::print("{:>5} | {:>11.4f} | {:>10.4f} | {:>8.4f} | {:>7.4f} | {:>6} | {:>8.1f}\n", s, r.test.at("hit_rate@10"),
               r.test.at("hit_rate@5"), r.test.at("ndcg@10"), r.test.at("ndcg@5"), r.step_losses.size(),
               r.train_seconds);
    std::fflush(stdout);
    for (const auto& c : kColumns) all[c].push_back(r.test.at(c));
    if (out) out << json_line(opt.model, s, r, opt.baselines ? &diagnostics.back().second : nullptr) << "\n";
  }
  fmt::print("\nprotocol: chapter | {} | {} seeds ({}..{})\n", Model, opt.seeds, opt.first_seed,
             opt.first_seed + opt.seeds - 1);
  fmt::print("{:>12} | {:>8} | {:>8} | {:>8} | {:>17} | {}\n", "metric", "median", "min", "max", "chapter min–max",
             "median inside");
  bool inside_all = true;
  for (const auto& c : kColumns) {
    const auto& v = all[c];
    const double m = median(v);
    const Range r = (hstu ? kChapterHSTU : kChapterSASRec).at(c);
    const bool inside = m >= r.lo && m <= r.hi;
    inside_all = inside_all && inside;
    fmt::print("{:>12} | {:>8.4f} | {:>8.4f} | {:>8.4f} | {:>8.4f}–{:<8.4f} | {}\n", c, m,
               *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end()), r.lo, r.hi,
               inside ? "yes" : "no");
  }
  if (opt.baselines) print_baselines(features, static_cast<std::uint64_t>(opt.first_seed), diagnostics, all);
  return 0;
}

}  // namespace recgrad::apps
