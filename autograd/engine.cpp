// recgrad/autograd/engine.cpp — recording ops and running reverse mode.
//
// backward(): (1) a depth-first walk from the root collects every tensor that needs a gradient in a
// topological order, each tensor exactly once, however many paths reach it; (2) walking that order
// backwards, each tensor's accumulated gradient is handed to its Node, whose rule returns one gradient
// per input, which is added (+=) into that input's slot. Leaves add into .grad(). Rules run with grad
// mode off, so the backward itself is not recorded.
#include <chrono>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "autograd/anomaly.hpp"
#include "autograd/grad_mode.hpp"
#include "autograd/node.hpp"
#include "autograd/ops.hpp"
#include "autograd/profiler.hpp"

namespace recgrad {

static thread_local bool g_grad_enabled = true;
bool is_grad_enabled() { return g_grad_enabled; }
void set_grad_enabled(bool on) { g_grad_enabled = on; }

bool needs_grad(const Tensor& t) { return t.defined() && t.requires_grad() && is_grad_enabled(); }

Tensor record(const char* op, Tensor out, std::vector<Tensor> inputs, BackwardFn backward) {
  if (is_anomaly_enabled() && is_grad_enabled()) check_finite(op, "forward", "output", out, inputs);
  if (profiler::enabled() && is_grad_enabled()) profiler::forward_op(op);
  bool any = false;
  for (const auto& in : inputs) any = any || needs_grad(in);
  if (!any) return out;
  auto node = std::make_shared<Node>();
  node->op = op;
  node->inputs = std::move(inputs);
  node->backward = std::move(backward);
  out.impl()->grad_fn = std::move(node);
  out.impl()->requires_grad = true;
  return out;
}

// Post-order DFS (iterative, so deep graphs cannot overflow the stack). The order holds owning
// pointers: releasing a node's inputs during the walk must not free tensors still to be visited.
static std::vector<std::shared_ptr<TensorImpl>> topological_order(const std::shared_ptr<TensorImpl>& root) {
  std::vector<std::shared_ptr<TensorImpl>> order;
  std::unordered_set<TensorImpl*> visited;
  std::vector<std::pair<std::shared_ptr<TensorImpl>, std::size_t>> stack{{root, 0}};
  visited.insert(root.get());
  static const std::vector<Tensor> no_inputs;
  while (!stack.empty()) {
    auto& [t, next] = stack.back();
    const auto& inputs = t->grad_fn ? t->grad_fn->inputs : no_inputs;
    if (next < inputs.size()) {
      const std::shared_ptr<TensorImpl>& child = inputs[next++].impl();
      if (child->requires_grad && visited.insert(child.get()).second) stack.push_back({child, 0});
    } else {
      order.push_back(t);
      stack.pop_back();
    }
  }
  return order;  // inputs before the tensors computed from them
}

// slot += g. A leaf's .grad() gets its own dense buffer (optimizers may scale it in place).
static void accumulate(Tensor& slot, const Tensor& g, bool own) {
  if (slot.defined())
    slot = add(slot, g);
  else
    slot = own ? g.clone() : g;
}

void Tensor::backward(bool retain_graph) const {
  if (numel() != 1)
    throw std::invalid_argument("backward: implicit gradient only for a 1-element tensor, got " + str() +
                                "; pass grad_output explicitly");
  backward(Tensor::ones(shape(), dtype(), device()), retain_graph);
}

void Tensor::backward(const Tensor& grad_output, bool retain_graph) const {
  if (!requires_grad()) throw std::logic_error("backward: " + str() + " does not require grad");
  if (grad_output.shape() != shape())
    throw std::invalid_argument("backward: grad_output " + grad_output.str() + " does not match " + str());
  NoGradGuard no_grad;
  const auto order = topological_order(impl());
  std::unordered_map<TensorImpl*, Tensor> grads;
  grads[impl().get()] = grad_output.to(device()).to(dtype());
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    TensorImpl* t = it->get();
    auto found = grads.find(t);
    if (found == grads.end()) continue;  // no path carried a gradient here
    const Tensor g = found->second;
    if (!t->grad_fn || t->retains_grad) accumulate(t->grad, g, true);
    if (!t->grad_fn) continue;
    Node& node = *t->grad_fn;
    if (node.released)
      throw std::logic_error("backward: the graph through '" + node.op +
                             "' was already freed by an earlier backward; pass retain_graph=true to the first call");
    const bool profile = profiler::enabled();
    const auto t0 = profile ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
    std::vector<Tensor> in_grads = node.backward(g);
    if (is_anomaly_enabled())
      for (std::size_t i = 0; i < in_grads.size() && i < node.inputs.size(); ++i)
        check_finite(node.op, "backward", "gradient for input " + std::to_string(i), in_grads[i], node.inputs);
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
      const Tensor& in = node.inputs[i];
      if (i >= in_grads.size() || !in_grads[i].defined() || !in.requires_grad()) continue;
      if (in_grads[i].shape() != in.shape())
        throw std::logic_error("backward of '" + node.op + "': gradient " + shape_str(in_grads[i].shape()) +
                               " for input " + std::to_string(i) + " of shape " + shape_str(in.shape()));
      accumulate(grads[in.impl().get()], in_grads[i], false);
    }
    if (profile)
      profiler::backward_op(node.op,
                            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    grads.erase(found);
    if (!retain_graph) {
      node.released = true;
      node.backward = nullptr;  // frees the saved tensors
      node.inputs.clear();
    }
  }
}

}  // namespace recgrad
