// recgrad/nn/optim.hpp — optimizers that update parameters in place from their .grad().
#pragma once
#include <vector>

#include "autograd/autograd.hpp"

namespace recgrad::nn {

class Optimizer {
 public:
  explicit Optimizer(std::vector<Tensor> params) : params_(std::move(params)) {}
  virtual ~Optimizer() = default;
  virtual void step() = 0;
  void zero_grad();
  const std::vector<Tensor>& params() const { return params_; }

 protected:
  std::vector<Tensor> params_;
};

// θ ← θ - lr (g + wd θ)
class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, double lr, double weight_decay = 0.0);
  void step() override;

 private:
  double lr_, wd_;
};

// Adam (decoupled = false: L2 added to g) or AdamW (decoupled = true: θ ← θ - lr wd θ).
//   m ← β₁ m + (1-β₁) g;  v ← β₂ v + (1-β₂) g²;  θ ← θ - lr m̂ / (√v̂ + eps)
class Adam : public Optimizer {
 public:
  struct Options {
    double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
    bool decoupled = false;
  };
  Adam(std::vector<Tensor> params, Options opt);
  void step() override;
  std::int64_t steps() const { return t_; }
  // The moment estimates, named like the parameters they follow ("m.<i>", "v.<i>"), and the step
  // count: what a checkpoint needs to resume exactly.
  std::vector<std::pair<std::string, Tensor>> state() const;
  void set_steps(std::int64_t t) { t_ = t; }
  // The learning rate, for schedules that change it between steps.
  void set_lr(double lr) { opt_.lr = lr; }
  double lr() const { return opt_.lr; }

 private:
  Options opt_;
  std::vector<Tensor> m_, v_;
  std::int64_t t_ = 0;
};

// Scales all gradients so that their global L2 norm is at most max_norm; returns the norm before.
double clip_grad_norm(const std::vector<Tensor>& params, double max_norm);

}  // namespace recgrad::nn
