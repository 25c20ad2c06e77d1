// recgrad/training/optimizer_step.hpp — one optimizer step with its guards, the optimizer a preset asks for,
// and what a checkpoint holds to resume exactly.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "nn/checkpoint.hpp"
#include "nn/optim.hpp"
#include "training/config.hpp"

namespace recgrad::training {

// Adam or AdamW over `params` with the preset's [train] settings.
nn::Adam make_adam(const std::vector<Tensor>& params, const TrainSettings& t);

// zero_grad, backward, step; returns the loss value. A NaN or Inf loss, or a NaN or Inf in any gradient,
// throws before the step touches a parameter, naming the op that computed the loss or the parameter
// (its name from `named`, the model's named_parameters()).
// Data parallel (training/data_parallel.hpp): `loss` is this process's mean over its part of the batch (undefined
// when it has no rows) and `share` that part's weight in the batch's mean; the gradients and the loss are summed
// over the processes before the checks and the step, and the batch's loss is returned.
double optimizer_step(const Tensor& loss, nn::Optimizer& opt,
                      const std::vector<std::pair<std::string, Tensor>>& named = {}, double share = 1.0);

// What a last.safetensors holds to resume exactly: the parameters, then Adam's moments as "optim.m.<i>", "optim.v.<i>".
nn::NamedTensors checkpoint_tensors(const nn::Module& model, const nn::Adam& adam);

}  // namespace recgrad::training
