// Small statistics shared by the benchmarks.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

/// The value below which a fraction `p` of `v` lies (p = 1: the maximum); 0 when empty.
inline double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}
