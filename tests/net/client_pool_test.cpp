// cairn::net::ClientPool and ClientPools against a real cairn::net::Server (TCP on 127.0.0.1:0 and
// unix sockets): sharing a few connections among many threads, waiting and giving up when every
// connection is held, replacing connections the server closes or that failed, recovering when the
// server comes back, and closing idle connections past idle_timeout.
#include "cairn/net/client_pool.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cairn/net/server.hpp"
#include "support/temp_dir.hpp"

namespace cairn::net {
namespace {

using namespace std::chrono_literals;

// Waits (bounded: 10 s) until `condition` holds; returns whether it did.
template <class F>
bool eventually(F condition) {
  for (int i = 0; i < 1000; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

// What the test server's handlers saw.
struct Seen {
  std::mutex mu;
  std::set<std::string> remotes;  // distinct "address:port": one per connection
  int in_flight = 0;
  int max_in_flight = 0;
  std::atomic<int> slow_entered{0};
};

// A server with /hello (answers "hello"), /big (a 64 KiB body) and /slow (waits for `gate`,
// at most 10 s).
std::unique_ptr<Server> start_server(Seen& seen, const std::shared_future<void>& gate,
                                     ServerOptions options = {},
                                     const std::string& unix_path = "") {
  Router router;
  EXPECT_TRUE(router.add("GET", "/hello", [&seen](const Request& req, Response& res) {
    {
      std::lock_guard lock(seen.mu);
      seen.remotes.insert(req.remote);
      seen.max_in_flight = std::max(seen.max_in_flight, ++seen.in_flight);
    }
    std::this_thread::yield();
    {
      std::lock_guard lock(seen.mu);
      --seen.in_flight;
    }
    res.text("hello");
  }));
  EXPECT_TRUE(router.add("GET", "/big", [](const Request&, Response& res) {
    res.text(std::string(std::size_t{64} * 1024, 'x'));
  }));
  EXPECT_TRUE(router.add("GET", "/slow", [&seen, gate](const Request&, Response& res) {
    ++seen.slow_entered;
    gate.wait_for(10s);
    res.text("slow");
  }));
  auto server = std::make_unique<Server>(std::move(router), std::move(options));
  if (unix_path.empty()) {
    EXPECT_TRUE(server->listen_tcp("127.0.0.1", 0));
  } else {
    EXPECT_TRUE(server->listen_unix(unix_path));
  }
  EXPECT_TRUE(server->start(4));
  return server;
}

std::string origin_of(const Server& server) {
  return "http://127.0.0.1:" + std::to_string(server.port());
}

TEST(ClientPoolTest, ManyThreadsShareAFewKeptConnections) {
  Seen seen;
  std::promise<void> never;
  auto server = start_server(seen, never.get_future().share());
  PoolOptions options;
  options.max_connections = 3;
  auto pool = ClientPool::create(origin_of(*server), options);
  ASSERT_TRUE(pool) << pool.error().message;

  constexpr int kThreads = 8;
  constexpr int kRequests = 50;
  std::atomic<int> succeeded{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRequests; ++i) {
        auto res = pool->get("/hello");
        if (res && res->status == 200 && res->body == "hello") ++succeeded;
      }
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(succeeded.load(), kThreads * kRequests);
  EXPECT_LE(server->stats().accepted_connections, 3U);
  EXPECT_LE(seen.remotes.size(), 3U);
  EXPECT_LE(seen.max_in_flight, 3);
  PoolStats stats = pool->stats();
  EXPECT_LE(stats.created, 3U);
  EXPECT_GE(stats.created, 1U);
  EXPECT_EQ(stats.reused + stats.created, static_cast<uint64_t>(kThreads * kRequests));
  EXPECT_EQ(stats.in_use, 0U);
  EXPECT_EQ(stats.idle, stats.created);
  EXPECT_EQ(stats.open, stats.idle);
  EXPECT_EQ(stats.discarded, 0U);
  EXPECT_EQ(stats.exhausted, 0U);
  server->stop(0ms);
}

TEST(ClientPoolTest, GivesUpWithPoolExhaustedWhileEveryConnectionIsHeld) {
  Seen seen;
  std::promise<void> gate;
  auto server = start_server(seen, gate.get_future().share());
  PoolOptions options;
  options.max_connections = 2;
  options.acquire_timeout = 50ms;
  auto pool = ClientPool::create(origin_of(*server), options);
  ASSERT_TRUE(pool);

  std::vector<std::thread> holders;
  holders.reserve(2);
  std::atomic<int> slow_ok{0};
  for (int i = 0; i < 2; ++i) {
    holders.emplace_back([&] {
      auto res = pool->get("/slow");
      if (res && res->body == "slow") ++slow_ok;
    });
  }
  ASSERT_TRUE(eventually([&] { return seen.slow_entered.load() == 2; }));
  EXPECT_EQ(pool->stats().in_use, 2U);

  auto refused = pool->get("/hello");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(refused.error().reason, "NET_POOL_EXHAUSTED");
  EXPECT_EQ(pool->stats().exhausted, 1U);

  gate.set_value();
  for (auto& holder : holders) holder.join();
  EXPECT_EQ(slow_ok.load(), 2);

  auto after = pool->get("/hello");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body, "hello");
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.created, 2U);
  EXPECT_EQ(stats.reused, 1U);
  EXPECT_EQ(stats.idle, 2U);
  server->stop(0ms);
}

TEST(ClientPoolTest, AWaitingCallGetsTheConnectionThatComesBack) {
  Seen seen;
  std::promise<void> gate;
  auto server = start_server(seen, gate.get_future().share());
  PoolOptions options;
  options.max_connections = 1;
  options.acquire_timeout = 20s;
  auto pool = ClientPool::create(origin_of(*server), options);
  ASSERT_TRUE(pool);

  std::thread holder([&] { EXPECT_TRUE(pool->get("/slow")); });
  ASSERT_TRUE(eventually([&] { return seen.slow_entered.load() == 1; }));
  std::atomic<bool> waiter_done{false};
  Result<ClientResponse> waited = ClientResponse();
  std::thread waiter([&] {
    waited = pool->get("/hello");
    waiter_done = true;
  });
  ASSERT_TRUE(eventually([&] { return pool->stats().waiting == 1; }));
  EXPECT_FALSE(waiter_done.load());  // the only connection is held until the gate opens
  gate.set_value();
  holder.join();
  waiter.join();
  ASSERT_TRUE(waited);
  EXPECT_EQ(waited->body, "hello");
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.created, 1U);
  EXPECT_EQ(stats.reused, 1U);
  EXPECT_EQ(stats.exhausted, 0U);
  server->stop(0ms);
}

TEST(ClientPoolTest, KeepsAtMostMaxIdleConnections) {
  Seen seen;
  std::promise<void> gate;
  auto server = start_server(seen, gate.get_future().share());
  PoolOptions options;
  options.max_connections = 3;
  options.max_idle = 1;
  auto pool = ClientPool::create(origin_of(*server), options);
  ASSERT_TRUE(pool);

  std::vector<std::thread> holders;
  holders.reserve(3);
  for (int i = 0; i < 3; ++i) holders.emplace_back([&] { EXPECT_TRUE(pool->get("/slow")); });
  ASSERT_TRUE(eventually([&] { return seen.slow_entered.load() == 3; }));
  gate.set_value();
  for (auto& holder : holders) holder.join();

  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.created, 3U);
  EXPECT_EQ(stats.idle, 1U);
  EXPECT_EQ(stats.open, 1U);
  EXPECT_EQ(stats.expired, 2U);
  server->stop(0ms);
}

