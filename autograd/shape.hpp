// recgrad/autograd/shape.hpp — shapes, strides, broadcasting and axis helpers.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace recgrad {

using Shape = std::vector<std::int64_t>;    // sizes, outermost first
using Strides = std::vector<std::int64_t>;  // in elements, not bytes

std::int64_t numel(const Shape& s);
Strides contiguous_strides(const Shape& s);
std::string shape_str(const Shape& s);  // "(2, 3, 4)"

// NumPy broadcasting: align on the right, sizes must be equal or 1. Throws naming `op` and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

// Maps a possibly negative axis into [0, ndim). Throws naming `op` when out of range.
int normalize_axis(int axis, int ndim, const char* op);
// Normalises, sorts and de-duplicates a list of axes; an empty list means "all axes".
std::vector<int> normalize_axes(std::vector<int> axes, int ndim, const char* op);

// Shape after reducing `axes` (already normalised); keepdim leaves 1s in place.
Shape reduced_shape(const Shape& s, const std::vector<int>& axes, bool keepdim);

}  // namespace recgrad
