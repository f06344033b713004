// cairn._core.audit: the RFC 6962 functions over raw entry bytes, and engine.audit.
#include <pybind11/stl.h>

#include <optional>
#include <string_view>

#include "cairn/audit/log.hpp"
#include "cairn/audit/merkle.hpp"
#include "conversions.hpp"
#include "engine.hpp"

namespace cairn::python {
namespace {

using audit::Hash;

Hash hash_arg(const BytesArg& b) {
  ByteView v = b.view();
  if (v.size() != 32) {
    throw ErrorException{{ErrorCode::kInvalidArgument, "AUDIT_HASH_INVALID",
                          "a hash is 32 bytes, not " + std::to_string(v.size())}};
  }
  Hash h;
  std::copy(v.begin(), v.end(), h.begin());
  return h;
}

std::vector<Hash> hashes_arg(const std::vector<BytesArg>& list) {
  std::vector<Hash> out;
  out.reserve(list.size());
  for (const BytesArg& b : list) out.push_back(hash_arg(b));
  return out;
}

py::list to_py_list(const std::vector<Hash>& hashes) {
  py::list out;
  for (const Hash& h : hashes) out.append(to_py_bytes(h));
  return out;
}

audit::MemoryTree tree_of(const std::vector<BytesArg>& leaves) {
  audit::MemoryTree tree;
  for (const BytesArg& leaf : leaves) tree.append(audit::leaf_hash(leaf.view()));
  return tree;
}

// details may be a dict (serialized with Python's json), a JSON string, or None.
std::string details_arg(const py::object& details) {
  if (details.is_none()) return {};
  if (py::isinstance<py::str>(details)) return details.cast<std::string>();
  return py::module_::import("json").attr("dumps")(details).cast<std::string>();
}

std::optional<std::string> text_or_none(const py::object& o) {
  if (o.is_none()) return std::nullopt;
  return o.cast<std::string>();
}

py::dict entry_dict(const audit::Entry& e) {
  auto optional = [](const std::string& s) -> py::object {
    return s.empty() ? py::object(py::none()) : py::object(py::str(s));
  };
  py::dict d;
  d["seq"] = e.seq;
  d["time"] = to_datetime(e.time);
  d["actor_type"] = e.actor_type;
  d["actor"] = e.actor_id;
  d["action"] = e.action;
  d["resource_type"] = optional(e.resource_type);
  d["resource"] = optional(e.resource_id);
  d["outcome"] = e.outcome;
  d["details"] = e.details.empty() ? py::object(py::none())
                                   : py::module_::import("json").attr("loads")(e.details);
  d["ip"] = optional(e.ip);
  d["user_agent"] = optional(e.user_agent);
  d["request_id"] = optional(e.request_id);
  return d;
}

audit::AuditLog& audit_of(Engine& engine) { return engine.audit(); }

// engine.audit: the engine's log through ServiceHandle, plus the entry arguments.
class PyAuditLog : public ServiceHandle<audit::AuditLog, &audit_of> {
 public:
  using ServiceHandle::ServiceHandle;

  int64_t append(const std::string& actor, const std::string& action, const std::string& resource,
                 const std::string& outcome, const py::object& details,
                 const std::string& actor_type, const py::object& resource_type,
                 const py::object& ip, const py::object& user_agent, const py::object& request_id,
                 const std::vector<std::string>& sensitive, std::optional<uint64_t> expected_size) {
    audit::EntryInput e = input(actor, action, resource, outcome, details, actor_type,
                                resource_type, ip, user_agent, request_id, sensitive);
    return static_cast<int64_t>(
        call([&](audit::AuditLog& log) { return log.append(e, expected_size); }));
  }

  void record(const std::string& actor, const std::string& action, const std::string& resource,
              const std::string& outcome, const py::object& details, const std::string& actor_type,
              const py::object& resource_type, const py::object& ip, const py::object& user_agent,
              const py::object& request_id, const std::vector<std::string>& sensitive) {
    audit::EntryInput e = input(actor, action, resource, outcome, details, actor_type,
                                resource_type, ip, user_agent, request_id, sensitive);
    call([&](audit::AuditLog& log) { return log.record(e); });
  }

