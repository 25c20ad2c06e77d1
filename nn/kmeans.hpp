// recgrad/nn/kmeans.hpp — k-means (Lloyd's algorithm) to initialise the RQ-VAE codebooks.
//
//   centroids μ_1..μ_K start at K distinct points drawn with the seed (k-means++ weighting);
//   repeat: assign each point x to argmin_k ‖x − μ_k‖²;  μ_k = mean of its points
// An empty cluster is re-seeded at the point farthest from its centroid, so K codes all start in use.
#pragma once
#include <cstdint>
#include <vector>

#include "autograd/autograd.hpp"

namespace recgrad::nn {

struct KMeansResult {
  Tensor centroids;                      // (K, D), the dtype of x
  std::vector<std::int64_t> assignment;  // per point, in [0, K)
  double inertia = 0;                    // Σ ‖x − μ_assigned‖²
};

// x: (N, D) -> K centroids. With N < K, the extra centroids are copies of points (they can only be told
// apart later, by training).
KMeansResult kmeans(const Tensor& x, std::int64_t K, Generator& gen, int iterations = 20);

}  // namespace recgrad::nn
