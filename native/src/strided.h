// Walking strided N-d views: dimensions are first coalesced (size-1 axes
// dropped, neighbours merged where every operand's strides allow), then the
// flat range is cut into rows along the innermost axis, so kernels only ever
// see (pointer, stride, count) runs.
#pragma once
#include <cstdint>

namespace mst {

constexpr int kMaxDims = 16;
constexpr int kMaxOps = 4;

struct Strided {
  int nd = 0;
  int nops = 0;
  int64_t shape[kMaxDims];
  int64_t strides[kMaxOps][kMaxDims];  // in elements
  int64_t offset[kMaxOps];
  int64_t size() const {
    int64_t s = 1;
    for (int d = 0; d < nd; d++) s *= shape[d];
    return s;
  }
};

// Drop size-1 axes and merge axis d into d+1 where contiguous for all operands.
inline void coalesce(Strided& s) {
  int nd = 0;
  for (int d = 0; d < s.nd; d++) {
    if (s.shape[d] == 1) continue;
    if (nd > 0) {
      bool merge = true;
      for (int o = 0; o < s.nops; o++)
        if (s.strides[o][nd - 1] != s.strides[o][d] * s.shape[d]) merge = false;
      if (merge) {
        s.shape[nd - 1] *= s.shape[d];
        for (int o = 0; o < s.nops; o++) s.strides[o][nd - 1] = s.strides[o][d];
        continue;
      }
    }
    s.shape[nd] = s.shape[d];
    for (int o = 0; o < s.nops; o++) s.strides[o][nd] = s.strides[o][d];
    nd++;
  }
  s.nd = nd;
}

// Call row(offs, inner_strides, count, flat_start) for the rows covering the
// flat (row-major) index range [start, end). offs are element offsets.
template <typename F>
void for_rows(const Strided& s, int64_t start, int64_t end, F&& row) {
  int64_t offs[kMaxOps], inner[kMaxOps];
  if (start >= end) return;
  if (s.nd == 0) {
    for (int o = 0; o < s.nops; o++) offs[o] = s.offset[o], inner[o] = 0;
    row(offs, inner, int64_t(1), start);
    return;
  }
  const int nd = s.nd;
  int64_t idx[kMaxDims];
  int64_t rem = start;
  for (int d = nd - 1; d >= 0; d--) {
    idx[d] = rem % s.shape[d];
    rem /= s.shape[d];
  }
  for (int o = 0; o < s.nops; o++) {
    offs[o] = s.offset[o];
    for (int d = 0; d < nd; d++) offs[o] += idx[d] * s.strides[o][d];
    inner[o] = s.strides[o][nd - 1];
  }
  int64_t pos = start;
  while (pos < end) {
    int64_t cnt = s.shape[nd - 1] - idx[nd - 1];
    if (cnt > end - pos) cnt = end - pos;
    row(offs, inner, cnt, pos);
    pos += cnt;
    // advance the odometer by cnt along the last axis, carrying outward
    idx[nd - 1] += cnt;
    for (int o = 0; o < s.nops; o++) offs[o] += cnt * inner[o];
    for (int d = nd - 1; d > 0 && idx[d] == s.shape[d]; d--) {
      idx[d] = 0;
      idx[d - 1]++;
      for (int o = 0; o < s.nops; o++) offs[o] += s.strides[o][d - 1] - s.shape[d] * s.strides[o][d];
    }
  }
}

}  // namespace mst
