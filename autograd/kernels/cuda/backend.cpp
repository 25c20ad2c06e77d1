// The CPU side of the CUDA table: what a build without CUDA answers, and the device checks every build has.
#include "autograd/kernels/cuda/backend.hpp"

#include <stdexcept>
#include <string>

namespace recgrad::kernels {

#ifdef RECGRAD_WITH_CUDA
const CudaKernels& built_cuda_table();  // kernels/cuda/table.cu
#endif

static const CudaKernels*& test_table() {
  static const CudaKernels* table = nullptr;
  return table;
}
void set_cuda_for_testing(const CudaKernels* table) { test_table() = table; }

const CudaKernels& cuda() {
  if (test_table()) return *test_table();
#ifdef RECGRAD_WITH_CUDA
  return built_cuda_table();
#else
  throw std::runtime_error(
      "CUDA: this recgrad was built without CUDA; configure with -DRECGRAD_CUDA=ON (needs nvcc and cuBLAS) to use "
      "a GPU");
#endif
}

bool cuda_available() {
  try {
    return cuda().device_count() > 0;
  } catch (const std::exception&) {
    return false;
  }
}

void check_same_device(const char* op, std::initializer_list<const Tensor*> operands, bool scalars_ok) {
  const Tensor* first = nullptr;
  for (const Tensor* t : operands) {
    if (!t->defined() || (scalars_ok && t->dim() == 0 && !t->is_cuda())) continue;
    if (!first) {
      first = t;
      continue;
    }
    if (t->device() != first->device())
      throw std::invalid_argument(std::string(op) + ": operands on two devices: " + first->str() + " on " +
                                  first->device().str() + " and " + t->str() + " on " + t->device().str() +
                                  " (move one with .to(device))");
  }
}

Tensor ids_on(const Tensor& ids, Device device) {
  if (!ids.defined() || ids.device() == device) return ids;
  return ids.contiguous().to(device);
}

}  // namespace recgrad::kernels
