// recgrad/autograd/grad_mode.hpp — switch recording on and off (thread-local, like torch.no_grad()).
#pragma once

namespace recgrad {

bool is_grad_enabled();
void set_grad_enabled(bool on);

// RAII: no op records a Node while one of these is alive.
//   { NoGradGuard ng; evaluate(model); }
class NoGradGuard {
 public:
  NoGradGuard() : prev_(is_grad_enabled()) { set_grad_enabled(false); }
  ~NoGradGuard() { set_grad_enabled(prev_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

}  // namespace recgrad
