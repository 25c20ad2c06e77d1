// tools/xcpp/include/xcpp/xdisplay.hpp — xeus-cling's xcpp::display for the clang-repl driver
// (tools/xcpp/repl.py puts this directory on the include path; under real xeus-cling, xeus-cling's own
// header of the same name is used). As in xeus-cling, display(v) shows the MIME bundle that
// mime_bundle_repr(v), found by argument-dependent lookup, returns.
#pragma once
#include <nlohmann/json.hpp>

#include "xcpp/xcpp_runtime.hpp"

namespace xcpp {

template <class T>
void display(const T& value) {
  const nlohmann::json bundle = mime_bundle_repr(value);
  xcpp_runtime::emit_display(bundle.dump());
}

}  // namespace xcpp
