#include "apps/semantic_ids_cmd.hpp"

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "apps/config.hpp"
#include "apps/outputs.hpp"
#include "apps/plots.hpp"
#include "autograd/threads.hpp"
#include "datasets/data_dir.hpp"
#include "models/content_vectors.hpp"
#include "training/semantic_id_cache.hpp"
#include "training/tiger_data.hpp"

namespace recgrad::apps {

namespace {

void print_neighbours(const training::TigerData& data, const training::SemanticIdRun& sid, std::int64_t raw) {
  const auto it = std::find(data.raw_item.begin(), data.raw_item.end(), raw);
  if (it == data.raw_item.end())
    throw std::invalid_argument(fmt::format("--neighbours: item {} is not in the catalogue", raw));
  const std::int64_t row = it - data.raw_item.begin();
  auto id_str = [&](std::int64_t item) {
    std::string s;
    for (std::int64_t c : sid.table.id[item]) s += fmt::format("{}{}", s.empty() ? "" : ",", c);
    return "(" + s + ")";
  };
  fmt::print("nearest items of {} {} {}:\n", raw, data.titles[row], id_str(row + 1));
  for (std::int64_t j : models::nearest_rows(sid.content, row, 5))
    fmt::print("    {:>6} {:<60} {}\n", data.raw_item[j], data.titles[j].substr(0, 60), id_str(j + 1));
}

}  // namespace

int run_semantic_ids(const SemanticIdsCmdOptions& opt) {
  training::TrainConfig cfg = load_train_config(opt.config);
  use_device(opt.device, cfg);
  if (cfg.model != training::ModelKind::tiger)
    throw std::invalid_argument(opt.config + ": semantic-ids needs a TIGER preset (model = \"tiger\")");
  const int threads = set_num_threads(opt.threads);
  const auto dir = datasets::find_data_dir(opt.data_dir, cfg.data.file);
  // Every output is checked before the content vectors and the RQ-VAE are built.
  const std::string out =
      opt.out.empty() ? "runs/" + cfg.preset.substr(0, cfg.preset.rfind('.')) + "-semantic_ids.tsv" : opt.out;
  preflight_output(out, "--out");
  const std::filesystem::path metrics =
      opt.metrics_out.empty() ? std::filesystem::path() : preflight_output(opt.metrics_out, "--metrics-out");
  if (opt.plots) require_gnuplot("--plots");
  fmt::print("preset {} | content {} ({}) | seed {} | {} threads\n", cfg.preset, name_of(cfg.content.source),
             (dir / cfg.content.file).string(), opt.seed, threads);
  const training::TigerData data = training::load_tiger_data(cfg, dir, opt.seed);
  const training::SemanticIdRun sid = training::build_semantic_ids(cfg, data, opt.seed, "runs/cache", true);
  const auto& u = sid.usage;
  for (std::size_t d = 0; d < u.used.size(); ++d)
    fmt::print("level {}: {} of {} codes used, entropy {:.2f} bits (max {:.2f})\n", d + 1, u.used[d],
               cfg.rqvae.codebook_size, u.entropy[d], std::log2(static_cast<double>(cfg.rqvae.codebook_size)));
  fmt::print(
      "items: {} | distinct (c1..c{}): {} | unique before the collision token: {:.1f} % | largest group: {} items -> "
      "collision token takes {} values | reconstruction error {:.4f}\n",
      data.num_items(), cfg.rqvae.levels, u.distinct_prefixes, 100.0 * u.unique_share, u.max_group,
      sid.table.collision_size, sid.rqvae.log.back().recon_error);
  models::write_semantic_ids(out, sid.table, data.raw_item);
  fmt::print("wrote {}\n", out);
  if (opt.plots) {
    const auto png = std::filesystem::path(out).replace_extension(".codebook_usage.png");
    plots::codebook_usage(sid.rqvae.codes, cfg.rqvae.levels, cfg.rqvae.codebook_size,
                          cfg.preset + ", seed " + std::to_string(opt.seed) + ": RQ-VAE codebook usage", png);
    fmt::print("plots: {}\n", png.string());
  }
  for (std::int64_t raw : opt.neighbours) print_neighbours(data, sid, raw);
  if (!metrics.empty()) {
    nlohmann::json j{{"preset", cfg.preset},
                     {"seed", opt.seed},
                     {"items", data.num_items()},
                     {"codes_used", u.used},
                     {"entropy_bits", u.entropy},
                     {"unique_share", u.unique_share},
                     {"distinct_prefixes", u.distinct_prefixes},
                     {"largest_group", u.max_group},
                     {"collision_size", sid.table.collision_size},
                     {"reconstruction_error", sid.rqvae.log.back().recon_error}};
    write_text_atomically(metrics, j.dump(2) + "\n");  // throws, naming the file, when the write fails
  }
  return 0;
}

}  // namespace recgrad::apps
