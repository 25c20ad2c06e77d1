// recgrad/tests/expect_error.hpp — asserts that a call throws and that its message names what it must.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace recgrad::test {

// Expects `f` to throw an exception whose message contains every string in `parts`.
template <class F>
void expect_error(F f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no exception thrown";
  } catch (const std::exception& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << "message: " << e.what();
  }
}

}  // namespace recgrad::test
