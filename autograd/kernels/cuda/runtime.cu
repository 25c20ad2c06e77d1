// The GPU runtime: one stream, a caching device allocator, copies, and the geometry helper.
//
// Why a cache: cudaMalloc and cudaFree synchronise the device and cost tens of microseconds; a training step
// allocates the same sizes again and again. Freed blocks wait in a list per size class and are handed out
// again. One stream orders every kernel, so a block freed by the host while a queued kernel still reads it is
// only reused by kernels queued after that one.
#include <map>
#include <mutex>
#include <vector>

#include "autograd/kernels/cuda/common.cuh"

namespace recgrad::kernels::gpu {

cudaStream_t stream() {
  static cudaStream_t s = [] {
    cudaStream_t created;
    RECGRAD_CUDA_CHECK(cudaStreamCreateWithFlags(&created, cudaStreamNonBlocking));
    return created;
  }();
  return s;
}

namespace {

// Sizes round up to 512 bytes below 1 MiB and to 2 MiB above, so near sizes share blocks.
std::size_t size_class(std::size_t n) {
  constexpr std::size_t small = 512, big = std::size_t{2} << 20;
  return n < (std::size_t{1} << 20) ? (n + small - 1) / small * small : (n + big - 1) / big * big;
}

struct Cache {
  std::mutex lock;
  std::map<std::size_t, std::vector<void*>> free;  // size class -> blocks
  std::size_t bytes = 0;
};
Cache& cache() {
  static Cache* c = new Cache;  // never destroyed: tensors may be freed during static destruction
  return *c;
}

void release_all() {
  Cache& c = cache();
  std::lock_guard<std::mutex> g(c.lock);
  RECGRAD_CUDA_CHECK(cudaStreamSynchronize(stream()));
  for (auto& [size, blocks] : c.free)
    for (void* p : blocks) RECGRAD_CUDA_CHECK(cudaFree(p));
  c.free.clear();
  c.bytes = 0;
}

}  // namespace

void* allocate(std::size_t nbytes) {
  const std::size_t n = size_class(nbytes == 0 ? 1 : nbytes);
  {
    Cache& c = cache();
    std::lock_guard<std::mutex> g(c.lock);
    auto it = c.free.find(n);
    if (it != c.free.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.bytes -= n;
      return p;
    }
  }
  void* p = nullptr;
  if (cudaMalloc(&p, n) != cudaSuccess) {  // out of memory: give the cache back and try once more
    cudaGetLastError();
    release_all();
    const cudaError_t e = cudaMalloc(&p, n);
    if (e != cudaSuccess)
      throw std::runtime_error("CUDA: cannot allocate " + std::to_string(n) + " bytes on the GPU: " +
                               cudaGetErrorString(e));
  }
  return p;
}

void deallocate(void* p, std::size_t nbytes) {
  if (!p) return;
  const std::size_t n = size_class(nbytes == 0 ? 1 : nbytes);
  Cache& c = cache();
  std::lock_guard<std::mutex> g(c.lock);
  c.free[n].push_back(p);
  c.bytes += n;
}

void empty_cache() { release_all(); }

std::size_t cached_bytes() {
  Cache& c = cache();
  std::lock_guard<std::mutex> g(c.lock);
  return c.bytes;
}

// Host memory is pageable: a copy to the GPU returns once the bytes are staged; a copy to the host waits for them.
void copy_bytes(void* dst, bool dst_on_gpu, const void* src, bool src_on_gpu, std::size_t nbytes) {
  const cudaMemcpyKind kind = dst_on_gpu ? (src_on_gpu ? cudaMemcpyDeviceToDevice : cudaMemcpyHostToDevice)
                                         : (src_on_gpu ? cudaMemcpyDeviceToHost : cudaMemcpyHostToHost);
  RECGRAD_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, kind, stream()));
  if (!dst_on_gpu) RECGRAD_CUDA_CHECK(cudaStreamSynchronize(stream()));
}

void synchronize() { RECGRAD_CUDA_CHECK(cudaStreamSynchronize(stream())); }

// No driver, no GPU, or any other error: 0 devices (never throws).
int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return n;
}

const char* device_name() {
  static std::string name = [] {
    cudaDeviceProp prop{};
    if (device_count() == 0 || cudaGetDeviceProperties(&prop, 0) != cudaSuccess) return std::string("no GPU");
    return std::string(prop.name);
  }();
  return name.c_str();
}

Geometry geometry(const Tensor& t, const Shape& shape) {
  const int nd = static_cast<int>(shape.size()), lead = nd - t.dim();
  if (nd > kMaxDims) throw std::invalid_argument("CUDA kernels: more than 8 axes in " + shape_str(shape));
  Geometry g;
  g.nd = nd;
  g.offset = t.offset();
  for (int d = 0; d < nd; ++d) {
    g.shape[d] = shape[d];
    const int td = d - lead;
    g.strides[d] = (td < 0 || t.shape()[td] == 1) ? 0 : t.strides()[td];
  }
  g.dense = t.shape() == shape && t.is_contiguous();
  return g;
}

}  // namespace recgrad::kernels::gpu
