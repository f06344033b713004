// WorkDeque: the executor's per-thread deque of ready tasks. Private to executor.cpp; a header
// so that its operations inline into the executor's hot path.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "jobs/internal/dag_graph.hpp"

namespace cairn::jobs::detail {

// The lock-free work-stealing deque of Chase and Lev, with the memory orders of Lê, Pop, Cohen
// and Zappa Nardelli, "Correct and Efficient Work-Stealing for Weak Memory Models" (PPoPP 2013).
// The owner pushes and pops at the bottom; thieves take from the top. The only difference from
// the paper: push publishes with a release store instead of a release fence, which is the same on
// x86 and lets ThreadSanitizer see the hand-over.
class WorkDeque {
 public:
  WorkDeque() {
    arrays_.push_back(std::make_unique<Array>(kInitialCapacity));
    array_.store(arrays_.back().get(), std::memory_order_relaxed);
  }

  // Owner only.
  void push(Slot* item) {
    int64_t b = bottom_.load(std::memory_order_relaxed);
    Array* a = array_.load(std::memory_order_relaxed);
    // `top_seen_` is a value of top_ read earlier; top_ only grows, so the deque holds at most
    // b - top_seen_ items. Only when that might fill the array is top_ read again (with acquire,
    // as the paper reads it on every push): the owner then stops loading the line thieves write
    // on every steal. Every slot written below lies beyond items whose steal was seen complete.
    if (b - top_seen_ > a->mask) {
      top_seen_ = top_.load(std::memory_order_acquire);
      if (b - top_seen_ > a->mask) a = grow(a, b, top_seen_);
    }
    a->put(b, item);
    bottom_.store(b + 1, std::memory_order_release);
  }

  // Owner only. The most recently pushed item, or nullptr.
  Slot* pop() {
    int64_t b = bottom_.load(std::memory_order_relaxed) - 1;
    Array* a = array_.load(std::memory_order_relaxed);
    bottom_.store(b, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    int64_t t = top_.load(std::memory_order_relaxed);
    if (t > b) {
      bottom_.store(b + 1, std::memory_order_relaxed);
      return nullptr;
    }
    Slot* item = a->get(b);
    if (t == b) {
      // The last item: race the thieves for it.
      if (!top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst,
                                        std::memory_order_relaxed)) {
        item = nullptr;
      }
      bottom_.store(b + 1, std::memory_order_relaxed);
    }
    return item;
  }

  // Any thread. The oldest item, or nullptr when empty or when another thief won the race.
  Slot* steal() {
    int64_t t = top_.load(std::memory_order_acquire);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    int64_t b = bottom_.load(std::memory_order_acquire);
    if (t >= b) return nullptr;
    Array* a = array_.load(std::memory_order_acquire);
    Slot* item = a->get(t);
    if (!top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst,
                                      std::memory_order_relaxed)) {
      return nullptr;
    }
    return item;
  }

  // Any thread; a snapshot.
  [[nodiscard]] bool empty() const {
    int64_t t = top_.load(std::memory_order_seq_cst);
    int64_t b = bottom_.load(std::memory_order_seq_cst);
    return t >= b;
  }

 private:
  static constexpr int64_t kInitialCapacity = 1024;

  struct Array {
    explicit Array(int64_t capacity)
        : mask(capacity - 1), items(std::make_unique<std::atomic<Slot*>[]>(capacity)) {}
    [[nodiscard]] Slot* get(int64_t i) const {
      return items[i & mask].load(std::memory_order_relaxed);
    }
    void put(int64_t i, Slot* item) { items[i & mask].store(item, std::memory_order_relaxed); }

    int64_t mask;
    std::unique_ptr<std::atomic<Slot*>[]> items;
  };

  Array* grow(Array* old, int64_t b, int64_t t) {
    auto bigger = std::make_unique<Array>((old->mask + 1) * 2);
    for (int64_t i = t; i < b; ++i) bigger->put(i, old->get(i));
    Array* a = bigger.get();
    // Thieves may still be reading the old array: it lives as long as the deque.
    arrays_.push_back(std::move(bigger));
    array_.store(a, std::memory_order_release);
    return a;
  }

  alignas(64) std::atomic<int64_t> top_{0};
  alignas(64) std::atomic<int64_t> bottom_{0};
  alignas(64) std::atomic<Array*> array_{nullptr};
  int64_t top_seen_ = 0;  // owner only: see push()
  std::vector<std::unique_ptr<Array>> arrays_;
};

}  // namespace cairn::jobs::detail
