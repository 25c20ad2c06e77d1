#include "apps/config.hpp"

#include <cmath>
#include <functional>
#include <type_traits>
#include <map>
#include <stdexcept>

#include <toml++/toml.h>

namespace recgrad::apps {

namespace {

// One accepted key: how to read it from a TOML node, or a description of what was expected.
using Setter = std::function<std::string(const toml::node&)>;  // returns "" or an error

template <class T>
Setter number(T& dst, double lo, double hi) {
  return [&dst, lo, hi](const toml::node& n) -> std::string {
    std::optional<double> v = n.value<double>();
    if (!v) return "expected a number";
    // written so that nan fails too (every comparison with nan is false)
    if (!(lo <= *v && *v <= hi)) return "value " + std::to_string(*v) + " outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    if (std::is_integral_v<T> && *v != std::floor(*v)) return "expected a whole number, got " + std::to_string(*v);
    dst = static_cast<T>(*v);
    return "";
  };
}

Setter boolean(bool& dst) {
  return [&dst](const toml::node& n) -> std::string {
    if (!n.is_boolean()) return "expected true or false";
    dst = *n.value<bool>();
    return "";
  };
}

Setter text(std::string& dst, std::vector<std::string> allowed = {}) {
  return [&dst, allowed](const toml::node& n) -> std::string {
    if (!n.is_string()) return "expected a string";
    const std::string v = *n.value<std::string>();
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      return "'" + v + "' is not one of: " + list;
    }
    dst = v;
    return "";
  };
}

Setter int_list(std::vector<int>& dst) {
  return [&dst](const toml::node& n) -> std::string {
    const auto* arr = n.as_array();
    const std::string expected = "expected a non-empty list of integers in [1, 1000000]";
    if (!arr || arr->empty()) return expected;
    std::vector<int> out;
    for (const auto& e : *arr) {
      // is_integer first: toml++'s value<int64_t>() of a float like 5e50 converts out of range (UB)
      const auto v = e.is_integer() ? e.value<int64_t>() : std::nullopt;
      if (!v || *v <= 0 || *v > 1000000) return expected;
      out.push_back(static_cast<int>(*v));
    }
    dst = out;
    return "";
  };
}

Setter width_list(std::vector<std::int64_t>& dst) {
  return [&dst](const toml::node& n) -> std::string {
    std::vector<int> v;
    const std::string err = int_list(v)(n);
    if (!err.empty()) return err;
    dst.assign(v.begin(), v.end());
    return "";
  };
}

}  // namespace

