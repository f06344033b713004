// Access decision benchmarks. The peer figure is published, not re-run here (casbin-cpp is not a
// Debian package): casbin-cpp's RBAC enforce() takes 28.8 us per check with 5 rules and grows
// linearly with the policy (reference anchors.md section 2.1). Goals: >= 10M default-rule
// decisions/s per core, >= 1M/s with a 1,000-rule policy.
//
//   BM_AccessDefaultRead      read of a follower-visible item by a follower (default rules)
//   BM_AccessDefaultWrite     write by a non-owner with a share level
//   BM_AccessPolicy/N         a policy of N rules spread over N/10 actions; the checked action
//                             has 10 candidate rules, the last of which matches
#include <benchmark/benchmark.h>

#include <string>

#include "cairn/access/check.hpp"

namespace {

using namespace cairn::access;

void BM_AccessDefaultRead(benchmark::State& state) {
  Subject s;
  s.id_tag = "alice.example.com";
  s.following = true;
  Resource r;
  r.owner = "bob.example.com";
  r.visibility = Visibility::kFollower;
  for (auto _ : state) benchmark::DoNotOptimize(check(s, "action:read", r));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AccessDefaultRead);

void BM_AccessDefaultWrite(benchmark::State& state) {
  Subject s;
  s.id_tag = "alice.example.com";
  Resource r;
  r.owner = "bob.example.com";
  r.access_level = AccessLevel::kWrite;
  for (auto _ : state) benchmark::DoNotOptimize(check(s, "file:write", r));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AccessDefaultWrite);

std::string policy_of(int64_t rules) {
  std::string doc = R"({"top": [)";
  for (int64_t i = 0; i < rules; ++i) {
    if (i > 0) doc += ",";
    doc += R"({"effect": "deny", "actions": ["res)" + std::to_string(i / 10) +
           R"(:read"], "when": [{"attr": "subject.id_tag", "op": "eq", "value": "user)" +
           std::to_string(i) + R"("}]})";
  }
  return doc + "]}";
}

void BM_AccessPolicy(benchmark::State& state) {
  Policy policy = Policy::from_json(policy_of(state.range(0))).value();
  Subject s;
  s.id_tag = "user9";  // matches rule 9, the last candidate of res0:read
  Resource r;
  r.owner = "bob";
  r.visibility = Visibility::kPublic;
  for (auto _ : state) {
    Decision d = check(s, "res0:read", r, {}, &policy);
    if (d.allowed) state.SkipWithError("expected the policy to deny");
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AccessPolicy)->Arg(10)->Arg(1000);

}  // namespace

BENCHMARK_MAIN();
