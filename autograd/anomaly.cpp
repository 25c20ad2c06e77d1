#include "autograd/anomaly.hpp"

#include "autograd/grad_mode.hpp"

#include <atomic>
#include <cmath>

namespace recgrad {

static std::atomic<bool> g_anomaly{false};
bool is_anomaly_enabled() { return g_anomaly.load(std::memory_order_relaxed); }
void set_detect_anomaly(bool on) { g_anomaly.store(on, std::memory_order_relaxed); }

// The first non-finite entry of t: its flat index (or -1) and its value.
static std::pair<std::int64_t, double> scan(const Tensor& t) {
  if (!t.defined() || !is_floating(t.dtype())) return {-1, 0.0};
  NoGradGuard no_grad;  // the dense copy must not be recorded (nor scanned) as an op of its own
  const Tensor dense = t.to(Device::cpu()).contiguous();  // a GPU tensor is scanned on the host
  return dispatch_float(dense.dtype(), "first_non_finite", [&](auto tag) -> std::pair<std::int64_t, double> {
    using T = decltype(tag);
    const T* p = dense.data<T>();
    for (std::int64_t i = 0; i < dense.numel(); ++i)
      if (!std::isfinite(p[i])) return {i, static_cast<double>(p[i])};
    return {-1, 0.0};
  });
}

std::int64_t first_non_finite(const Tensor& t) { return scan(t).first; }

void check_finite(const std::string& op, const char* phase, const std::string& what, const Tensor& value,
                  const std::vector<Tensor>& inputs) {
  const auto [at, v] = scan(value);
  if (at < 0) return;
  std::string shapes;
  for (const auto& in : inputs)
    shapes += (shapes.empty() ? "" : ", ") + (in.defined() ? shape_str(in.shape()) : "none");
  throw AnomalyError(std::string(phase) + " of '" + op + "': " + what + " " + shape_str(value.shape()) + " has " +
                     (std::isnan(v) ? "NaN"
                      : v > 0       ? "+Inf"
                                    : "-Inf") +
                     " at flat index " + std::to_string(at) + "; inputs " + (shapes.empty() ? "none" : shapes));
}

}  // namespace recgrad
