// recgrad/models/rqvae.hpp — the RQ-VAE that turns item content vectors into semantic IDs (TIGER §3.1).
//
//   z = Encoder(x)                 MLP  input → 512 → 256 → 128 → 32 (ReLU between layers)
//   ẑ, (c_1..c_m) = RQ(z)          residual quantisation, m = 3 levels × 256 codes (nn/residual_quantizer.hpp)
//   x̂ = Decoder(ẑ)                 the mirror MLP
//   L = ‖x − x̂‖² + L_rq            reconstruction summed over dimensions (a mean would divide it by the input
//                                   width and collapse the codebooks, docs/PROTOCOLS.md §3.3), averaged over items
// Training: k-means initialisation of every level on the first batch's latents, then Adam; after each
// epoch, codes no item uses are moved to random residuals (dead-code restart).
#pragma once
#include <memory>
#include <vector>

#include "models/semantic_ids.hpp"
#include "nn/layers.hpp"
#include "nn/residual_quantizer.hpp"

namespace recgrad::models {

struct RQVAEConfig {
  std::vector<std::int64_t> hidden{512, 256, 128};
  std::int64_t latent = 32;
  int levels = 3;
  std::int64_t codebook_size = 256;
  double beta = 0.25;
  int epochs = 200;
  std::int64_t batch_size = 1024;
  double lr = 1e-3;
  bool kmeans_init = true;
  bool restart_dead_codes = true;
};

class MLP : public nn::Module {
 public:
  // widths: [in, h_1, …, out]; ReLU between layers, none after the last
  MLP(const std::vector<std::int64_t>& widths, Generator& gen);
  Tensor forward(const Tensor& x) const;  // x: (N, in) -> (N, out)
  std::vector<std::unique_ptr<nn::Linear>> layers;
};

class RQVAE : public nn::Module {
 public:
  RQVAE(std::int64_t input_dim, const RQVAEConfig& c, Generator& gen);
  struct Output {
    Tensor x_hat;       // (N, input)
    Tensor codes;       // (N, levels) int64
    Tensor recon_loss;  // scalar, mean over items of Σ_dims (x − x̂)²
    Tensor rq_loss;     // scalar
    Tensor loss;        // recon_loss + rq_loss
  };
  Output forward(const Tensor& x) const;  // x: (N, input)
  MLP encoder, decoder;
  nn::ResidualQuantizer rq;
};

// One line of the training log, for the usage figures at every evaluation.
struct RQVAEReport {
  int epoch = 0;
  double loss = 0, recon_error = 0;  // recon_error: mean over all items of ‖x − x̂‖² (x unit length)
  CodeUsage usage;
  std::vector<std::int64_t> restarted;  // dead codes moved after this epoch, per level
};

struct RQVAEResult {
  std::vector<std::int64_t> codes;  // row-major (n, levels), for every row of `x`
  std::vector<RQVAEReport> log;     // epoch 0 (after k-means), then every `report_every` epochs and the last
};

// Trains on the rows of x where train_rows[i] is true (all when empty), then encodes every row.
// x: (n, input) content vectors.
RQVAEResult train_rqvae(const Tensor& x, const RQVAEConfig& c, std::uint64_t seed,
                        const std::vector<char>& train_rows = {}, int report_every = 50, bool progress = false);

}  // namespace recgrad::models
