// recgrad/apps/config.hpp — reads a preset (configs/*.toml) into a training::TrainConfig. Unknown keys, wrong
// types and out-of-range values are all reported together, each with its key and what is accepted.
#pragma once
#include <filesystem>

#include "training/config.hpp"

namespace recgrad::apps {

training::TrainConfig load_train_config(const std::filesystem::path& path);

}  // namespace recgrad::apps
