// recgrad/nn/init.hpp — parameter initialisers (in place, never recorded).
#pragma once
#include "autograd/autograd.hpp"

namespace recgrad::nn::init {

// U(-a, a), a = gain · √(6 / (fan_in + fan_out)); w: (fan_out, fan_in) or (fan_in, fan_out) alike.
void xavier_uniform_(Tensor& w, Generator& gen, double gain = 1.0);
void uniform_(Tensor& w, double lo, double hi, Generator& gen);
void normal_(Tensor& w, double mean, double std, Generator& gen);
// N(mean, std²) redrawn until inside [mean - 2 std, mean + 2 std]
void truncated_normal_(Tensor& w, double mean, double std, Generator& gen);

}  // namespace recgrad::nn::init
