// Building a Dag (tasks and their order) and compiling it for the Executor (executor.cpp):
// DagGraph::prepare() lays the tasks out as Slots and finds cycles with Kahn's algorithm.
#include "cairn/jobs/dag.hpp"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "jobs/internal/dag_graph.hpp"

namespace cairn::jobs {
namespace detail {

Status DagGraph::prepare() {
  const size_t n = fns.size();
  if (!compiled) {
    slots = std::make_unique<Slot[]>(n);
    size_t edge_count = 0;
    std::vector<uint32_t> in_degree(n, 0);
    for (const auto& list : successors) {
      edge_count += list.size();
      for (uint32_t s : list) ++in_degree[s];
    }
    edges.assign(edge_count, nullptr);
    sources.clear();
    size_t offset = 0;
    for (size_t i = 0; i < n; ++i) {
      Slot& slot = slots[i];
      slot.fn = &fns[i];
      slot.run = &run;
      slot.successors = edges.data() + offset;
      slot.successor_count = static_cast<uint32_t>(successors[i].size());
      slot.predecessor_count = in_degree[i];
      slot.join.store(in_degree[i], std::memory_order_relaxed);
      for (uint32_t s : successors[i]) edges[offset++] = &slots[s];
      if (in_degree[i] == 0) sources.push_back(&slot);
    }
    // Kahn's algorithm: the nodes that never become ready are on a cycle or after one.
    std::vector<uint32_t> stack;
    stack.reserve(sources.size());
    for (const Slot* s : sources) stack.push_back(static_cast<uint32_t>(s - slots.get()));
    size_t reached = 0;
    while (!stack.empty()) {
      uint32_t u = stack.back();
      stack.pop_back();
      ++reached;
      for (uint32_t s : successors[u]) {
        if (--in_degree[s] == 0) stack.push_back(s);
      }
    }
    cyclic = reached != n;
    compiled = true;
    counters_dirty = false;
    run.slots = slots.get();
    unreached = n - reached;
  }
  if (cyclic) {
    return fail(ErrorCode::kInvalidArgument, "JOB_DEPENDENCY_CYCLE",
                "the DAG has a cycle: " + std::to_string(unreached) + " of " + std::to_string(n) +
                    " tasks are on a cycle or depend on one");
  }
  if (counters_dirty) {
    for (size_t i = 0; i < n; ++i) {
      slots[i].join.store(slots[i].predecessor_count, std::memory_order_relaxed);
    }
    counters_dirty = false;
  }
  return ok_status();
}

}  // namespace detail

Node& Node::precede(Node other) {
  assert(graph_ != nullptr && graph_ == other.graph_);
  graph_->successors[index_].push_back(other.index_);
  graph_->compiled = false;
  return *this;
}

Node& Node::succeed(Node other) {
  other.precede(*this);
  return *this;
}

Dag::Dag() : graph_(std::make_unique<detail::DagGraph>()) {}
Dag::~Dag() = default;
Dag::Dag(Dag&&) noexcept = default;
Dag& Dag::operator=(Dag&&) noexcept = default;

Node Dag::add(std::function<void()> fn) {
  assert(graph_->fns.size() < std::numeric_limits<uint32_t>::max());
  graph_->fns.push_back(std::move(fn));
  graph_->successors.emplace_back();
  graph_->compiled = false;
  return {graph_.get(), static_cast<uint32_t>(graph_->fns.size() - 1)};
}

Status Dag::precede(size_t before, size_t after) {
  const size_t n = size();
  if (before >= n || after >= n) {
    return fail(ErrorCode::kInvalidArgument, "JOB_DAG_NODE_INVALID",
                "the DAG has " + std::to_string(n) + " tasks; no task " +
                    std::to_string(std::max(before, after)));
  }
  node(before).precede(node(after));
  return ok_status();
}

Node Dag::node(size_t index) {
  assert(index < size());
  return {graph_.get(), static_cast<uint32_t>(index)};
}

size_t Dag::size() const noexcept { return graph_ ? graph_->fns.size() : 0; }

}  // namespace cairn::jobs
