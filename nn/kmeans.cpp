#include "nn/kmeans.hpp"

#include <limits>
#include <stdexcept>

namespace recgrad::nn {

namespace {

double sq_dist(const double* a, const double* b, std::int64_t D) {
  double s = 0;
  for (std::int64_t j = 0; j < D; ++j) s += (a[j] - b[j]) * (a[j] - b[j]);
  return s;
}

// k-means++: the first centroid uniform, each next one drawn with probability ∝ its squared distance
// to the nearest centroid so far.
std::vector<double> plus_plus_init(const std::vector<double>& X, std::int64_t N, std::int64_t D, std::int64_t K,
                                   Generator& gen) {
  std::vector<double> C(static_cast<std::size_t>(K * D));
  std::vector<double> nearest(static_cast<std::size_t>(N), std::numeric_limits<double>::infinity());
  std::int64_t pick = gen.next_int(N);
  for (std::int64_t k = 0; k < K; ++k) {
    std::copy_n(&X[static_cast<std::size_t>(pick * D)], D, &C[static_cast<std::size_t>(k * D)]);
    double total = 0;
    for (std::int64_t i = 0; i < N; ++i) {
      nearest[i] = std::min(nearest[i], sq_dist(&X[i * D], &C[k * D], D));
      total += nearest[i];
    }
    if (total <= 0) {  // fewer distinct points than K: repeat points in turn
      pick = (pick + 1) % N;
      continue;
    }
    double u = gen.next_double() * total;
    pick = N - 1;
    for (std::int64_t i = 0; i < N; ++i) {
      u -= nearest[i];
      if (u < 0) {
        pick = i;
        break;
      }
    }
  }
  return C;
}

}  // namespace

KMeansResult kmeans(const Tensor& x, std::int64_t K, Generator& gen, int iterations) {
  if (x.dim() != 2 || x.size(0) == 0 || K <= 0)
    throw std::invalid_argument("kmeans: expected (N, D) points with N > 0 and K > 0, got " + x.str() +
                                ", K = " + std::to_string(K));
  const std::int64_t N = x.size(0), D = x.size(1);
  const std::vector<double> X = x.to_vector<double>();
  std::vector<double> C = plus_plus_init(X, N, D, K, gen);
  std::vector<std::int64_t> assign(static_cast<std::size_t>(N), 0);
  std::vector<double> dist(static_cast<std::size_t>(N));
  for (int it = 0; it <= iterations; ++it) {
    // assignment step: a(i) = argmin_k ‖x_i − μ_k‖²
    for (std::int64_t i = 0; i < N; ++i) {
      double best = std::numeric_limits<double>::infinity();
      for (std::int64_t k = 0; k < K; ++k) {
        const double d = sq_dist(&X[i * D], &C[k * D], D);
        if (d < best) {
          best = d;
          assign[i] = k;
        }
      }
      dist[i] = best;
    }
    if (it == iterations) break;
    // update step: μ_k = mean of the points assigned to k; an empty cluster takes the farthest point
    std::vector<double> sum(static_cast<std::size_t>(K * D), 0.0);
    std::vector<std::int64_t> count(static_cast<std::size_t>(K), 0);
    for (std::int64_t i = 0; i < N; ++i) {
      ++count[assign[i]];
      for (std::int64_t j = 0; j < D; ++j) sum[assign[i] * D + j] += X[i * D + j];
    }
    for (std::int64_t k = 0; k < K; ++k) {
      if (count[k] == 0) {
        const std::int64_t far = std::max_element(dist.begin(), dist.end()) - dist.begin();
        std::copy_n(&X[far * D], D, &C[k * D]);
        dist[far] = 0;
        continue;
      }
      for (std::int64_t j = 0; j < D; ++j) C[k * D + j] = sum[k * D + j] / static_cast<double>(count[k]);
    }
  }
  KMeansResult r;
  r.centroids = Tensor::from_vector(C, {K, D}).to(x.dtype());
  r.assignment = assign;
  for (double d : dist) r.inertia += d;
  return r;
}

}  // namespace recgrad::nn
