#include "datasets/data_dir.hpp"

#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace recgrad::datasets {

std::filesystem::path find_data_dir(const std::string& flag, const std::string& probe) {
  std::vector<std::pair<std::string, std::filesystem::path>> candidates;
  // An explicit --data-dir is the only place looked at: silently reading other data would be worse than stopping.
  if (!flag.empty()) {
    if (std::filesystem::exists(std::filesystem::path(flag) / probe)) return flag;
    throw std::runtime_error("--data-dir " + flag + ": data file '" + probe + "' not found there (" +
                             (std::filesystem::path(flag) / probe).string() +
                             "). Get the data with scripts/get_data.sh.");
  }
  std::string looked;
  if (const char* env = std::getenv("RECGRAD_DATA"); env && *env)
    candidates.emplace_back("$RECGRAD_DATA", env);
  else
    looked += "\n  $RECGRAD_DATA: (not set)";
  candidates.emplace_back("./data", "data");
  candidates.emplace_back("../shared/data", "../shared/data");
  for (const auto& [source, dir] : candidates) {
    if (std::filesystem::exists(dir / probe)) return dir;
    looked += "\n  " + source + ": " + (dir / probe).string() + " (not found)";
  }
  throw std::runtime_error("data file '" + probe + "' not found. Looked at:" + looked +
                           "\nGet the data with scripts/get_data.sh (downloads the originals; needs a network), "
                           "then pass --data-dir DIR or set RECGRAD_DATA.");
}

}  // namespace recgrad::datasets
