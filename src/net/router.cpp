#include "cairn/net/router.hpp"

#include <algorithm>
#include <set>

namespace cairn::net {
namespace {

enum class SegmentKind { kLiteral, kParam, kRest };

struct Segment {
  SegmentKind kind;
  std::string text;  // the literal, or the parameter's name
};

struct Route {
  std::string method;
  std::string pattern;
  std::vector<Segment> segments;
  Handler handler;
  RouteOptions options;
};

void split_path(std::string_view path, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 1;  // paths start with '/'
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  split_path(path, out);
  return out;
}

// What a lookup works in, kept per thread so that matching a request allocates nothing: the
// path's segments, and the ranks of the route being tried and of the best so far.
struct Scratch {
  std::vector<std::string_view> parts;
  std::vector<int> rank;
  std::vector<int> best_rank;
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

bool is_token(std::string_view method) {
  return !method.empty() && std::all_of(method.begin(), method.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
  });
}

// Whether `route` matches `parts`; its specificity (one rank per segment: literal 2, parameter
// 1, rest 0) and its parameters.
bool matches(const Route& route, const std::vector<std::string_view>& parts, std::vector<int>& rank,
             std::map<std::string, std::string, std::less<>>* params) {
  rank.clear();
  const auto& segs = route.segments;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const Segment& s = segs[i];
    if (s.kind == SegmentKind::kRest) {
      if (i >= parts.size()) return false;
      if (params != nullptr) {
        std::string rest;
        for (std::size_t j = i; j < parts.size(); ++j) {
          if (j > i) rest += '/';
          rest += parts[j];
        }
        (*params)[s.text] = std::move(rest);
      }
      rank.push_back(0);
      return true;
    }
    if (i >= parts.size()) return false;
    if (s.kind == SegmentKind::kLiteral) {
      if (parts[i] != s.text) return false;
      rank.push_back(2);
    } else {
      if (parts[i].empty()) return false;
      if (params != nullptr) (*params)[s.text] = std::string(parts[i]);
      rank.push_back(1);
    }
  }
  return parts.size() == segs.size();
}

}  // namespace

struct Router::Impl {
  std::vector<Route> routes;

  // The best route for (method, path) and whether any route matched the path at all; `allowed`
  // collects the methods of routes matching the path. The path's segments stay in scratch().parts
  // until the next lookup on this thread.
  const Route* find(std::string_view method, std::string_view path, std::set<std::string>* allowed,
                    bool* path_matched) const {
    Scratch& s = scratch();
    const std::vector<std::string_view>& parts = s.parts;
    std::vector<int>& rank = s.rank;
    std::vector<int>& best_rank = s.best_rank;
    split_path(path, s.parts);
    const Route* best = nullptr;
    bool any = false;
    for (const Route& r : routes) {
      if (!matches(r, parts, rank, nullptr)) continue;
      any = true;
      if (allowed != nullptr) allowed->insert(r.method);
      bool method_ok = r.method == method || (method == "HEAD" && r.method == "GET");
      if (!method_ok) continue;
      if (best == nullptr || rank > best_rank) {
        best = &r;
        best_rank = rank;
      }
    }
    if (path_matched != nullptr) *path_matched = any;
    return best;
  }
};

Router::Router() : impl_(std::make_unique<Impl>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

Status Router::add(std::string_view method, std::string_view pattern, Handler handler,
                   RouteOptions options) {
  auto invalid = [&](const char* why) {
    return fail(ErrorCode::kInvalidArgument, "HTTP_ROUTE_INVALID",
                "route " + std::string(pattern) + ": " + why);
  };
  if (!is_token(method)) return invalid("the method must be an upper-case token");
  if (pattern.empty() || pattern.front() != '/') return invalid("patterns start with '/'");
  Route route{
      std::string(method), std::string(pattern), {}, std::move(handler), std::move(options)};
  std::vector<std::string_view> parts = split_path(pattern);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string_view p = parts[i];
    if (p.size() >= 2 && p.front() == '{' && p.back() == '}') {
      std::string_view name = p.substr(1, p.size() - 2);
      bool rest = name.ends_with("...");
      if (rest) name.remove_suffix(3);
      if (name.empty()) return invalid("parameters need a name");
      if (rest && i + 1 != parts.size()) return invalid("a {rest...} parameter comes last");
      route.segments.push_back(
          {rest ? SegmentKind::kRest : SegmentKind::kParam, std::string(name)});
    } else {
      if (p.find_first_of("{}") != std::string_view::npos) {
        return invalid("braces only around a whole segment");
      }
      route.segments.push_back({SegmentKind::kLiteral, std::string(p)});
    }
  }
  for (const Route& r : impl_->routes) {
    if (r.method == route.method && r.pattern == route.pattern) {
      return fail(ErrorCode::kAlreadyExists, "HTTP_ROUTE_EXISTS",
                  "route " + route.method + " " + route.pattern + " exists");
    }
  }
  impl_->routes.push_back(std::move(route));
  return ok_status();
}

Router::Match Router::match(Request& req, Response& res) const {
  bool path_matched = false;
  const Route* r = impl_->find(req.method, req.path, nullptr, &path_matched);
  if (r == nullptr) {
    if (!path_matched) {
      res.error(ErrorCode::kNotFound, "HTTP_ROUTE_NOT_FOUND", "no route for this path");
      return {};
    }
    std::set<std::string> allowed;  // looked up again only for the 405's Allow header
    impl_->find(req.method, req.path, &allowed, nullptr);
    if (allowed.contains("GET")) allowed.insert("HEAD");
    std::string allow;
    for (const std::string& m : allowed) {
      if (!allow.empty()) allow += ", ";
      allow += m;
    }
    res.error(ErrorCode::kUnimplemented, "HTTP_METHOD_NOT_ALLOWED",
              "this path does not take " + req.method);
    res.status = 405;
    res.headers.set("Allow", allow);
    return {};
  }
  req.params.clear();
  matches(*r, scratch().parts, scratch().rank, &req.params);  // the segments find() left
  req.route = r->pattern;
  return {&r->handler, &r->options};
}

const RouteOptions* Router::options_for(std::string_view method, std::string_view path) const {
  const Route* r = impl_->find(method, path, nullptr, nullptr);
  return r == nullptr ? nullptr : &r->options;
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(impl_->routes.size());
  for (const Route& r : impl_->routes) out.emplace_back(r.method, r.pattern);
  return out;
}

}  // namespace cairn::net
