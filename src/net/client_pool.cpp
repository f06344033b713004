// ClientPool and ClientPools: a bounded set of HttpClients per origin, shared by threads.
//
// Invariants (under Impl::mu):
//   idle.size() + in_use <= options.max_connections, where in_use counts every slot a call holds,
//   from the moment it is reserved (before connecting) until the call ends;
//   every client in `idle` is connected and was last used at its `since`, oldest first.
// Connecting, requesting and closing sockets (an HttpClient's destructor) happen outside the lock:
// a slow origin holds a slot, never the mutex. A waiting call is woken (freed.notify_one) whenever
// a slot or an idle connection comes free, which is exactly one unit for one waiter.
// ClientPools has its own mutex and never holds it while a pool's is taken.
#include "cairn/net/client_pool.hpp"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "net/internal/client_url.hpp"

namespace cairn::net {
namespace {

using Clock = std::chrono::steady_clock;

struct IdleClient {
  HttpClient client;
  Clock::time_point since;
};

Headers with_json(const Headers& headers) {
  Headers out = headers;
  if (!out.contains("Content-Type")) out.add("Content-Type", "application/json");
  if (!out.contains("Accept")) out.add("Accept", "application/json");
  return out;
}

}  // namespace

struct ClientPool::Impl {
  std::string origin;   // as given, for HttpClient::connect
  std::string display;  // for messages
  PoolOptions options;

  mutable std::mutex mu;
  std::condition_variable freed;
  std::deque<IdleClient> idle;
  std::size_t in_use = 0;
  std::size_t waiting = 0;
  PoolStats counters;  // only the counters are kept here; the gauges are computed

  // A connection held by one call; gives its slot back when destroyed, keeping the connection
  // only when the call was marked healthy.
  class Lease {
   public:
    Lease(Impl* pool, std::optional<HttpClient> client, bool kept)
        : pool_(pool),
          client_(std::move(client)),
          kept_(kept),
          opened_before_(client_ && kept ? client_->connections_opened() : 0) {}
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)),
          client_(std::move(other.client_)),
          kept_(other.kept_),
          opened_before_(other.opened_before_),
          healthy_(other.healthy_) {}
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (pool_ != nullptr) pool_->release(std::move(client_), kept_, opened_before_, healthy_);
    }

    HttpClient& client() { return *client_; }
    // Gives an empty lease (a reserved slot) the connection just opened for it.
    void attach(HttpClient client) { client_.emplace(std::move(client)); }
    void mark_healthy() { healthy_ = true; }

   private:
    Impl* pool_;
    std::optional<HttpClient> client_;
    bool kept_;
    std::size_t opened_before_;
    bool healthy_ = false;
  };

  // Moves the idle connections past idle_timeout into `out` (closed by the caller, unlocked).
  void expire(Clock::time_point now, std::vector<HttpClient>& out) {
    while (!idle.empty() && now - idle.front().since >= options.idle_timeout) {
      out.push_back(std::move(idle.front().client));
      idle.pop_front();
      ++counters.expired;
    }
  }

  Result<Lease> acquire();
  void release(std::optional<HttpClient> client, bool kept, std::size_t opened_before,
               bool healthy);
  PoolStats snapshot() const {
    PoolStats s = counters;
    s.idle = idle.size();
    s.in_use = in_use;
    s.waiting = waiting;
    s.open = s.idle + s.in_use;
    return s;
  }
};

Result<ClientPool::Impl::Lease> ClientPool::Impl::acquire() {
  std::vector<HttpClient> expired;  // destroyed after the lock is released
  {
    std::unique_lock lock(mu);
    auto deadline = Clock::now() + options.acquire_timeout;
    for (;;) {
      auto now = Clock::now();
      expire(now, expired);
      if (!idle.empty()) {
        // The most recently used connection: the least likely to have been closed by the server,
        // and it lets the others age out when the load drops.
        HttpClient client = std::move(idle.back().client);
        idle.pop_back();
        ++in_use;
        return Lease(this, std::move(client), true);
      }
      if (in_use < options.max_connections) {
        ++in_use;
        break;
      }
      if (now >= deadline) {
        ++counters.exhausted;
        return fail(ErrorCode::kResourceExhausted, "NET_POOL_EXHAUSTED",
                    "all " + std::to_string(options.max_connections) + " connections to " +
                        display + " stayed in use for " +
                        std::to_string(options.acquire_timeout.count()) + " ms");
      }
      ++waiting;
      freed.wait_until(lock, deadline);
      --waiting;
    }
  }
  // A slot is reserved: connect without the lock. On failure the empty lease gives it back.
  Lease lease(this, std::nullopt, false);
  Result<HttpClient> client = HttpClient::connect(origin, options.client);
  if (!client) return fail(client.error());
  lease.attach(std::move(client.value()));
  return lease;
}

void ClientPool::Impl::release(std::optional<HttpClient> client, bool kept,
                               std::size_t opened_before, bool healthy) {
  std::optional<HttpClient> dropped;  // destroyed after the lock is released
  {
    std::lock_guard lock(mu);
    --in_use;
    if (client) {
      counters.created += client->connections_opened() - opened_before;
      // A kept connection that HttpClient did not have to reopen carried this call.
      if (healthy && kept && client->connections_opened() == opened_before) ++counters.reused;
      if (!healthy || !client->connected()) {
        ++counters.discarded;
        dropped = std::move(client);
      } else if (idle.size() >= options.max_idle) {
        ++counters.expired;
        dropped = std::move(client);
      } else {
        idle.push_back(IdleClient{std::move(*client), Clock::now()});
      }
    }
  }
  freed.notify_one();
}

