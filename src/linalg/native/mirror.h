// Copies the lower triangle of a row-major n x n matrix onto the upper one, in 64 x 64 tiles so that the
// transposed writes stay in cache: after SYRK (which fills one triangle) and for symmetric NTK blocks.
#pragma once
#include <algorithm>
#include <cstdint>

template <typename T>
inline void MirrorLower(T* c, int64_t n) {
  const int64_t B = 64;
  for (int64_t i0 = 0; i0 < n; i0 += B) {
    const int64_t i1 = std::min(n, i0 + B);
    for (int64_t j0 = 0; j0 <= i0; j0 += B) {
      const int64_t j1 = std::min(n, j0 + B);
      for (int64_t i = i0; i < i1; i++) {
        const int64_t jEnd = std::min(j1, i);
        for (int64_t j = j0; j < jEnd; j++) c[j * n + i] = c[i * n + j];
      }
    }
  }
}