TEST(ClientPoolTest, ReplacesConnectionsTheServerCloses) {
  Seen seen;
  std::promise<void> never;
  auto server = start_server(seen, never.get_future().share());
  auto pool = ClientPool::create(origin_of(*server));
  ASSERT_TRUE(pool);

  // Asking for Connection: close makes the server close each connection after its answer.
  Headers close;
  close.add("Connection", "close");
  for (int i = 0; i < 5; ++i) {
    auto res = pool->get("/hello", close);
    ASSERT_TRUE(res) << res.error().reason;
    EXPECT_EQ(res->body, "hello");
    EXPECT_EQ(res->headers.get("Connection").value_or(""), "close");
  }
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.created, 5U);
  EXPECT_EQ(stats.discarded, 5U);
  EXPECT_EQ(stats.reused, 0U);
  EXPECT_EQ(stats.open, 0U);
  EXPECT_EQ(server->stats().accepted_connections, 5U);
  server->stop(0ms);
}

TEST(ClientPoolTest, ReopensAKeptConnectionTheServerClosedWhileIdle) {
  Seen seen;
  std::promise<void> never;
  ServerOptions server_options;
  server_options.limits.idle_timeout = 200ms;
  auto server = start_server(seen, never.get_future().share(), server_options);
  auto pool = ClientPool::create(origin_of(*server));
  ASSERT_TRUE(pool);

  ASSERT_TRUE(pool->get("/hello"));
  ASSERT_TRUE(eventually([&] { return server->stats().open_connections == 0; }));
  auto res = pool->get("/hello");
  ASSERT_TRUE(res) << res.error().reason;
  EXPECT_EQ(res->body, "hello");
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.created, 2U);
  EXPECT_EQ(stats.reused, 0U);
  EXPECT_EQ(server->stats().accepted_connections, 2U);
  server->stop(0ms);
}