ClientPool::ClientPool(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClientPool::ClientPool(ClientPool&&) noexcept = default;
ClientPool& ClientPool::operator=(ClientPool&&) noexcept = default;
ClientPool::~ClientPool() = default;

Result<ClientPool> ClientPool::create(std::string_view origin, PoolOptions options) {
  CAIRN_ASSIGN_OR_RETURN(internal::Url url, internal::parse_url(origin));
  if (options.max_connections == 0 || options.acquire_timeout.count() < 0 ||
      options.idle_timeout.count() <= 0) {
    return fail(ErrorCode::kInvalidArgument, "NET_POOL_OPTIONS_INVALID",
                "a client pool needs max_connections >= 1, acquire_timeout >= 0 and "
                "idle_timeout > 0");
  }
  auto impl = std::make_unique<Impl>();
  impl->origin = std::string(origin);
  impl->display = url.display;
  impl->options = std::move(options);
  return ClientPool(std::move(impl));
}

Result<ClientResponse> ClientPool::request(std::string_view method, std::string_view target,
                                           const Headers& headers, std::string_view body) {
  CAIRN_ASSIGN_OR_RETURN(Impl::Lease lease, impl_->acquire());
  Result<ClientResponse> response = lease.client().request(method, target, headers, body);
  if (response) lease.mark_healthy();
  return response;
}

Result<ClientResponse> ClientPool::get(std::string_view target, const Headers& headers) {
  return request("GET", target, headers);
}

Result<ClientResponse> ClientPool::del(std::string_view target, const Headers& headers) {
  return request("DELETE", target, headers);
}

Result<ClientResponse> ClientPool::post_json(std::string_view target, std::string_view json,
                                             const Headers& headers) {
  return request("POST", target, with_json(headers), json);
}

Result<ClientResponse> ClientPool::put_json(std::string_view target, std::string_view json,
                                            const Headers& headers) {
  return request("PUT", target, with_json(headers), json);
}

Result<ClientResponse> ClientPool::patch_json(std::string_view target, std::string_view json,
                                              const Headers& headers) {
  return request("PATCH", target, with_json(headers), json);
}

void ClientPool::close_idle() noexcept {
  std::deque<IdleClient> closing;  // destroyed after the lock is released
  {
    std::lock_guard lock(impl_->mu);
    impl_->counters.expired += impl_->idle.size();
    closing.swap(impl_->idle);
  }
  impl_->freed.notify_all();
}

PoolStats ClientPool::stats() const {
  std::vector<HttpClient> expired;  // destroyed after the lock is released
  std::lock_guard lock(impl_->mu);
  impl_->expire(Clock::now(), expired);
  return impl_->snapshot();
}

std::string_view ClientPool::origin() const noexcept { return impl_->display; }

// ---- ClientPools

struct ClientPools::Impl {
  ClientPoolsOptions options;
  mutable std::mutex mu;
  // Most recently asked-for first; `index` points into it.
  std::list<std::pair<std::string, std::shared_ptr<ClientPool>>> pools;
  std::unordered_map<std::string, decltype(pools)::iterator> index;
};

namespace {

// The key origins are compared by: HttpClient's display form ("http://host:port", default ports
// made explicit), lower-cased except for a unix socket path.
std::string origin_key(const internal::Url& url) {
  std::string key = url.display;
  if (url.scheme != internal::Scheme::kUnix) {
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
  return key;
}

}  // namespace

ClientPools::ClientPools(ClientPoolsOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->options.max_origins = std::max<std::size_t>(impl_->options.max_origins, 1);
}

ClientPools::~ClientPools() = default;

Result<std::shared_ptr<ClientPool>> ClientPools::pool(std::string_view origin) {
  CAIRN_ASSIGN_OR_RETURN(internal::Url url, internal::parse_url(origin));
  std::string key = origin_key(url);
  std::shared_ptr<ClientPool> evicted;  // closed after the lock is released, if last held here
  std::lock_guard lock(impl_->mu);
  if (auto it = impl_->index.find(key); it != impl_->index.end()) {
    impl_->pools.splice(impl_->pools.begin(), impl_->pools, it->second);
    return impl_->pools.front().second;
  }
  CAIRN_ASSIGN_OR_RETURN(ClientPool created, ClientPool::create(origin, impl_->options.pool));
  if (impl_->pools.size() >= impl_->options.max_origins) {
    evicted = std::move(impl_->pools.back().second);
    impl_->index.erase(impl_->pools.back().first);
    impl_->pools.pop_back();
  }
  impl_->pools.emplace_front(key, std::make_shared<ClientPool>(std::move(created)));
  impl_->index[key] = impl_->pools.begin();
  return impl_->pools.front().second;
}

std::size_t ClientPools::size() const {
  std::lock_guard lock(impl_->mu);
  return impl_->pools.size();
}

}  // namespace cairn::net
