#include "nn/residual_quantizer.hpp"

#include <stdexcept>

#include "nn/init.hpp"
#include "nn/kmeans.hpp"

namespace recgrad::nn {

ResidualQuantizer::ResidualQuantizer(int levels, std::int64_t K, std::int64_t dim, double beta_, Generator& gen)
    : codebooks(static_cast<std::size_t>(levels)), beta(beta_) {
  if (levels <= 0 || K <= 0 || dim <= 0)
    throw std::invalid_argument("ResidualQuantizer: levels, codebook size and dim must be positive");
  for (int d = 0; d < levels; ++d) {
    codebooks[d] = Tensor::empty({K, dim});
    init::uniform_(codebooks[d], -1.0 / K, 1.0 / K, gen);
    register_parameter("codebook." + std::to_string(d), codebooks[d]);
  }
}

ResidualQuantizer::Output ResidualQuantizer::forward(const Tensor& z) const {
  if (z.dim() != 2 || z.size(1) != codebooks[0].size(1))
    throw std::invalid_argument("ResidualQuantizer: z must be (N, " + std::to_string(codebooks[0].size(1)) + "), got " +
                                z.str());
  Output out;
  Tensor r = z;  // r_d
  Tensor z_hat;  // Σ e^d_{c_d}
  Tensor loss = Tensor::scalar(0.0, z.dtype());
  std::vector<Tensor> codes;
  for (const Tensor& E : codebooks) {
    out.residuals.push_back(r.detach());
    const Tensor c = argmin(pairwise_sq_dist(r.detach(), E.detach()), 1);  // c_d: (N)
    const Tensor e = index_select(E, 0, c);                                // e^d_{c_d}: (N, dim)
    // ‖sg[r_d] − e‖² + β ‖r_d − sg[e]‖², summed over dims, mean over rows
    const Tensor codebook_term = sum(pow(r.detach() - e, 2.0), {1});
    const Tensor commitment_term = sum(pow(r - e.detach(), 2.0), {1});
    loss = loss + mean(codebook_term + beta * commitment_term);
    z_hat = z_hat.defined() ? z_hat + e : e;
    r = r - e;  // r_{d+1}
    codes.push_back(unsqueeze(c, 1));
  }
  out.z_q = straight_through(z, z_hat);
  out.codes = concat(codes, 1);
  out.loss = loss;
  return out;
}

Tensor ResidualQuantizer::encode(const Tensor& z) const {
  NoGradGuard no_grad;
  return forward(z).codes;
}

void ResidualQuantizer::kmeans_init(const Tensor& z, Generator& gen, int iterations) {
  NoGradGuard no_grad;
  Tensor r = z.detach();
  for (Tensor& E : codebooks) {
    const KMeansResult km = kmeans(r, E.size(0), gen, iterations);
    E.copy_(km.centroids.to(E.dtype()));
    const Tensor c = argmin(pairwise_sq_dist(r, E), 1);
    r = r - index_select(E, 0, c);
  }
}

std::vector<std::int64_t> ResidualQuantizer::restart_dead_codes(const Tensor& z, Generator& gen) {
  NoGradGuard no_grad;
  const Output o = forward(z.detach());
  const std::vector<std::int64_t> codes = o.codes.to_vector<std::int64_t>();
  const std::int64_t N = z.size(0), L = static_cast<std::int64_t>(codebooks.size());
  std::vector<std::int64_t> moved(codebooks.size(), 0);
  for (std::int64_t d = 0; d < L; ++d) {
    Tensor& E = codebooks[d];
    std::vector<char> used(static_cast<std::size_t>(E.size(0)), 0);
    for (std::int64_t i = 0; i < N; ++i) used[codes[i * L + d]] = 1;
    for (std::int64_t k = 0; k < E.size(0); ++k) {
      if (used[k]) continue;
      const std::int64_t row = gen.next_int(N);
      slice(E, 0, k, k + 1).copy_(slice(o.residuals[d], 0, row, row + 1).to(E.dtype()));
      ++moved[d];
    }
  }
  return moved;
}

}  // namespace recgrad::nn
