// recgrad/nn/residual_quantizer.hpp — residual vector quantisation with a straight-through estimator
// (the "RQ" of RQ-VAE, TIGER §3.1).
//
//   r_0 = z
//   c_d = argmin_k ‖r_d − e^d_k‖²                  the code at level d
//   r_{d+1} = r_d − e^d_{c_d}                      what the next level has to explain
//   ẑ = Σ_d e^d_{c_d}                              the quantised latent
//   L_rq = Σ_d ‖sg[r_d] − e^d_{c_d}‖² + β ‖r_d − sg[e^d_{c_d}]‖²     (codebook + commitment, β = 0.25)
//   output z + sg[ẑ − z]: forward value ẑ, gradient to z unchanged (straight-through)
// The squared norms are summed over the latent dimensions and averaged over the batch.
#pragma once
#include <vector>

#include "nn/module.hpp"

namespace recgrad::nn {

class ResidualQuantizer : public Module {
 public:
  ResidualQuantizer(int levels, std::int64_t codebook_size, std::int64_t dim, double beta, Generator& gen);

  struct Output {
    Tensor z_q;                     // (N, dim) straight-through quantised latent
    Tensor codes;                   // (N, levels) int64
    Tensor loss;                    // scalar L_rq
    std::vector<Tensor> residuals;  // r_0 .. r_{levels-1}, each (N, dim), detached (for k-means and restarts)
  };
  // z: (N, dim)
  Output forward(const Tensor& z) const;
  // The codes only, without recording anything. z: (N, dim) -> (N, levels) int64
  Tensor encode(const Tensor& z) const;

  // Sets each level's codebook to k-means centroids of that level's residuals of z (level by level,
  // so level d sees the residuals left by the initialised levels before it). z: (N, dim)
  void kmeans_init(const Tensor& z, Generator& gen, int iterations = 20);
  // Moves each code that no row of z uses to a random row's residual at its level; returns the
  // number of codes moved per level. z: (N, dim), typically every item's latent.
  std::vector<std::int64_t> restart_dead_codes(const Tensor& z, Generator& gen);

  std::vector<Tensor> codebooks;  // codebooks[d]: (codebook_size, dim), named "codebook.<d>"
  double beta;
};

}  // namespace recgrad::nn
