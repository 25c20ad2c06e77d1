#include "autograd/profiler.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

namespace recgrad::profiler {
namespace {

using Clock = std::chrono::steady_clock;

struct State {
  std::mutex mu;
  std::atomic<bool> on{false};  // read by every op without the lock
  std::map<std::string, Row> rows;
  Clock::time_point last = Clock::now();
  State() {
    const char* e = std::getenv("RECGRAD_PROFILE");
    if (e && *e && *e != '0') {
      on = true;
      std::atexit([] { std::fputs(report().c_str(), stderr); });
    }
  }
};

State& state() {
  static State* s = new State;  // never destroyed: the atexit report reads it
  return *s;
}

}  // namespace

bool enabled() { return state().on; }

void enable(bool on) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.on = on;
  s.last = Clock::now();
}

void reset() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.rows.clear();
  s.last = Clock::now();
}

void forward_op(const char* op) {
  State& s = state();
  const auto now = Clock::now();
  std::lock_guard<std::mutex> lock(s.mu);
  Row& r = s.rows[op];
  r.op = op;
  ++r.forward_calls;
  r.forward_ms += std::chrono::duration<double, std::milli>(now - s.last).count();
  s.last = now;
}

void backward_op(const std::string& op, double ms) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  Row& r = s.rows[op];
  r.op = op;
  ++r.backward_calls;
  r.backward_ms += ms;
  s.last = Clock::now();  // the next forward op does not count the backward pass
}

std::vector<Row> rows() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  std::vector<Row> out;
  for (const auto& [name, r] : s.rows) out.push_back(r);
  std::sort(out.begin(), out.end(),
            [](const Row& a, const Row& b) { return a.forward_ms + a.backward_ms > b.forward_ms + b.backward_ms; });
  return out;
}

std::string report(std::size_t top) {
  const std::vector<Row> rs = rows();
  double total = 0;
  for (const Row& r : rs) total += r.forward_ms + r.backward_ms;
  char line[256];
  std::snprintf(line, sizeof line,
                "recgrad profile: %.1f ms in recorded ops (forward = time since the previous op, approximate)\n"
                "%-24s %9s %12s %9s %12s %7s\n",
                total, "op", "fwd calls", "fwd ms", "bwd calls", "bwd ms", "share");
  std::string out = line;
  for (std::size_t i = 0; i < rs.size() && i < top; ++i) {
    const Row& r = rs[i];
    std::snprintf(line, sizeof line, "%-24s %9lld %12.1f %9lld %12.1f %6.1f%%\n", r.op.c_str(),
                  static_cast<long long>(r.forward_calls), r.forward_ms, static_cast<long long>(r.backward_calls),
                  r.backward_ms, total > 0 ? 100.0 * (r.forward_ms + r.backward_ms) / total : 0.0);
    out += line;
  }
  return out;
}

}  // namespace recgrad::profiler