models::TrainConfig load_train_config(const std::filesystem::path& path) {
  toml::table doc;
  try {
    doc = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(path.string() + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  models::TrainConfig c;
  c.preset = path.filename().string();
  auto& m = c.sasrec;
  auto& h = c.hstu;
  const std::map<std::string, std::map<std::string, Setter>> keys{
      {"", {{"protocol", text(c.protocol, {"chapter", "paper-hstu", "paper-hstu-u2999", "paper-hstu-refsplit", "sasrec-sampled", "tiger"})},
           {"model", text(c.model, {"sasrec", "hstu", "tiger"})}}},
      {"data",
       {{"file", text(c.data_file)}, {"format", text(c.data_format, {"sequences", "pairs"})},
        {"id_space", text(c.id_space, {"ascending", "raw"})}, {"candidates", text(c.candidates_file)},
        {"padding", text(c.padding, {"left", "right"})}, {"split", text(c.split, {"leave_one_out", "reference"})},
        {"ratings", text(c.ratings_file)},
        {"user_attributes", text(c.user_attributes_file)}, {"positive_min_rating", number(c.positive_min_rating, 0, 5)}}},
      {"sasrec",
       {{"d", number(m.d, 1, 4096)}, {"heads", number(m.heads, 1, 64)}, {"blocks", number(m.blocks, 1, 64)},
        {"max_len", number(m.max_len, 1, 4096)}, {"dropout", number(m.dropout, 0, 0.99)},
        {"input_dropout", number(m.input_dropout, 0, 0.99)}, {"ln_eps", number(m.ln_eps, 1e-12, 1)},
        {"ffn_residual", boolean(m.ffn_residual)}, {"scale_embedding", boolean(m.scale_embedding)},
        {"zero_padding", boolean(m.zero_padding)}, {"padding_row_trainable", boolean(m.padding_row_trainable)},
        {"item_init", text(m.item_init, {"uniform", "truncated_normal"})},
        {"attn_residual", text(m.attn_residual, {"input", "query"})}, {"ln_affine", boolean(m.ln_affine)},
        {"ffn_output_dropout", boolean(m.ffn_output_dropout)}, {"final_ln", boolean(m.final_ln)},
        {"init", text(m.init, {"xavier_uniform", "torch_reference"})}}},
      {"hstu",
       {{"d", number(h.d, 1, 4096)}, {"heads", number(h.heads, 1, 64)}, {"d_qk", number(h.d_qk, 1, 4096)},
        {"d_v", number(h.d_v, 1, 4096)}, {"blocks", number(h.blocks, 1, 64)}, {"max_len", number(h.max_len, 1, 4096)},
        {"dropout", number(h.dropout, 0, 0.99)}, {"input_dropout", number(h.input_dropout, 0, 0.99)},
        {"ln_eps", number(h.ln_eps, 1e-12, 1)}, {"ln_affine", boolean(h.ln_affine)},
        {"norm", text(h.norm, {"constant", "length"})}, {"norm_constant", number(h.norm_constant, 1, 1e9)},
        {"item_init", text(h.item_init, {"uniform", "truncated_normal"})},
        {"scale_embedding", boolean(h.scale_embedding)}, {"final_ln", boolean(h.final_ln)},
        {"time_bias", boolean(h.time_bias)}, {"actions", number(h.actions, 0, 1000)},
        {"init", text(h.init, {"zero_bias", "torch_reference"})}}},
      {"content",
       {{"source", text(c.content.source, {"beauty_attributes", "movielens_titles"})}, {"file", text(c.content.file)},
        {"dim", number(c.content.dim, 1, 4096)}, {"epochs", number(c.content.epochs, 0, 10000)},
        {"negatives", number(c.content.negatives, 1, 1000)}, {"min_count", number(c.content.min_count, 1, 1000000)},
        {"lr", number(c.content.lr, 1e-9, 10)}, {"batch_size", number(c.content.batch_size, 1, 1 << 20)}}},
      {"rqvae",
       {{"hidden", width_list(c.rqvae.hidden)}, {"latent", number(c.rqvae.latent, 1, 4096)}, {"levels", number(c.rqvae.levels, 1, 16)},
        {"codebook_size", number(c.rqvae.codebook_size, 1, 1 << 16)}, {"beta", number(c.rqvae.beta, 0, 100)},
        {"epochs", number(c.rqvae.epochs, 0, 1000000)}, {"batch_size", number(c.rqvae.batch_size, 1, 1 << 20)},
        {"lr", number(c.rqvae.lr, 1e-9, 10)}, {"kmeans_init", boolean(c.rqvae.kmeans_init)},
        {"restart_dead_codes", boolean(c.rqvae.restart_dead_codes)}}},
      {"tiger",
       {{"d", number(c.tiger.d, 1, 4096)}, {"heads", number(c.tiger.heads, 1, 64)}, {"d_kv", number(c.tiger.d_kv, 1, 4096)},
        {"d_ff", number(c.tiger.d_ff, 1, 65536)}, {"encoder_layers", number(c.tiger.encoder_layers, 1, 64)},
        {"decoder_layers", number(c.tiger.decoder_layers, 1, 64)}, {"dropout", number(c.tiger.dropout, 0, 0.99)},
        {"max_items", number(c.tiger.max_items, 1, 4096)}, {"user_buckets", number(c.tiger.user_buckets, 1, 1 << 24)},
        {"beam", number(c.tiger.beam, 1, 10000)}, {"prefixes_per_user", number(c.tiger.prefixes_per_user, 0, 100000)},
        {"lr_schedule", text(c.tiger.lr_schedule, {"constant", "cosine"})}, {"warmup_steps", number(c.tiger.warmup_steps, 0, 1e9)},
        {"valid_users", number(c.tiger.valid_users, 0, 1e9)}, {"cold_item_share", number(c.tiger.cold_item_share, 0, 0.9)},
        {"test_users", number(c.tiger.test_users, 0, 1e9)}}},
      {"train",
       {{"loss", text(c.loss, {"bce", "sampled_softmax"})}, {"negatives", number(c.negatives, 1, 100000)},
        {"temperature", number(c.temperature, 1e-6, 1e6)}, {"l2_normalize", boolean(c.l2_normalize)},
        {"optimizer", text(c.optimizer, {"adam", "adamw"})}, {"lr", number(c.lr, 1e-9, 10)},
        {"beta1", number(c.beta1, 0, 0.999999)}, {"beta2", number(c.beta2, 0, 0.999999)}, {"eps", number(c.eps, 1e-12, 1)},
        {"weight_decay", number(c.weight_decay, 0, 10)}, {"epochs", number(c.epochs, 1, 100000)},
        {"batch_size", number(c.batch_size, 1, 1 << 20)}, {"eval_every", number(c.eval_every, 1, 100000)}}},
      {"eval",
       {{"ranking", text(c.ranking, {"full", "sampled-100"})}, {"scoring", text(c.scoring, {"dot", "cosine"})},
        {"exclude_history", boolean(c.exclude_history)}, {"ks", int_list(c.ks)}, {"select_metric", text(c.select_metric)}}}};
  std::string errors;
  auto visit = [&](const std::string& section, const toml::table& t) {
    for (const auto& [k, node] : t) {
      const std::string key(k.str());
      if (section.empty() && node.is_table()) continue;
      const std::string full = section.empty() ? key : section + "." + key;
      const auto sec = keys.find(section);
      const auto it = sec->second.find(key);
      if (it == sec->second.end()) {
        std::string known;
        for (const auto& [name, s] : sec->second) known += (known.empty() ? "" : ", ") + name;
        errors += "\n  " + full + ": unknown key (accepted: " + known + ")";
        continue;
      }
      const std::string err = it->second(node);
      if (!err.empty()) errors += "\n  " + full + ": " + err;
    }
  };
  visit("", doc);
  for (const auto& [k, node] : doc) {
    if (!node.is_table()) continue;
    const std::string section(k.str());
    if (!keys.count(section)) {
      errors += "\n  [" + section + "]: unknown section (accepted: data, sasrec, hstu, content, rqvae, tiger, train, eval)";
      continue;
    }
    visit(section, *node.as_table());
  }
  const bool select_ok = std::any_of(c.ks.begin(), c.ks.end(), [&](int k) {
    return c.select_metric == "ndcg@" + std::to_string(k) || c.select_metric == "hit_rate@" + std::to_string(k);
  });
  if (c.model == "tiger")
    for (int k : c.ks)
      if (k > c.tiger.beam) errors += "\n  eval.ks: k = " + std::to_string(k) + " is larger than tiger.beam = " + std::to_string(c.tiger.beam) + " (Recall@k would be capped by the beam)";
  if ((c.split == "reference") != (c.protocol == "paper-hstu-refsplit"))
    errors += "\n  data.split: 'reference' (test item used for selection) goes with protocol = \"paper-hstu-refsplit\" and only with it";
  if (c.split == "reference" && c.model == "tiger")
    errors += "\n  data.split: 'reference' is read by the SASRec and HSTU trainer only (TIGER keeps leave_one_out)";
  if (!select_ok) errors += "\n  eval.select_metric: '" + c.select_metric + "' is not hit_rate@k or ndcg@k for a k in eval.ks";
  if (!errors.empty()) throw std::runtime_error(path.string() + ": invalid configuration:" + errors);
  return c;
}

}  // namespace recgrad::apps
