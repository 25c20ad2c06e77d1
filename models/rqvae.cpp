#include "models/rqvae.hpp"

#include <optional>

#include <fmt/core.h>

#include "nn/optim.hpp"

namespace recgrad::models {

MLP::MLP(const std::vector<std::int64_t>& widths, Generator& gen) {
  for (std::size_t i = 0; i + 1 < widths.size(); ++i) {
    layers.push_back(std::make_unique<nn::Linear>(widths[i], widths[i + 1], gen));
    register_module(std::to_string(i), *layers.back());
  }
}

Tensor MLP::forward(const Tensor& x) const {
  Tensor h = x;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    h = layers[i]->forward(h);
    if (i + 1 < layers.size()) h = relu(h);
  }
  return h;
}

static std::vector<std::int64_t> widths(std::int64_t in, const std::vector<std::int64_t>& hidden, std::int64_t out) {
  std::vector<std::int64_t> w{in};
  w.insert(w.end(), hidden.begin(), hidden.end());
  w.push_back(out);
  return w;
}

RQVAE::RQVAE(std::int64_t input_dim, const RQVAEConfig& c, Generator& gen)
    : encoder(widths(input_dim, c.hidden, c.latent), gen),
      decoder(widths(c.latent, std::vector<std::int64_t>(c.hidden.rbegin(), c.hidden.rend()), input_dim), gen),
      rq(c.levels, c.codebook_size, c.latent, c.beta, gen) {
  register_module("encoder", encoder);
  register_module("decoder", decoder);
  register_module("rq", rq);
}

RQVAE::Output RQVAE::forward(const Tensor& x) const {
  const Tensor z = encoder.forward(x);  // (N, latent)
  const nn::ResidualQuantizer::Output q = rq.forward(z);
  Output o;
  o.x_hat = decoder.forward(q.z_q);  // (N, input)
  o.codes = q.codes;
  o.recon_loss = mean(sum(pow(x - o.x_hat, 2.0), {1}));  // ‖x − x̂‖², summed over dimensions
  o.rq_loss = q.loss;
  o.loss = o.recon_loss + o.rq_loss;
  return o;
}

namespace {

// epoch 0 (before training) reports the model's loss on every row; later epochs the mean over the epoch's batches.
RQVAEReport report(const RQVAE& model, const Tensor& x, const RQVAEConfig& c, int epoch,
                   std::optional<double> loss = {}) {
  NoGradGuard no_grad;
  const RQVAE::Output o = model.forward(x);
  RQVAEReport r;
  r.epoch = epoch;
  r.loss = loss ? *loss : o.loss.item();
  r.recon_error = o.recon_loss.item();
  r.usage = code_usage(o.codes.to_vector<std::int64_t>(), c.levels, c.codebook_size);
  return r;
}

void print_report(const RQVAEReport& r) {
  std::string used;
  for (std::size_t d = 0; d < r.usage.used.size(); ++d)
    used += fmt::format("{}{} ({:.2f} bits)", d ? ", " : "", r.usage.used[d], r.usage.entropy[d]);
  fmt::print(
      "rq-vae: epoch {:>4}  loss {:.4f}  reconstruction {:.4f}  codes used per level {}  unique {:.1f} %  largest "
      "group {}\n",
      r.epoch, r.loss, r.recon_error, used, 100.0 * r.usage.unique_share, r.usage.max_group);
}

}  // namespace

RQVAEResult train_rqvae(const Tensor& x_all, const RQVAEConfig& c, std::uint64_t seed,
                        const std::vector<char>& train_rows, int report_every, bool progress) {
  Generator gen(seed);
  RQVAE model(x_all.size(1), c, gen);
  model.to_(x_all.device());  // trains where the content vectors are
  std::vector<std::int64_t> rows;
  for (std::int64_t i = 0; i < x_all.size(0); ++i)
    if (train_rows.empty() || train_rows[i]) rows.push_back(i);
  const Tensor x = index_select(x_all, 0, Tensor::from_vector(rows, {static_cast<std::int64_t>(rows.size())}));
  const std::int64_t N = x.size(0);
  RQVAEResult result;
  std::vector<std::int64_t> order(rows.size());
  for (std::int64_t i = 0; i < N; ++i) order[i] = i;
  shuffle(order, gen);
  if (c.kmeans_init) {  // every level's codebook from k-means on the first batch's residuals
    NoGradGuard no_grad;
    const std::int64_t B = std::min(c.batch_size, N);
    const Tensor first =
        index_select(x, 0, Tensor::from_vector(std::vector<std::int64_t>(order.begin(), order.begin() + B), {B}));
    model.rq.kmeans_init(model.encoder.forward(first), gen);
  }
  result.log.push_back(report(model, x, c, 0));
  if (progress) print_report(result.log.back());
  nn::Adam::Options adam;
  adam.lr = c.lr;
  nn::Adam opt(model.parameters(), adam);
  for (int epoch = 1; epoch <= c.epochs; ++epoch) {
    if (epoch > 1) shuffle(order, gen);
    double total = 0;
    for (std::int64_t start = 0; start < N; start += c.batch_size) {
      const std::int64_t B = std::min(c.batch_size, N - start);
      const std::vector<std::int64_t> idx(order.begin() + start, order.begin() + start + B);
      const RQVAE::Output o = model.forward(index_select(x, 0, Tensor::from_vector(idx, {B})));
      opt.zero_grad();
      o.loss.backward();
      opt.step();
      total += o.loss.item() * static_cast<double>(B);
    }
    std::vector<std::int64_t> restarted;
    if (c.restart_dead_codes && epoch < c.epochs) {
      NoGradGuard no_grad;
      restarted = model.rq.restart_dead_codes(model.encoder.forward(x), gen);
    }
    if (epoch % report_every == 0 || epoch == c.epochs) {
      result.log.push_back(report(model, x, c, epoch, total / static_cast<double>(N)));
      result.log.back().restarted = restarted;
      if (progress) print_report(result.log.back());
    }
  }
  NoGradGuard no_grad;
  model.eval();
  result.codes = model.forward(x_all).codes.to_vector<std::int64_t>();
  return result;
}

}  // namespace recgrad::models
