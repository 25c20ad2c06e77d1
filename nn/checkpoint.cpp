#include "nn/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace recgrad::nn {

namespace {

const char* st_dtype(DType d) { return d == DType::f32 ? "F32" : d == DType::f64 ? "F64" : "I64"; }

DType from_st_dtype(const std::string& s, const std::filesystem::path& path, const std::string& name) {
  if (s == "F32") return DType::f32;
  if (s == "F64") return DType::f64;
  if (s == "I64") return DType::i64;
  throw std::runtime_error(path.string() + ": tensor '" + name + "' has unsupported dtype " + s);
}

[[noreturn]] void io_error(const std::filesystem::path& path, const std::string& what) {
  throw std::runtime_error(path.string() + ": " + what + ": " + std::strerror(errno));
}

// Writes all of `data` to fd or throws (a full disk shows up here as ENOSPC).
void write_all(int fd, const char* data, std::size_t n, const std::filesystem::path& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      io_error(path, "write failed");
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
}

}  // namespace

void save_safetensors(const std::filesystem::path& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  nlohmann::json header;
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<Tensor> dense;
  std::size_t offset = 0;
  std::set<std::string> names;
  for (const auto& [name, t] : tensors) {
    if (!names.insert(name).second)
      throw std::invalid_argument("save_safetensors: duplicate tensor name '" + name + "'");
    dense.push_back(t.detach().to(Device::cpu()).contiguous());  // a GPU tensor is written from a host copy
    const std::size_t bytes = static_cast<std::size_t>(t.numel()) * dtype_size(t.dtype());
    header[name] = {{"dtype", st_dtype(t.dtype())}, {"shape", t.shape()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');  // align the data to 8 bytes, as the reference writer does
  const std::uint64_t hlen = h.size();

  const std::filesystem::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) io_error(tmp, "cannot create checkpoint");
  try {
    unsigned char len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(hlen >> (8 * i));
    write_all(fd, reinterpret_cast<const char*>(len), 8, tmp);
    write_all(fd, h.data(), h.size(), tmp);
    for (const auto& t : dense)
      write_all(fd, static_cast<const char*>(t.impl()->storage->data) + t.offset() * dtype_size(t.dtype()),
                static_cast<std::size_t>(t.numel()) * dtype_size(t.dtype()), tmp);
    if (::fsync(fd) != 0) io_error(tmp, "fsync failed");
  } catch (...) {
    ::close(fd);
    std::filesystem::remove(tmp);
    throw;
  }
  if (::close(fd) != 0) {
    std::filesystem::remove(tmp);
    io_error(tmp, "close failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::filesystem::remove(tmp);
    io_error(path, "cannot rename the temporary checkpoint into place");
  }
}

LoadedTensors load_safetensors(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": cannot open checkpoint");
  const auto file_size = std::filesystem::file_size(path);
  auto fail = [&](const std::string& what) -> void { throw std::runtime_error(path.string() + ": " + what); };
  if (file_size < 8) fail("truncated: " + std::to_string(file_size) + " bytes, no header");
  unsigned char len[8];
  in.read(reinterpret_cast<char*>(len), 8);
  std::uint64_t hlen = 0;
  for (int i = 0; i < 8; ++i) hlen |= static_cast<std::uint64_t>(len[i]) << (8 * i);
  if (hlen > file_size - 8)
    fail("header length " + std::to_string(hlen) + " exceeds the file (" + std::to_string(file_size) +
         " bytes): truncated or not a safetensors file");
  std::string h(hlen, '\0');
  in.read(h.data(), static_cast<std::streamsize>(hlen));
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(h);
  } catch (const std::exception& e) {
    fail(std::string("corrupt header: ") + e.what());
  }
  if (!header.is_object()) fail("corrupt header: expected a JSON object, got " + std::string(header.type_name()));
  const std::uint64_t data_size = file_size - 8 - hlen;
  LoadedTensors out;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    try {
      if (name == "__metadata__") {
        for (auto m = it->begin(); m != it->end(); ++m) out.metadata[m.key()] = m->get<std::string>();
        continue;
      }
      const DType dt = from_st_dtype(it->at("dtype").get<std::string>(), path, name);
      const Shape shape = it->at("shape").get<Shape>();
      const auto offs = it->at("data_offsets").get<std::vector<std::uint64_t>>();
      // numel, refusing negative sizes and products beyond the file before they can overflow
      std::uint64_t n = 1;
      for (const auto dim : shape) {
        if (dim < 0) fail("tensor '" + name + "': negative size in shape " + shape_str(shape));
        if (dim > 0 && n > data_size / static_cast<std::uint64_t>(dim))
          fail("tensor '" + name + "': shape " + shape_str(shape) + " holds more data than the file");
        n *= static_cast<std::uint64_t>(dim);
      }
      const std::uint64_t bytes = n * dtype_size(dt);
      if (offs.size() != 2 || offs[1] < offs[0] || offs[1] - offs[0] != bytes)
        fail("tensor '" + name + "': data_offsets do not match shape " + shape_str(shape));
      if (offs[1] > data_size)
        fail("truncated: tensor '" + name + "' ends at byte " + std::to_string(offs[1]) + " of the data, which has " +
             std::to_string(data_size));
      Tensor t = Tensor::empty(shape, dt);
      in.seekg(static_cast<std::streamoff>(8 + hlen + offs[0]));
      in.read(static_cast<char*>(t.impl()->storage->data), static_cast<std::streamsize>(bytes));
      if (!in) fail("read error in tensor '" + name + "'");
      ranges.emplace_back(offs[0], offs[1]);
      out.tensors[name] = t;
    } catch (const nlohmann::json::exception& e) {
      fail("corrupt entry '" + name + "': " + e.what());
    }
  }
  std::sort(ranges.begin(), ranges.end());
  for (std::size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first < ranges[i - 1].second) fail("corrupt: tensor data ranges overlap");
  return out;
}

void load_into(const std::filesystem::path& path, const NamedTensors& params) {
  LoadedTensors loaded = load_safetensors(path);
  std::string problems;
  for (const auto& [name, p] : params) {
    auto it = loaded.tensors.find(name);
    if (it == loaded.tensors.end()) {
      problems += "\n  missing tensor '" + name + "' " + shape_str(p.shape());
      continue;
    }
    if (it->second.shape() != p.shape() || it->second.dtype() != p.dtype())
      problems += "\n  tensor '" + name + "': checkpoint has " + it->second.str() + ", model expects " + p.str();
  }
  std::set<std::string> wanted;
  for (const auto& [name, p] : params) wanted.insert(name);
  for (const auto& [name, t] : loaded.tensors)
    if (!wanted.count(name)) problems += "\n  unexpected tensor '" + name + "' " + shape_str(t.shape());
  if (!problems.empty()) throw std::runtime_error(path.string() + ": checkpoint does not match the model:" + problems);
  for (const auto& [name, p] : params) {
    Tensor dst = p.detach();
    dst.copy_(loaded.tensors.at(name));
  }
}

}  // namespace recgrad::nn
