#include "training/optimizer_step.hpp"

#include <cmath>
#include <stdexcept>

#include "autograd/node.hpp"
#include "training/data_parallel.hpp"

namespace recgrad::training {

nn::Adam make_adam(const std::vector<Tensor>& params, const TrainSettings& t) {
  return nn::Adam(params, {.lr = t.lr,
                           .beta1 = t.beta1,
                           .beta2 = t.beta2,
                           .eps = t.eps,
                           .weight_decay = t.weight_decay,
                           .decoupled = t.optimizer == OptimizerKind::adamw});
}

// The parameter's name in `named` (matched by storage), or "parameter <i>".
static std::string param_name(const Tensor& p, std::size_t i,
                              const std::vector<std::pair<std::string, Tensor>>& named) {
  for (const auto& [name, t] : named)
    if (t.impl() == p.impl()) return name;
  return "parameter " + std::to_string(i);
}

// True when every gradient is on a GPU and Σ_p Σ g_p is finite, which it cannot be when an element is NaN or ±Inf:
// one number comes back instead of every gradient. False (also a finite gradient whose sum overflows) sends the
// caller to the exact per-parameter scan, which names the parameter.
static bool gradients_finite_on_gpu(const std::vector<Tensor>& params) {
  NoGradGuard no_grad;
  Tensor probe;
  for (const auto& p : params) {
    if (!p.grad().defined()) continue;
    if (!p.grad().is_cuda()) return false;
    const Tensor z = sum(p.grad());
    probe = probe.defined() ? probe + z : z;
  }
  return probe.defined() && std::isfinite(probe.item());
}

// Throws, naming the parameter, when a gradient holds a NaN or an Inf.
static void check_gradients(const std::vector<Tensor>& params, const std::vector<std::pair<std::string, Tensor>>& named,
                            double value, const std::string& rerun) {
  if (gradients_finite_on_gpu(params)) return;
  for (std::size_t i = 0; i < params.size(); ++i)
    if (first_non_finite(params[i].grad()) >= 0)
      throw std::runtime_error("the gradient of " + param_name(params[i], i, named) + " " +
                               shape_str(params[i].shape()) + " has a NaN or an Inf (loss " + std::to_string(value) +
                               ")" + rerun);
}

double optimizer_step(const Tensor& loss, nn::Optimizer& opt, const std::vector<std::pair<std::string, Tensor>>& named,
                      double share) {
  const bool parallel = dp::world().active();
  double value = loss.defined() ? loss.item() : 0.0;
  const std::string rerun =
      ": stopped before the optimizer step, the parameters are untouched; rerun with "
      "--detect-anomaly (set_detect_anomaly) to find the first op that made it";
  const std::string op = loss.grad_fn() ? loss.grad_fn()->op : std::string("a leaf");
  // one process checks the loss before its backward; in parallel every process first joins the sum of the
  // gradients, so that all of them see the same (possibly NaN) batch loss and stop together
  if (!parallel && !std::isfinite(value))
    throw std::runtime_error("training loss is " + std::string(std::isnan(value) ? "NaN" : "Inf") + " (output of '" +
                             op + "')" + rerun);
  opt.zero_grad();
  if (loss.defined()) loss.backward();
  if (parallel) {
    value = dp::allreduce_gradients(opt.params(), value, share);
    if (!std::isfinite(value))
      throw std::runtime_error("training loss is " + std::string(std::isnan(value) ? "NaN" : "Inf") +
                               " (summed over the processes; this one's came from '" + op + "')" + rerun);
  }
  check_gradients(opt.params(), named, value, rerun);
  opt.step();
  return value;
}

nn::NamedTensors checkpoint_tensors(const nn::Module& model, const nn::Adam& adam) {
  nn::NamedTensors t = model.named_parameters();
  for (auto& [name, s] : adam.state()) t.emplace_back("optim." + name, s);
  return t;
}

}  // namespace recgrad::training
