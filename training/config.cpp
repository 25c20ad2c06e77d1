#include "training/config.hpp"

namespace recgrad::training {

const std::vector<std::string>& protocol_tags() {
  static const std::vector<std::string> tags{
      "chapter",        "paper-hstu", "paper-hstu-u2999", "paper-hstu-refsplit", "paper-hstu-time-filled",
      "sasrec-sampled", "tiger"};
  return tags;
}

}  // namespace recgrad::training
