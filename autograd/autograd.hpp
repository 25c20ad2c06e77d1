// recgrad/autograd/autograd.hpp — everything a user of the engine needs, in one include.
#pragma once
#include "autograd/anomaly.hpp"
#include "autograd/generator.hpp"
#include "autograd/gradcheck.hpp"
#include "autograd/grad_mode.hpp"
#include "autograd/node.hpp"
#include "autograd/ops.hpp"
#include "autograd/tensor.hpp"
#include "autograd/threads.hpp"
