#include "blocks.h"

#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace mst {

namespace {

struct Cache {
  std::mutex m;
  std::unordered_map<size_t, std::vector<void*>> free;  // by size class
  int64_t live = 0, live_bytes = 0, cached = 0;
  int64_t cap = int64_t(1) << 30;
};

Cache& cache() {
  // Leaked on purpose: V8 may return blocks while the process exits.
  static Cache* c = [] {
    Cache* k = new Cache();
    if (const char* env = std::getenv("MINDSPORE_TS_CACHE_MB")) k->cap = int64_t(std::atoll(env)) << 20;
    return k;
  }();
  return *c;
}

// Size classes an eighth of a power of two apart: at most 12.5% slack, and a
// block freed by one step of a training loop fits the same tensor next step.
size_t size_class(size_t bytes) {
  if (bytes <= 256) return 256;
  size_t p = 256;
  while (p * 2 < bytes) p *= 2;
  size_t step = p / 8;
  return (bytes + step - 1) / step * step;
}

}  // namespace

void* block_take(size_t bytes, size_t* cls) {
  size_t c = size_class(bytes);
  *cls = c;
  Cache& k = cache();
  {
    std::lock_guard<std::mutex> lk(k.m);
    k.live++;
    k.live_bytes += int64_t(c);
    auto it = k.free.find(c);
    if (it != k.free.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      k.cached -= int64_t(c);
      return p;
    }
  }
  void* p = std::aligned_alloc(64, c);  // c is a multiple of 64
  if (!p) {
    std::lock_guard<std::mutex> lk(k.m);
    k.live--;
    k.live_bytes -= int64_t(c);
  }
  return p;
}

void block_put(void* p, size_t cls) {
  Cache& k = cache();
  {
    std::lock_guard<std::mutex> lk(k.m);
    k.live--;
    k.live_bytes -= int64_t(cls);
    if (k.cached + int64_t(cls) <= k.cap) {
      k.free[cls].push_back(p);
      k.cached += int64_t(cls);
      return;
    }
  }
  std::free(p);
}

BlockStats block_stats() {
  Cache& k = cache();
  std::lock_guard<std::mutex> lk(k.m);
  return {k.live, k.live_bytes, k.cached, k.cap};
}

void block_set_cap(int64_t bytes) {
  Cache& k = cache();
  std::vector<void*> drop;
  {
    std::lock_guard<std::mutex> lk(k.m);
    k.cap = bytes < 0 ? 0 : bytes;
    for (auto& [cls, list] : k.free) {
      while (k.cached > k.cap && !list.empty()) {
        drop.push_back(list.back());
        list.pop_back();
        k.cached -= int64_t(cls);
      }
    }
  }
  for (void* p : drop) std::free(p);
}

}  // namespace mst