  static audit::EntryInput input(const std::string& actor, const std::string& action,
                                 const std::string& resource, const std::string& outcome,
                                 const py::object& details, const std::string& actor_type,
                                 const py::object& resource_type, const py::object& ip,
                                 const py::object& user_agent, const py::object& request_id,
                                 const std::vector<std::string>& sensitive) {
    audit::EntryInput e;
    e.actor_id = actor;
    e.action = action;
    e.resource_id = resource;
    e.outcome = outcome;
    e.details = details_arg(details);
    e.actor_type = actor_type;
    e.resource_type = text_or_none(resource_type).value_or("");
    e.ip = text_or_none(ip).value_or("");
    e.user_agent = text_or_none(user_agent).value_or("");
    e.request_id = text_or_none(request_id).value_or("");
    e.sensitive = sensitive;
    return e;
  }
};

}  // namespace

void bind_audit(py::module_& core, py::class_<PyEngine>& engine_class) {
  py::module_ m = core.def_submodule("audit", "Tamper-evident audit log and RFC 6962 proofs.");

  m.def(
      "leaf_hash", [](const BytesArg& data) { return to_py_bytes(audit::leaf_hash(data.view())); },
      py::arg("data"), "SHA-256(0x00 || data).");
  m.def(
      "merkle_root",
      [](const std::vector<BytesArg>& leaves) {
        audit::MemoryTree tree = tree_of(leaves);
        return to_py_bytes(unwrap(audit::root(tree, tree.size())));
      },
      py::arg("leaves"), "The RFC 6962 root of the raw leaves (SHA-256 of nothing when empty).");
  m.def(
      "inclusion_proof",
      [](const std::vector<BytesArg>& leaves, uint64_t index, std::optional<uint64_t> size) {
        audit::MemoryTree tree = tree_of(leaves);
        uint64_t n = size.value_or(tree.size());
        if (n > tree.size()) {
          throw ErrorException{{ErrorCode::kOutOfRange, "AUDIT_INDEX_OUT_OF_RANGE",
                                "size is larger than the number of leaves"}};
        }
        return to_py_list(unwrap(audit::inclusion_proof(tree, index, n)));
      },
      py::arg("leaves"), py::arg("index"), py::arg("size") = py::none());
  m.def(
      "consistency_proof",
      [](const std::vector<BytesArg>& leaves, uint64_t m_size, std::optional<uint64_t> n) {
        audit::MemoryTree tree = tree_of(leaves);
        uint64_t size = n.value_or(tree.size());
        if (size > tree.size()) {
          throw ErrorException{{ErrorCode::kOutOfRange, "AUDIT_INDEX_OUT_OF_RANGE",
                                "n is larger than the number of leaves"}};
        }
        return to_py_list(unwrap(audit::consistency_proof(tree, m_size, size)));
      },
      py::arg("leaves"), py::arg("m"), py::arg("n") = py::none());
  m.def(
      "verify_inclusion",
      [](const BytesArg& leaf_data, uint64_t index, uint64_t size,
         const std::vector<BytesArg>& proof, const BytesArg& root) {
        return audit::verify_inclusion(audit::leaf_hash(leaf_data.view()), index, size,
                                       hashes_arg(proof), hash_arg(root));
      },
      py::arg("leaf_data"), py::arg("index"), py::arg("size"), py::arg("proof"), py::arg("root"));
  m.def(
      "verify_consistency",
      [](uint64_t m_size, uint64_t n, const BytesArg& root_m, const BytesArg& root_n,
         const std::vector<BytesArg>& proof) {
        return audit::verify_consistency(m_size, n, hash_arg(root_m), hash_arg(root_n),
                                         hashes_arg(proof));
      },
      py::arg("m"), py::arg("n"), py::arg("root_m"), py::arg("root_n"), py::arg("proof"));
  m.def(
      "verify_export",
      [](const std::string& path, const std::string& public_key_pem) {
        auto key = unwrap(crypto::PublicKey::from_pem(public_key_pem));
        py::object text = py::module_::import("pathlib").attr("Path")(path).attr("read_text")();
        auto report = unwrap(audit::verify_export(text.cast<std::string>(), key));
        py::dict d;
        d["intact"] = report.intact;
        d["entries"] = report.entries;
        d["damage"] = std::string(audit::damage_name(report.damage));
        d["first_bad_seq"] =
            report.intact ? py::object(py::none()) : py::int_(report.first_bad_seq);
        d["detail"] = report.detail;
        return d;
      },
      py::arg("path"), py::arg("public_key_pem"),
      "Checks an export file offline: returns {'intact', 'entries', 'damage', 'first_bad_seq', "
      "'detail'}.");

  py::class_<audit::TreeHead>(m, "TreeHead", "A signed statement of the log's size and root.")
      .def_readonly("size", &audit::TreeHead::size)
      .def_property_readonly("root", [](const audit::TreeHead& h) { return to_py_bytes(h.root); })
      .def_property_readonly("chain_head",
                             [](const audit::TreeHead& h) { return to_py_bytes(h.chain_head); })
      .def_readonly("time", &audit::TreeHead::time)
      .def_property_readonly("signature",
                             [](const audit::TreeHead& h) { return to_py_bytes(h.signature); })
      .def(
          "signed_bytes", [](const audit::TreeHead& h) { return to_py_bytes(h.signed_bytes()); },
          "The bytes the Ed25519 signature covers.")
      .def(
          "verify",
          [](const audit::TreeHead& h, const std::string& public_key_pem) {
            return audit::verify_tree_head(h, unwrap(crypto::PublicKey::from_pem(public_key_pem)));
          },
          py::arg("public_key_pem"), "True when the log key with this public PEM signed it.");

  py::class_<PyAuditLog>(m, "AuditLog", "The engine's tamper-evident audit log.")
      .def("append", &PyAuditLog::append, py::arg("actor"), py::arg("action"), py::arg("resource"),
           py::arg("outcome") = "ok", py::arg("details") = py::none(),
           py::arg("actor_type") = "user", py::arg("resource_type") = py::none(),
           py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
           py::arg("request_id") = py::none(), py::kw_only(),
           py::arg("sensitive") = std::vector<std::string>{}, py::arg("expected_size") = py::none(),
           "Appends an entry now and returns its sequence number.")
      .def("record", &PyAuditLog::record, py::arg("actor"), py::arg("action"), py::arg("resource"),
           py::arg("outcome") = "ok", py::arg("details") = py::none(),
           py::arg("actor_type") = "user", py::arg("resource_type") = py::none(),
           py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
           py::arg("request_id") = py::none(), py::kw_only(),
           py::arg("sensitive") = std::vector<std::string>{},
           "Records an entry in the log's write mode (fail-closed: now; async: queued).")
      .def("flush", [](PyAuditLog& l) { l.call([](audit::AuditLog& log) { return log.flush(); }); })
      .def_property_readonly(
          "dropped",
          [](PyAuditLog& l) { return l.call([](audit::AuditLog& log) { return log.dropped(); }); })
      .def_property_readonly(
          "mode",
          [](PyAuditLog& l) {
            return l.call([](audit::AuditLog& log) {
              return std::string(log.mode() == audit::WriteMode::kAsync ? "async" : "fail_closed");
            });
          })
      .def("size",
           [](PyAuditLog& l) { return l.call([](audit::AuditLog& log) { return log.size(); }); })
      .def("tree_head",
           [](PyAuditLog& l) {
             return l.call([](audit::AuditLog& log) { return log.tree_head(); });
           })
      .def(
          "root",
          [](PyAuditLog& l, std::optional<uint64_t> size) {
            return to_py_bytes(l.call([&](audit::AuditLog& log) -> Result<Hash> {
              if (!size) {
                CAIRN_ASSIGN_OR_RETURN(uint64_t n, log.size());
                return log.root(n);
              }
              return log.root(*size);
            }));
          },
          py::arg("size") = py::none())
      .def(
          "prove_inclusion",
          [](PyAuditLog& l, uint64_t seq, std::optional<uint64_t> size) {
            return to_py_list(
                l.call([&](audit::AuditLog& log) { return log.prove_inclusion(seq, size); }));
          },
          py::arg("seq"), py::arg("size") = py::none())
      .def(
          "prove_consistency",
          [](PyAuditLog& l, uint64_t m_size, std::optional<uint64_t> n) {
            return to_py_list(
                l.call([&](audit::AuditLog& log) { return log.prove_consistency(m_size, n); }));
          },
          py::arg("m"), py::arg("n") = py::none())
      .def(
          "entry",
          [](PyAuditLog& l, uint64_t seq) {
            audit::StoredEntry s = l.call([&](audit::AuditLog& log) { return log.entry(seq); });
            py::dict d = entry_dict(s.entry);
            d["encoded"] = to_py_bytes(audit::encode(s.entry));
            d["leaf"] = to_py_bytes(s.leaf);
            d["link"] = to_py_bytes(s.link);
            return d;
          },
          py::arg("seq"),
          "The entry as a dict, with its canonical encoding ('encoded', the leaf data) and its "
          "leaf and link hashes.")
      .def(
          "query",
          [](PyAuditLog& l, const py::object& actor, const py::object& action,
             const py::object& resource, std::optional<Timestamp> since,
             std::optional<Timestamp> until, size_t limit, const std::string& cursor) {
            audit::EntryQuery q;
            q.actor_id = text_or_none(actor);
            q.action = text_or_none(action);
            q.resource_id = text_or_none(resource);
            q.since = since;
            q.until = until;
            q.limit = limit;
            audit::QueryPage page =
                l.call([&](audit::AuditLog& log) { return log.query(q, cursor); });
            py::list entries;
            for (const audit::Entry& e : page.entries) entries.append(entry_dict(e));
            return py::make_tuple(entries, page.next_cursor.empty()
                                               ? py::object(py::none())
                                               : py::object(py::str(page.next_cursor)));
          },
          py::kw_only(), py::arg("actor") = py::none(), py::arg("action") = py::none(),
          py::arg("resource") = py::none(), py::arg("since") = py::none(),
          py::arg("until") = py::none(), py::arg("limit") = 100, py::arg("cursor") = "",
          "Returns (entries, next_cursor); pass next_cursor back for the next page (None: done).")
      .def(
          "verify",
          [](PyAuditLog& l) {
            audit::VerifyReport report = l.call([](audit::AuditLog& log) { return log.check(); });
            if (report.intact) return report.entries;
            // DataLossError carrying where and what: .seq and .damage.
            Error error = audit::chain_broken(report);
            py::object exc =
                py::module_::import("cairn.errors")
                    .attr("_make_error")(static_cast<int>(error.code), error.reason, error.message);
            exc.attr("seq") = report.first_bad_seq;
            exc.attr("damage") = std::string(audit::damage_name(report.damage));
            PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
            throw py::error_already_set();
          },
          "Checks the whole stored log; returns the number of entries, or raises DataLossError "
          "(AUDIT_CHAIN_BROKEN) with .seq (first bad sequence number) and .damage.")
      .def(
          "export",
          [](PyAuditLog& l, const py::object& target) {
            if (py::isinstance<py::str>(target) || py::hasattr(target, "__fspath__")) {
              std::string path =
                  py::module_::import("os").attr("fspath")(target).cast<std::string>();
              l.call([&](audit::AuditLog& log) { return log.export_jsonl(path); });
              return;
            }
            if (!py::hasattr(target, "write")) {
              throw py::type_error("export takes a path or a binary file object with write()");
            }
            // The export streams through write() (the engine calls the sink without the GIL);
            // an exception write() raises stops it and propagates unchanged.
            py::object write = target.attr("write");
            std::optional<py::error_already_set> raised;
            audit::ExportSink sink = [&](std::string_view chunk) -> Status {
              py::gil_scoped_acquire gil;
              try {
                write(py::bytes(chunk.data(), chunk.size()));
                return ok_status();
              } catch (py::error_already_set& e) {
                raised.emplace(std::move(e));
                return fail(ErrorCode::kUnavailable, "AUDIT_EXPORT_FAILED",
                            "the file object's write() raised");
              }
            };
            try {
              l.call([&](audit::AuditLog& log) { return log.export_jsonl(sink); });
            } catch (const ErrorException&) {
              if (raised) throw std::move(*raised);
              throw;
            }
          },
          py::arg("target"),
          "Writes the log as JSON Lines ending with the signed tree head: to the file at a path "
          "(created 0600), or through the write() of a binary file object (bytes chunks).")
      .def("public_key_pem", [](PyAuditLog& l) {
        return l.call([](audit::AuditLog& log) { return log.public_key_pem(); });
      });

  bind_service_property<PyAuditLog>(engine_class, "audit", "The engine's audit log.");
}

}  // namespace cairn::python
