// recgrad/apps/config.hpp — reads a preset (configs/*.toml) into a training::TrainConfig. Unknown keys, wrong
// types and out-of-range values are all reported together, each with its key and what is accepted.
#pragma once
#include <filesystem>

#include "training/config.hpp"

namespace recgrad::apps {

training::TrainConfig load_train_config(const std::filesystem::path& path);

// --device: "cpu" or "cuda" (empty: the preset's [train] device). A GPU asked for but not there is an error before any
// work: this build has no CUDA (and says how to build one), or no GPU answered.
void use_device(const std::string& flag, training::TrainConfig& cfg);
// "cpu", or "cuda:0 (NVIDIA H200)": printed in every run's header line.
std::string device_label(Device d);

}  // namespace recgrad::apps
