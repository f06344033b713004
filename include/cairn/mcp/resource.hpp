// cairn::mcp::Resource and ResourceTemplate: data a server lets agents read by URI
// (resources/list, resources/templates/list, resources/read) and watch (resources/subscribe,
// answered with notifications/resources/updated when the server calls
// Server::notify_resource_updated).
//
// Example:
//   mcp::Server server;
//   mcp::Resource head;
//   head.uri = "cairn://audit/head";
//   head.name = "audit-head";
//   head.mime_type = "application/json";
//   head.read = [](std::string_view uri, const mcp::Context&)
//       -> Result<std::vector<mcp::ResourceContents>> {
//     mcp::ResourceContents body{.uri = std::string(uri), .mime_type = "application/json"};
//     body.text = R"({"size":0})";
//     return std::vector<mcp::ResourceContents>{body};
//   };
//   CAIRN_TRY(server.add_resource(std::move(head)));
//   server.notify_resource_updated("cairn://audit/head");  // to sessions subscribed to it
//
// A read that fails with NOT_FOUND is answered -32002 (MCP's resource-not-found code); other
// errors as -32603 (-32602 for INVALID_ARGUMENT) carrying their code and reason.
//
// resources/subscribe takes only a URI the session could read (a resource, or a template match,
// whose scopes it holds), else -32002 MCP_RESOURCE_NOT_FOUND; a session holds at most 1000
// subscriptions (beyond: -32602 MCP_INVALID_PARAMS). resources/unsubscribe takes any URI.
//
// Thread-safety: readers run on the transport's threads, several at once. Ownership: the server
// owns registered resources.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/result.hpp"
#include "cairn/mcp/context.hpp"

namespace cairn::mcp {

// One item of a resources/read answer: text, or bytes (sent base64-encoded as "blob").
struct ResourceContents {
  std::string uri;
  std::string mime_type;
  std::string text;  // when !is_blob
  std::string blob;  // raw bytes, when is_blob
  bool is_blob = false;
};

using ResourceReader = std::function<Result<std::vector<ResourceContents>>(std::string_view uri,
                                                                           const Context& context)>;

// A resource at a fixed URI.
struct Resource {
  std::string uri;   // absolute: "cairn://audit/head", "file:///..."
  std::string name;  // short, for lists
  std::string title;
  std::string description;
  std::string mime_type;
  std::vector<std::string> scopes;  // all needed to list and read it
  ResourceReader read;
};

// Resources whose URIs follow a template: literal text and {name} parts, each matching one or
// more characters other than '/' ("cairn://jobs/{id}"). The reader gets the matched parts.
// Matching takes one pass, without backtracking: a part followed by a literal ends where that
// literal first occurs ("posts/{id}.{fmt}" reads "posts/7.tar.gz" as id 7, fmt tar.gz), except
// that the template's last literal is anchored at the end of the URI. A URI longer than 4096
// bytes matches no template (answered as not found).
struct ResourceTemplate {
  std::string uri_template;
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
  std::vector<std::string> scopes;
  std::function<Result<std::vector<ResourceContents>>(
      std::string_view uri, const std::map<std::string, std::string, std::less<>>& parts,
      const Context& context)>
      read;
};

}  // namespace cairn::mcp
