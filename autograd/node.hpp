// recgrad/autograd/node.hpp — one recorded op on the tape.
//
// Every differentiable op that runs with grad mode on and an input that requires a gradient attaches
// a Node to its output: the op's name, the input tensors (the graph's edges, which also keeps them
// alive for the backward) and the backward rule, which maps the gradient of the output to one
// gradient per input (an undefined Tensor where an input needs none).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "autograd/tensor.hpp"

namespace recgrad {

using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

struct Node {
  std::string op;              // "matmul", "softmax", ... (used in error messages)
  std::vector<Tensor> inputs;  // edges
  BackwardFn backward;         // reads like the math: see autograd/ops/*.cpp
  bool released = false;       // true after a backward without retain_graph freed it
};

// Attaches `backward` to `out` when grad mode is on and some input requires a gradient; returns out.
// Backward rules must not capture `out` itself (that would be a reference cycle): capture out.detach().
Tensor record(const char* op, Tensor out, std::vector<Tensor> inputs, BackwardFn backward);

// True when `t` takes part in gradient computation right now.
bool needs_grad(const Tensor& t);

}  // namespace recgrad
