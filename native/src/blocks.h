// Output memory for kernels: blocks handed to JS as ArrayBuffers and taken
// back, still mapped and warm, when V8 frees them. Fresh memory costs a page
// fault per 4 KiB on first touch (on the VMs we measure, that made a 1e6-element
// multiply 10x slower than the multiply itself); reused blocks cost nothing.
#pragma once
#include <cstddef>
#include <cstdint>

namespace mst {

// A block of at least `bytes` (64-byte aligned); *cls receives its size class,
// which must be passed back to block_put.
void* block_take(size_t bytes, size_t* cls);
// Return a block (any thread: V8 may free ArrayBuffers on a background thread).
void block_put(void* p, size_t cls);

struct BlockStats {
  int64_t live;          // blocks handed out and not yet returned
  int64_t live_bytes;
  int64_t cached_bytes;  // returned blocks kept for reuse
  int64_t cap_bytes;     // most bytes kept for reuse
};
BlockStats block_stats();
// Keep at most `bytes` of returned blocks (frees the excess at once).
void block_set_cap(int64_t bytes);

}  // namespace mst