TEST(ClientPoolTest, DiscardsAConnectionWhoseCallFailed) {
  Seen seen;
  std::promise<void> never;
  auto server = start_server(seen, never.get_future().share());
  PoolOptions options;
  options.client.max_response_bytes = 1024;
  auto pool = ClientPool::create(origin_of(*server), options);
  ASSERT_TRUE(pool);

  ASSERT_TRUE(pool->get("/hello"));
  auto big = pool->get("/big");
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(big.error().reason, "NET_RESPONSE_TOO_LARGE");
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.discarded, 1U);
  EXPECT_EQ(stats.open, 0U);

  ASSERT_TRUE(pool->get("/hello"));
  stats = pool->stats();
  EXPECT_EQ(stats.created, 2U);
  EXPECT_EQ(stats.idle, 1U);
  server->stop(0ms);
}

TEST(ClientPoolTest, FailsWhileTheServerIsDownAndRecoversWhenItReturns) {
  testing::TempDir dir;
  std::string path = dir.file("run/api.sock");
  Seen seen;
  std::promise<void> never;
  auto gate = never.get_future().share();
  auto server = start_server(seen, gate, {}, path);
  auto pool = ClientPool::create("unix:" + path);
  ASSERT_TRUE(pool);
  ASSERT_TRUE(pool->get("/hello"));
  EXPECT_EQ(pool->stats().idle, 1U);

  server->stop(0ms);
  server.reset();
  for (int i = 0; i < 2; ++i) {
    auto down = pool->get("/hello");
    ASSERT_FALSE(down);
    EXPECT_EQ(down.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(down.error().reason, "NET_CONNECT_FAILED");
  }
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.open, 0U);
  EXPECT_EQ(stats.discarded, 1U);  // the kept connection; the second call had none to discard

  server = start_server(seen, gate, {}, path);
  auto back = pool->get("/hello");
  ASSERT_TRUE(back) << back.error().reason;
  EXPECT_EQ(back->body, "hello");
  EXPECT_EQ(pool->stats().idle, 1U);
  server->stop(0ms);
}

TEST(ClientPoolTest, ClosesIdleConnectionsPastIdleTimeout) {
  Seen seen;
  std::promise<void> never;
  auto server = start_server(seen, never.get_future().share());
  PoolOptions options;
  options.idle_timeout = 20ms;
  auto pool = ClientPool::create(origin_of(*server), options);
  ASSERT_TRUE(pool);

  ASSERT_TRUE(pool->get("/hello"));
  ASSERT_TRUE(eventually([&] { return pool->stats().idle == 0; }));
  EXPECT_EQ(pool->stats().expired, 1U);
  // The server sees the connection closed by the client.
  ASSERT_TRUE(eventually([&] { return server->stats().open_connections == 0; }));

  ASSERT_TRUE(pool->get("/hello"));
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.created, 2U);
  EXPECT_EQ(stats.reused, 0U);
  server->stop(0ms);
}

TEST(ClientPoolTest, CloseIdleClosesKeptConnections) {
  Seen seen;
  std::promise<void> never;
  auto server = start_server(seen, never.get_future().share());
  auto pool = ClientPool::create(origin_of(*server));
  ASSERT_TRUE(pool);
  ASSERT_TRUE(pool->get("/hello"));
  pool->close_idle();
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.idle, 0U);
  EXPECT_EQ(stats.expired, 1U);
  ASSERT_TRUE(eventually([&] { return server->stats().open_connections == 0; }));
  server->stop(0ms);
}

