// A Dag as the Executor runs it: the task list compiled into Slots (one per task, with its
// successors and a join counter) and the state of the one run in progress. Private to
// dag.cpp (which builds it) and executor.cpp (which runs it).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cairn/core/result.hpp"
#include "cairn/jobs/dag.hpp"

namespace cairn::jobs::detail {

struct RunState;

// One task as the executor sees it: everything the hot path reads, in 40 bytes. Built from the
// Dag's lists by DagGraph::prepare() and reused by every run until the Dag changes.
struct Slot {
  const std::function<void()>* fn = nullptr;
  RunState* run = nullptr;
  Slot* const* successors = nullptr;
  uint32_t successor_count = 0;
  uint32_t predecessor_count = 0;
  // Predecessors still to finish in the current run. A task that becomes ready resets it to
  // predecessor_count at once (nobody else touches it again in this run), so a run that
  // completes leaves every counter ready for the next one without a pass over the graph.
  std::atomic<uint32_t> join{0};
};

// The state of one run of a Dag.
struct RunState {
  // Tasks that are ready or running and not finished. Each such task holds one unit; a finishing
  // task passes its unit to the first successor it makes ready, so a chain never touches this.
  // The run is over when it reaches 0.
  std::atomic<int64_t> pending{0};
  std::atomic<bool> cancelled{false};
  std::mutex error_mu;
  std::string error;
  const Slot* slots = nullptr;
};

struct DagGraph {
  std::vector<std::function<void()>> fns;
  std::vector<std::vector<uint32_t>> successors;
  std::atomic<bool> busy{false};

  // The compiled form, valid while `compiled`.
  bool compiled = false;
  bool cyclic = false;
  bool counters_dirty = false;  // a cancelled run left join counters part-way
  size_t unreached = 0;         // with a cycle: tasks on a cycle or after one
  std::unique_ptr<Slot[]> slots;
  std::vector<Slot*> edges;
  std::vector<Slot*> sources;
  RunState run;

  Status prepare();
};

}  // namespace cairn::jobs::detail
