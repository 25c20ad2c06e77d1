// recgrad/autograd/anomaly.hpp — anomaly mode: stop at the first op that makes a NaN or an Inf.
//
// With anomaly mode on, every recorded op's output is scanned after its forward, and every gradient a
// backward rule returns is scanned before it is added in. The first non-finite value throws an
// AnomalyError naming the op, the phase (forward or backward), the input shapes and the output shape,
//   forward of 'log': output (4, 3) has NaN at flat index 5; inputs (4, 3)
// The training loop adds the epoch and the step (`recgrad train --detect-anomaly`). Scanning costs one pass
// over every output and gradient, so the mode is off by default, like torch.autograd.detect_anomaly.
// Ops run with grad mode off (evaluation) are not scanned.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/tensor.hpp"

namespace recgrad {

class AnomalyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

bool is_anomaly_enabled();
void set_detect_anomaly(bool on);

// RAII: anomaly mode on while alive (process-wide).
class DetectAnomalyGuard {
 public:
  DetectAnomalyGuard() : prev_(is_anomaly_enabled()) { set_detect_anomaly(true); }
  ~DetectAnomalyGuard() { set_detect_anomaly(prev_); }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool prev_;
};

// The flat index of the first NaN or ±Inf in t (row-major over its shape), or -1. Integer tensors: -1.
std::int64_t first_non_finite(const Tensor& t);

// Throws AnomalyError when `value` has a NaN or an Inf. phase: "forward" | "backward";
// what: "output" | "gradient for input 1"; inputs: the op's inputs (their shapes go into the message).
void check_finite(const std::string& op, const char* phase, const std::string& what, const Tensor& value,
                  const std::vector<Tensor>& inputs);

}  // namespace recgrad
