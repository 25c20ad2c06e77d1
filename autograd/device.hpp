// recgrad/autograd/device.hpp — where a tensor's memory lives: the CPU or a CUDA GPU.
//
// Every Storage has a Device. Ops take the device of their operands and run the kernels built for it
// (autograd/kernels/*.cpp on the CPU, autograd/kernels/cuda/*.cu on the GPU); the ops and their backward
// rules are the same code for both. Operands on two devices are an error naming both, with one
// exception, as in PyTorch: a 0-d CPU tensor (a scalar such as the 2.0 of x * 2.0) may join a GPU op.
#pragma once
#include <stdexcept>
#include <string>

namespace recgrad {

enum class DeviceType { cpu, cuda };

struct Device {
  DeviceType type = DeviceType::cpu;
  int index = 0;

  static Device cpu() { return {}; }
  static Device cuda(int index = 0) { return {DeviceType::cuda, index}; }
  bool is_cuda() const { return type == DeviceType::cuda; }
  bool is_cpu() const { return type == DeviceType::cpu; }
  std::string str() const { return is_cuda() ? "cuda:" + std::to_string(index) : "cpu"; }
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }

  // "cpu", "cuda" or "cuda:N"; anything else is an error that quotes the text.
  static Device parse(const std::string& s) {
    if (s == "cpu") return cpu();
    if (s == "cuda") return cuda(0);
    if (s.rfind("cuda:", 0) == 0 && s.size() > 5 && s.find_first_not_of("0123456789", 5) == std::string::npos &&
        s.size() < 9)
      return cuda(std::stoi(s.substr(5)));
    throw std::invalid_argument("device: expected \"cpu\", \"cuda\" or \"cuda:N\", got \"" + s + "\"");
  }
};

}  // namespace recgrad
