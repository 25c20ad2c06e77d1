// recgrad/autograd/kernels/adam.hpp — one element of Adam / AdamW: the one statement of the update that the CPU
// (nn/optim.cpp), the GPU (kernels/cuda/optim.cu) and the tests' emulated GPU (tests/emulated_gpu.cpp) all run, in
// float64, so that the three give the same parameters.
#pragma once
#include <math.h>

#ifdef __CUDACC__
#define RECGRAD_HOST_DEVICE __host__ __device__
#else
#define RECGRAD_HOST_DEVICE
#endif

namespace recgrad::kernels {

// Adam's constants for one step (bias corrections already raised to the step's power).
struct AdamStep {
  double lr, beta1, beta2, eps, weight_decay, bc1, bc2;
  bool decoupled;  // AdamW: weight decay on θ, not added to the gradient
};

// θ and its gradient g -> the new θ; the moments m and v are updated in place.
//   AdamW: θ ← θ − lr·wd·θ   (Adam: g ← g + wd·θ)
//   m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²,   θ ← θ − lr (m / bc1) / (√(v / bc2) + ε)
RECGRAD_HOST_DEVICE inline double adam_update(double theta, double g, double& m, double& v, const AdamStep& s) {
  if (s.decoupled)
    theta -= s.lr * s.weight_decay * theta;
  else
    g += s.weight_decay * theta;
  m = s.beta1 * m + (1 - s.beta1) * g;
  v = s.beta2 * v + (1 - s.beta2) * g * g;
  return theta - s.lr * (m / s.bc1) / (::sqrt(v / s.bc2) + s.eps);  // ::sqrt: the C function, on host and device
}

}  // namespace recgrad::kernels
