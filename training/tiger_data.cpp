#include "training/tiger_data.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "datasets/item_content.hpp"
#include "training/cold_items.hpp"

namespace recgrad::training {

namespace {

// Each item's text tokens from the preset's [content] source.
datasets::ItemDocuments item_documents(const models::ContentConfig& c, const std::filesystem::path& dir) {
  switch (c.source) {
    case ContentSource::movielens_titles: return datasets::read_movie_documents(dir / c.file);
    case ContentSource::beauty_text: return datasets::read_beauty_items(dir / c.file, dir / c.ids);
    case ContentSource::beauty_attributes: break;
  }
  return datasets::read_beauty_attributes(dir / c.file);
}

}  // namespace

TigerData load_tiger_data(const TrainConfig& cfg, const std::filesystem::path& dir, std::uint64_t seed) {
  const datasets::UserSequences raw = cfg.data.format == DataFormat::pairs
                                          ? datasets::read_user_item_pairs(dir / cfg.data.file)
                                          : datasets::read_sequences(dir / cfg.data.file);
  datasets::require_users_with(raw, (dir / cfg.data.file).string(), 3,
                               "leave-one-out needs a training, a validation and a test item");
  const datasets::ItemDocuments docs = item_documents(cfg.content, dir);
  // the catalogue: every item with content, and every item in a sequence; dense ids by ascending raw id
  std::set<std::int64_t> universe(docs.items.begin(), docs.items.end());
  for (const auto& s : raw.items) universe.insert(s.begin(), s.end());
  TigerData d;
  d.users = raw.users;
  d.raw_item.assign(universe.begin(), universe.end());
  std::map<std::int64_t, std::int64_t> dense;
  for (std::size_t i = 0; i < d.raw_item.size(); ++i) dense[d.raw_item[i]] = static_cast<std::int64_t>(i) + 1;
  d.item_tokens.assign(d.raw_item.size(), {});
  d.titles.assign(d.raw_item.size(), "");
  for (std::size_t j = 0; j < docs.items.size(); ++j) {
    d.item_tokens[dense[docs.items[j]] - 1] = docs.tokens[j];
    d.titles[dense[docs.items[j]] - 1] = docs.titles[j];
  }
  datasets::UserSequences mapped = raw;
  for (auto& s : mapped.items)
    for (auto& i : s) i = dense[i];
  d.split = datasets::leave_one_out(mapped);
  // cold start: a seeded share of the items never appears in training (nor in the RQ-VAE's training)
  d.cold = draw_cold_items(d.raw_item.size(), cfg.data.cold_item_share, seed);
  remove_cold(d.split.train, d.cold);
  return d;
}

}  // namespace recgrad::training