TEST(ClientPoolTest, RejectsABadOriginOrOptions) {
  auto scheme = ClientPool::create("ftp://127.0.0.1:21");
  ASSERT_FALSE(scheme);
  EXPECT_EQ(scheme.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(scheme.error().reason, "NET_URL_INVALID");

  auto path = ClientPool::create("http://127.0.0.1:8080/api");
  ASSERT_FALSE(path);
  EXPECT_EQ(path.error().reason, "NET_URL_INVALID");

  PoolOptions none;
  none.max_connections = 0;
  auto zero = ClientPool::create("http://127.0.0.1:8080", none);
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(zero.error().reason, "NET_POOL_OPTIONS_INVALID");

  PoolOptions no_idle;
  no_idle.idle_timeout = 0ms;
  auto idle = ClientPool::create("http://127.0.0.1:8080", no_idle);
  ASSERT_FALSE(idle);
  EXPECT_EQ(idle.error().reason, "NET_POOL_OPTIONS_INVALID");

  PoolOptions negative;
  negative.acquire_timeout = -1ms;
  auto wait = ClientPool::create("http://127.0.0.1:8080", negative);
  ASSERT_FALSE(wait);
  EXPECT_EQ(wait.error().reason, "NET_POOL_OPTIONS_INVALID");
}

TEST(ClientPoolTest, ConnectsNothingUntilTheFirstCall) {
  // Nothing listens on this socket: creating the pool succeeds, the call fails.
  testing::TempDir dir;
  auto pool = ClientPool::create("unix:" + dir.file("none.sock"));
  ASSERT_TRUE(pool);
  EXPECT_EQ(pool->origin(), "unix:" + dir.file("none.sock"));
  auto res = pool->get("/hello");
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().reason, "NET_CONNECT_FAILED");
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.created, 0U);
  EXPECT_EQ(stats.open, 0U);
  EXPECT_EQ(stats.in_use, 0U);
}

TEST(ClientPoolsTest, HandsOutOnePoolPerOrigin) {
  Seen seen;
  std::promise<void> never;
  auto server = start_server(seen, never.get_future().share());
  std::string port = std::to_string(server->port());
  ClientPools pools;

  auto a = pools.pool("http://127.0.0.1:" + port);
  auto b = pools.pool("http://127.0.0.1:" + port + "/");
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(a->get(), b->get());
  EXPECT_EQ(pools.size(), 1U);
  ASSERT_TRUE((*a)->get("/hello"));
  ASSERT_TRUE((*b)->get("/hello"));
  EXPECT_EQ((*a)->stats().reused, 1U);

  auto bad = pools.pool("gopher://127.0.0.1");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().reason, "NET_URL_INVALID");
  EXPECT_EQ(pools.size(), 1U);
  server->stop(0ms);
}

TEST(ClientPoolsTest, DropsTheLeastRecentlyUsedPoolPastMaxOrigins) {
  Seen seen;
  std::promise<void> never;
  auto server = start_server(seen, never.get_future().share());
  ClientPoolsOptions options;
  options.max_origins = 2;
  ClientPools pools(options);

  auto first = pools.pool(origin_of(*server));
  ASSERT_TRUE(first);
  ASSERT_TRUE(pools.pool("unix:/nonexistent/a.sock"));
  ASSERT_TRUE(pools.pool(origin_of(*server)));  // now the most recently used
  ASSERT_TRUE(pools.pool("unix:/nonexistent/b.sock"));
  EXPECT_EQ(pools.size(), 2U);

  auto again = pools.pool(origin_of(*server));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->get(), first->get());  // kept: a.sock was the one dropped

  ASSERT_TRUE(pools.pool("unix:/nonexistent/c.sock"));  // drops b.sock
  ASSERT_TRUE(pools.pool("unix:/nonexistent/d.sock"));  // drops the server's pool
  auto fresh = pools.pool(origin_of(*server));
  ASSERT_TRUE(fresh);
  EXPECT_NE(fresh->get(), first->get());
  // The dropped pool still works for whoever holds it.
  auto res = (*first)->get("/hello");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "hello");
  server->stop(0ms);
}

}  // namespace
}  // namespace cairn::net
