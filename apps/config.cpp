#include "apps/config.hpp"

#include <cmath>
#include <functional>
#include <type_traits>
#include <map>
#include <stdexcept>

#include <toml++/toml.h>

#include "autograd/kernels/cuda/backend.hpp"
#include "training/protocols.hpp"

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
    if (!(lo <= *v && *v <= hi))
      return "value " + std::to_string(*v) + " outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
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

// One of the enum's words (its names() table).
template <class E>
Setter choice(E& dst) {
  return [&dst](const toml::node& n) -> std::string {
    if (!n.is_string()) return "expected a string";
    const std::string v = *n.value<std::string>();
    if (!parse_name(v, dst)) return "'" + v + "' is not one of: " + accepted_names<E>();
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

using Keys = std::map<std::string, Setter>;

Keys top_keys(training::TrainConfig& c) {
  return {{"protocol", text(c.protocol, training::protocol_tags())}, {"model", choice(c.model)}};
}

Keys data_keys(training::DataConfig& d) {
  return {{"file", text(d.file)},
          {"format", choice(d.format)},
          {"id_space", choice(d.id_space)},
          {"candidates", text(d.candidates)},
          {"padding", choice(d.padding)},
          {"split", choice(d.split)},
          {"ratings", text(d.ratings)},
          {"user_attributes", text(d.user_attributes)},
          {"positive_min_rating", number(d.positive_min_rating, 0, 5)},
          {"time_fill", choice(d.time_fill)},
          {"hide_times", choice(d.hide_times)},
          {"cold_item_share", number(d.cold_item_share, 0, 0.9)}};
}

Keys sasrec_keys(models::SASRecConfig& m) {
  return {{"d", number(m.d, 1, 4096)},
          {"heads", number(m.heads, 1, 64)},
          {"layers", number(m.layers, 1, 64)},
          {"max_len", number(m.max_len, 1, 4096)},
          {"dropout", number(m.dropout, 0, 0.99)},
          {"input_dropout", number(m.input_dropout, 0, 0.99)},
          {"ln_eps", number(m.ln_eps, 1e-12, 1)},
          {"ffn_residual", boolean(m.ffn_residual)},
          {"scale_embedding", boolean(m.scale_embedding)},
          {"zero_padding", boolean(m.zero_padding)},
          {"padding_row_trainable", boolean(m.padding_row_trainable)},
          {"item_init", choice(m.item_init)},
          {"attn_residual", choice(m.attn_residual)},
          {"ln_affine", boolean(m.ln_affine)},
          {"ffn_output_dropout", boolean(m.ffn_output_dropout)},
          {"final_ln", boolean(m.final_ln)},
          {"init", choice(m.init)}};
}

Keys hstu_keys(models::HSTUConfig& h) {
  return {{"d", number(h.d, 1, 4096)},
          {"heads", number(h.heads, 1, 64)},
          {"d_qk", number(h.d_qk, 1, 4096)},
          {"d_v", number(h.d_v, 1, 4096)},
          {"layers", number(h.layers, 1, 64)},
          {"max_len", number(h.max_len, 1, 4096)},
          {"dropout", number(h.dropout, 0, 0.99)},
          {"input_dropout", number(h.input_dropout, 0, 0.99)},
          {"ln_eps", number(h.ln_eps, 1e-12, 1)},
          {"ln_affine", boolean(h.ln_affine)},
          {"norm", choice(h.norm)},
          {"norm_constant", number(h.norm_constant, 1, 1e9)},
          {"item_init", choice(h.item_init)},
          {"scale_embedding", boolean(h.scale_embedding)},
          {"final_ln", boolean(h.final_ln)},
          {"time_bias", boolean(h.time_bias)},
          {"actions", number(h.actions, 0, 1000)},
          {"init", choice(h.init)}};
}

Keys content_keys(models::ContentConfig& c) {
  return {{"source", choice(c.source)},
          {"file", text(c.file)},
          {"ids", text(c.ids)},
          {"dim", number(c.dim, 1, 4096)},
          {"epochs", number(c.epochs, 0, 10000)},
          {"negatives", number(c.negatives, 1, 1000)},
          {"min_count", number(c.min_count, 1, 1000000)},
          {"lr", number(c.lr, 1e-9, 10)},
          {"batch_size", number(c.batch_size, 1, 1 << 20)}};
}

Keys rqvae_keys(models::RQVAEConfig& q) {
  return {{"hidden", width_list(q.hidden)},
          {"latent", number(q.latent, 1, 4096)},
          {"levels", number(q.levels, 1, 16)},
          {"codebook_size", number(q.codebook_size, 1, 1 << 16)},
          {"beta", number(q.beta, 0, 100)},
          {"epochs", number(q.epochs, 0, 1000000)},
          {"batch_size", number(q.batch_size, 1, 1 << 20)},
          {"lr", number(q.lr, 1e-9, 10)},
          {"kmeans_init", boolean(q.kmeans_init)},
          {"restart_dead_codes", boolean(q.restart_dead_codes)}};
}

Keys tiger_keys(models::TigerConfig& t) {
  return {{"d", number(t.d, 1, 4096)},
          {"heads", number(t.heads, 1, 64)},
          {"d_kv", number(t.d_kv, 1, 4096)},
          {"d_ff", number(t.d_ff, 1, 65536)},
          {"encoder_layers", number(t.encoder_layers, 1, 64)},
          {"decoder_layers", number(t.decoder_layers, 1, 64)},
          {"dropout", number(t.dropout, 0, 0.99)},
          {"max_items", number(t.max_items, 1, 4096)},
          {"user_buckets", number(t.user_buckets, 1, 1 << 24)},
          {"beam", number(t.beam, 1, 10000)},
          {"prefixes_per_user", number(t.prefixes_per_user, 0, 100000)},
          {"lr_schedule", choice(t.lr_schedule)},
          {"warmup_steps", number(t.warmup_steps, 0, 1e9)},
          {"valid_users", number(t.valid_users, 0, 1e9)},
          {"test_users", number(t.test_users, 0, 1e9)}};
}

Keys train_keys(training::TrainSettings& t) {
  return {{"loss", choice(t.loss)},
          {"negatives", number(t.negatives, 1, 100000)},
          {"temperature", number(t.temperature, 1e-6, 1e6)},
          {"l2_normalize", boolean(t.l2_normalize)},
          {"optimizer", choice(t.optimizer)},
          {"lr", number(t.lr, 1e-9, 10)},
          {"beta1", number(t.beta1, 0, 0.999999)},
          {"beta2", number(t.beta2, 0, 0.999999)},
          {"eps", number(t.eps, 1e-12, 1)},
          {"weight_decay", number(t.weight_decay, 0, 10)},
          {"epochs", number(t.epochs, 1, 100000)},
          {"batch_size", number(t.batch_size, 1, 1 << 20)},
          {"eval_every", number(t.eval_every, 1, 100000)},
          {"matmul", choice(t.matmul)},
          {"device", choice(t.device)}};
}

Keys eval_keys(training::EvalConfig& e) {
  return {{"ranking", choice(e.ranking)},
          {"scoring", choice(e.scoring)},
          {"exclude_history", boolean(e.exclude_history)},
          {"ks", int_list(e.ks)},
          {"select_metric", text(e.select_metric)}};
}

// Reads every key of `doc` through `keys`; returns the problems, one per line.
std::string read_keys(const toml::table& doc, const std::map<std::string, Keys>& keys) {
  std::string errors;
  auto visit = [&](const std::string& section, const toml::table& t) {
    const Keys& accepted = keys.at(section);
    for (const auto& [k, node] : t) {
      const std::string key(k.str());
      if (section.empty() && node.is_table()) continue;
      const std::string full = section.empty() ? key : section + "." + key;
      const auto it = accepted.find(key);
      if (it == accepted.end()) {
        std::string known;
        for (const auto& [name, s] : accepted) known += (known.empty() ? "" : ", ") + name;
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
      errors +=
          "\n  [" + section + "]: unknown section (accepted: data, sasrec, hstu, content, rqvae, tiger, train, eval)";
      continue;
    }
    visit(section, *node.as_table());
  }
  return errors;
}

// Settings that are each valid but do not go together.
std::string check_consistent(const training::TrainConfig& c) {
  using training::ModelKind;
  using training::Split;
  std::string errors;
  const auto& ks = c.eval.ks;
  const bool select_ok = std::any_of(ks.begin(), ks.end(), [&](int k) {
    return c.eval.select_metric == "ndcg@" + std::to_string(k) ||
           c.eval.select_metric == "hit_rate@" + std::to_string(k);
  });
  if (c.model == ModelKind::tiger)
    for (int k : ks)
      if (k > c.tiger.beam)
        errors += "\n  eval.ks: k = " + std::to_string(k) +
                  " is larger than tiger.beam = " + std::to_string(c.tiger.beam) +
                  " (Recall@k would be capped by the beam)";
  errors += training::check_protocol(c);  // the protocol table: models, split, ranking, ratings, filled times
  if (c.data.cold_item_share > 0 && (c.data.split == Split::chapter || !c.data.ratings.empty()))
    errors +=
        "\n  data.cold_item_share: cold items are held out of leave-one-out sequences only (not with the chapter's "
        "split or an event stream)";
  if (!select_ok)
    errors += "\n  eval.select_metric: '" + c.eval.select_metric + "' is not hit_rate@k or ndcg@k for a k in eval.ks";
  return errors;
}

}  // namespace

training::TrainConfig load_train_config(const std::filesystem::path& path) {
  toml::table doc;
  try {
    doc = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(path.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                             std::string(e.description()));
  }
  training::TrainConfig c;
  c.preset = path.filename().string();
  const std::map<std::string, Keys> keys{{"", top_keys(c)},
                                         {"data", data_keys(c.data)},
                                         {"sasrec", sasrec_keys(c.sasrec)},
                                         {"hstu", hstu_keys(c.hstu)},
                                         {"content", content_keys(c.content)},
                                         {"rqvae", rqvae_keys(c.rqvae)},
                                         {"tiger", tiger_keys(c.tiger)},
                                         {"train", train_keys(c.train)},
                                         {"eval", eval_keys(c.eval)}};
  std::string errors = read_keys(doc, keys);
  errors += check_consistent(c);
  // What defaults must not decide: an empty file would train every default; a TIGER preset without [content] would
  // read Beauty's attributes (the defaults) whatever its data is.
  if (doc.empty()) errors += "\n  the preset is empty: name at least its protocol, model and [data] file";
  if (c.model == training::ModelKind::tiger && !doc.contains("content"))
    errors +=
        "\n  content: a TIGER preset must say where its item content comes from ([content] source and file); the "
        "defaults are Amazon Beauty's attribute table";
  if (!errors.empty()) throw std::runtime_error(path.string() + ": invalid configuration:" + errors);
  return c;
}

void use_device(const std::string& flag, training::TrainConfig& cfg) {
  if (!flag.empty()) parse_name(flag, cfg.train.device);
  if (cfg.train.device != DeviceType::cuda || kernels::cuda_available()) return;
  (void)kernels::cuda();  // throws in a build without CUDA, with how to build one
  throw std::runtime_error("--device cuda: no GPU answered (cudaGetDeviceCount found none; is the driver loaded?)");
}

std::string device_label(Device d) {
  return d.is_cuda() ? d.str() + " (" + kernels::cuda().device_name() + ")" : d.str();
}

}  // namespace recgrad::apps
