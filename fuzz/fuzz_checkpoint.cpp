// Fuzz target: the safetensors checkpoint loader, then loading into a small model's parameters (the
// names, shapes and sizes check of load_into).
#include "fuzz/fuzz_file.hpp"
#include "nn/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  recgrad::fuzz::parse_file(data, size, "model.safetensors", [](const auto& p) {
    recgrad::nn::load_safetensors(p);
    recgrad::Tensor w = recgrad::Tensor::zeros({2, 3}), b = recgrad::Tensor::zeros({3});
    recgrad::nn::load_into(p, {{"w", w}, {"b", b}});
  });
  return 0;
}
