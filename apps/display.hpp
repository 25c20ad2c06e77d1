// recgrad/apps/display.hpp — shows a plots::Image inline in a notebook: xcpp::display(image) (xeus-cling,
// or the xcpp17 kernel of tools/xcpp) finds this mime_bundle_repr by argument-dependent lookup.
#pragma once
#include <nlohmann/json.hpp>

#include "apps/plots.hpp"

namespace recgrad::plots {

inline nlohmann::json mime_bundle_repr(const Image& image) {
  nlohmann::json bundle;
  bundle["image/png"] = image.base64();
  bundle["text/plain"] = "<image " + image.path.string() + ">";
  return bundle;
}

}  // namespace recgrad::plots
