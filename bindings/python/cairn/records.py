"""Records: JSON records in named collections (``engine.records``), the small document store a
server builds its own entities on (sessions, folders, sites, deployments, profiles)::

    r = engine.records
    r.define("sessions", unique=["name"], indexes=["folder", "state"])
    v1 = r.put("sessions", "s1", {"name": "api", "folder": "/srv", "state": "up"})   # 1
    r.put("sessions", "s1", {"name": "api", "folder": "/srv", "state": "down"},
          expected_version=v1)                                                     # 2
    r.get("sessions", "s1").value["state"]                                        # 'down'
    page = r.list("sessions", where={"folder": "/srv"}, order_by="state", limit=50)
    more = r.list("sessions", where={"folder": "/srv"}, order_by="state", limit=50,
                  cursor=page.next_cursor)                  # None when page was the last one
    r.count("sessions", where={"state": "down"})                                   # 1
    r.put_many("sessions", [("s2", {"name": "web"}, 0), ("s3", {"name": "db"}, None)])  # [1, 1]
    r.delete("sessions", "s1", expected_version=2)

A collection is declared once with its unique and indexed fields: top-level fields whose values
are str, int or bool. Only indexed fields may be used in ``where`` (all conditions must hold) and
``order_by`` (or ``"created_at"``, the default, ``"updated_at"`` and ``"id"``); ties are broken
by id, and records without the field come first. A value is a dict (anything ``json.dumps``
writes); ``Record.value`` is a new dict each time. Versions start at 1 and grow by one per write;
``expected_version`` makes a write compare-and-swap (0: must not exist; n: must be at version n),
else AbortedError (RECORDS_VERSION_CONFLICT). A second record with a unique field's value is
AlreadyExistsError (RECORDS_UNIQUE_VIOLATION). ``delete`` is for good. Every call is atomic, and
``put_many`` writes all its records or none. Times are aware datetimes in UTC. The limits are the
``MAX_*`` constants. See docs/records.md.
"""

from ._core import records as _records

Record = _records.Record
Page = _records.Page
CollectionSpec = _records.CollectionSpec
RecordsService = _records.RecordsService

# The limits the engine enforces (cairn/records/record.hpp), read from it.
MAX_COLLECTION_NAME_BYTES = _records.limits["max_collection_name_bytes"]
MAX_ID_BYTES = _records.limits["max_id_bytes"]
MAX_RECORD_BYTES = _records.limits["max_record_bytes"]
MAX_FIELD_NAME_BYTES = _records.limits["max_field_name_bytes"]
MAX_INDEXED_FIELDS = _records.limits["max_indexed_fields"]
MAX_INDEXED_STRING_BYTES = _records.limits["max_indexed_string_bytes"]
MAX_LIST_LIMIT = _records.limits["max_list_limit"]
MAX_BATCH_RECORDS = _records.limits["max_batch_records"]

__all__ = ["CollectionSpec", "Page", "Record", "RecordsService"] + sorted(
    name.upper() for name in _records.limits)
