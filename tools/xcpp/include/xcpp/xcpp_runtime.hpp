// tools/xcpp/include/xcpp/xcpp_runtime.hpp — included once at the start of every clang-repl session by
// tools/xcpp/repl.py (never by a notebook). The end-of-cell marker lets the driver split the process's
// output by cell; the value printer shows a cell's trailing expression, as xeus-cling does.
#pragma once
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <type_traits>

namespace xcpp_runtime {

// Written to both streams after each cell, so the driver knows the cell's output is complete.
inline void end_cell(int n) {
  std::cout << std::flush;
  std::fflush(stdout);
  std::printf("\x1eXCPP-END %d\x1e\n", n);
  std::fflush(stdout);
  std::fprintf(stderr, "\x1eXCPP-END %d\x1e\n", n);
  std::fflush(stderr);
}

template <class T, class = void>
struct streamable : std::false_type {};
template <class T>
struct streamable<T, std::void_t<decltype(std::declval<std::ostream&>() << std::declval<const T&>())>>
    : std::true_type {};

// A cell's last line, when it is an expression without ';': printed with operator<< when it can be.
template <class T>
void show_value(const T& value) {
  if constexpr (streamable<T>::value) {
    std::cout << value << std::endl;
  } else {
    std::cout << "(a value of a type without operator<<)" << std::endl;
  }
}

// What xcpp::display writes: one line the driver turns into a display_data output.
inline void emit_display(const std::string& json) {
  std::cout << std::flush;
  std::fflush(stdout);
  std::printf("\x1eXCPP-DISPLAY %s\x1e\n", json.c_str());
  std::fflush(stdout);
}

}  // namespace xcpp_runtime
