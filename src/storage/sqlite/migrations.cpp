#include "storage/sqlite/migrations.hpp"

#include <array>

#include "storage/sqlite/sqlite_database.hpp"

namespace cairn::storage::sqlite {
namespace {

// Append only. Each entry's SQL runs once, in a transaction, in the order listed.
constexpr std::array kMigrations{
    Migration{1, "core: engine settings",
              "PRAGMA application_id = 1667330670;\n"  // 'carn': marks the file as cairn's
              "CREATE TABLE cairn_meta (\n"
              "  key   TEXT PRIMARY KEY NOT NULL,\n"
              "  value TEXT NOT NULL\n"
              ") WITHOUT ROWID;"},
    // Entry and node rows are keyed by one integer rowid that packs (log, seq) and
    // (log, level, index): appends land at the end of each B-tree, rows stay in rowid tables
    // (right for ~300-byte rows), and every index carries just its column plus the rowid.
    // No B-tree indexes on entries: each one cost about a quarter of batch throughput (every
    // entry's key lands on a different index page). Instead audit_blocks keeps, per block of 1024
    // entries, the sorted 64-bit hashes of the block's actors, resources and actions (a skip
    // index): an append rewrites one or two small rows, and a query reads the summaries and scans
    // only blocks that can match. Time ranges are found by binary search over the sequence.
    Migration{2, "audit: logs, entries, tree nodes",
              "CREATE TABLE audit_logs (\n"
              "  id              INTEGER PRIMARY KEY,\n"
              "  name            TEXT NOT NULL UNIQUE,\n"
              "  signing_key_pem TEXT NOT NULL,\n"
              "  redaction_key   BLOB NOT NULL,\n"
              "  created_at      INTEGER NOT NULL,\n"
              "  size            INTEGER NOT NULL,\n"
              "  chain_head      BLOB NOT NULL,\n"
              "  frontier        BLOB NOT NULL,\n"
              "  last_time       INTEGER NOT NULL\n"
              ");\n"
              "CREATE TABLE audit_entries (\n"
              "  id            INTEGER PRIMARY KEY,  -- (log << 40) | seq\n"
              "  time          INTEGER NOT NULL,\n"
              "  actor_type    TEXT NOT NULL,\n"
              "  actor_id      TEXT NOT NULL,\n"
              "  action        TEXT NOT NULL,\n"
              "  resource_type TEXT NOT NULL,\n"
              "  resource_id   TEXT NOT NULL,\n"
              "  outcome       TEXT NOT NULL,\n"
              "  details       TEXT NOT NULL,\n"
              "  ip            TEXT NOT NULL,\n"
              "  user_agent    TEXT NOT NULL,\n"
              "  request_id    TEXT NOT NULL,\n"
              "  leaf          BLOB NOT NULL,\n"
              "  link          BLOB NOT NULL\n"
              ");\n"
              "CREATE TABLE audit_blocks (\n"
              "  id        INTEGER PRIMARY KEY,  -- (log << 30) | (seq >> 10)\n"
              "  actors    BLOB NOT NULL,        -- sorted u64 hashes of the block's actor ids\n"
              "  resources BLOB NOT NULL,        -- ... resource ids\n"
              "  actions   BLOB NOT NULL         -- ... actions\n"
              ");\n"
              "CREATE TABLE audit_nodes (\n"
              "  id   INTEGER PRIMARY KEY,  -- (log << 47) | (level << 41) | index\n"
              "  hash BLOB NOT NULL\n"
              ");"},
    Migration{3, "access: per-tenant policies",
              "CREATE TABLE access_policies (\n"
              "  tenant     TEXT PRIMARY KEY NOT NULL,\n"
              "  document   TEXT NOT NULL,\n"
              "  updated_at INTEGER NOT NULL\n"
              ") WITHOUT ROWID;"},
    // Times are unix microseconds. Tokens, keys and codes appear only as digests. Roles and
    // scopes are JSON arrays of strings.
    Migration{4, "auth: users, identities, sessions, API keys, login codes, rate limits",
              "CREATE TABLE auth_users (\n"
              "  id            TEXT PRIMARY KEY NOT NULL,\n"
              "  email         TEXT NOT NULL UNIQUE,\n"
              "  name          TEXT NOT NULL,\n"
              "  roles         TEXT NOT NULL,\n"
              "  status        TEXT NOT NULL,\n"
              "  password_hash TEXT NOT NULL,\n"
              "  created_at    INTEGER NOT NULL\n"
              ") WITHOUT ROWID;\n"
              "CREATE TABLE auth_identities (\n"
              "  provider   TEXT NOT NULL,\n"
              "  subject    TEXT NOT NULL,\n"
              "  user_id    TEXT NOT NULL REFERENCES auth_users (id),\n"
              "  created_at INTEGER NOT NULL,\n"
              "  PRIMARY KEY (provider, subject)\n"
              ") WITHOUT ROWID;\n"
              "CREATE INDEX auth_identities_user ON auth_identities (user_id);\n"
              "CREATE TABLE auth_sessions (\n"
              "  id                  TEXT PRIMARY KEY NOT NULL,\n"
              "  token_hash          BLOB NOT NULL UNIQUE,\n"
              "  user_id             TEXT NOT NULL,\n"
              "  created_at          INTEGER NOT NULL,\n"
              "  last_seen           INTEGER NOT NULL,\n"
              "  absolute_expires_at INTEGER NOT NULL,\n"
              "  ip                  TEXT NOT NULL,\n"
              "  user_agent          TEXT NOT NULL\n"
              ");\n"
              "CREATE INDEX auth_sessions_user ON auth_sessions (user_id);\n"
              "CREATE TABLE auth_api_keys (\n"
              "  id           TEXT PRIMARY KEY NOT NULL,\n"
              "  key_hash     BLOB NOT NULL UNIQUE,\n"
              "  owner_id     TEXT NOT NULL,\n"
              "  name         TEXT NOT NULL,\n"
              "  prefix       TEXT NOT NULL,\n"
              "  display      TEXT NOT NULL,\n"
              "  scopes       TEXT NOT NULL,\n"
              "  created_at   INTEGER NOT NULL,\n"
              "  expires_at   INTEGER,\n"
              "  last_used_at INTEGER,\n"
              "  revoked_at   INTEGER\n"
              ");\n"
              "CREATE INDEX auth_api_keys_owner ON auth_api_keys (owner_id);\n"
              "CREATE TABLE auth_login_codes (\n"
              "  email      TEXT PRIMARY KEY NOT NULL,\n"
              "  code_hash  BLOB NOT NULL,\n"
              "  created_at INTEGER NOT NULL,\n"
              "  expires_at INTEGER NOT NULL\n"
              ") WITHOUT ROWID;\n"
              "CREATE TABLE auth_login_events (\n"
              "  email TEXT NOT NULL,\n"
              "  kind  INTEGER NOT NULL,  -- 0 code request, 1 failed verification\n"
              "  at    INTEGER NOT NULL\n"
              ");\n"
              "CREATE INDEX auth_login_events_email ON auth_login_events (email, kind, at);\n"
              "CREATE TABLE auth_rate_states (\n"
              "  key TEXT PRIMARY KEY NOT NULL,\n"
              "  tat INTEGER NOT NULL  -- GCRA theoretical arrival time\n"
              ") WITHOUT ROWID;"},
    // Names are unique among live rows (partial unique indexes), so a deleted name can be reused.
    // Values appear only as AES-256-GCM ciphertexts and wrapped data keys.
    Migration{
        5, "secrets: orgs, members, projects, environments, versions, ACL, service accounts",
        "CREATE TABLE secrets_orgs (\n"
        "  id         TEXT PRIMARY KEY NOT NULL,\n"
        "  name       TEXT NOT NULL,\n"
        "  created_at INTEGER NOT NULL,\n"
        "  deleted_at INTEGER\n"
        ");\n"
        "CREATE UNIQUE INDEX secrets_orgs_name ON secrets_orgs (name) WHERE deleted_at IS NULL;\n"
        "CREATE TABLE secrets_members (\n"
        "  org_id TEXT NOT NULL REFERENCES secrets_orgs (id),\n"
        "  user   TEXT NOT NULL,\n"
        "  role   INTEGER NOT NULL,  -- 0 member, 1 developer, 2 admin, 3 owner\n"
        "  PRIMARY KEY (org_id, user)\n"
        ") WITHOUT ROWID;\n"
        "CREATE TABLE secrets_superadmins (user TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;\n"
        "CREATE TABLE secrets_projects (\n"
        "  id         TEXT PRIMARY KEY NOT NULL,\n"
        "  org_id     TEXT NOT NULL REFERENCES secrets_orgs (id),\n"
        "  name       TEXT NOT NULL,\n"
        "  created_at INTEGER NOT NULL,\n"
        "  deleted_at INTEGER\n"
        ");\n"
        "CREATE UNIQUE INDEX secrets_projects_name ON secrets_projects (org_id, name)\n"
        "  WHERE deleted_at IS NULL;\n"
        "CREATE TABLE secrets_environments (\n"
        "  id         TEXT PRIMARY KEY NOT NULL,\n"
        "  project_id TEXT NOT NULL REFERENCES secrets_projects (id),\n"
        "  name       TEXT NOT NULL,\n"
        "  created_at INTEGER NOT NULL,\n"
        "  deleted_at INTEGER\n"
        ");\n"
        "CREATE UNIQUE INDEX secrets_environments_name ON secrets_environments (project_id, name)\n"
        "  WHERE deleted_at IS NULL;\n"
        "CREATE TABLE secrets_secrets (\n"
        "  id             TEXT PRIMARY KEY NOT NULL,\n"
        "  env_id         TEXT NOT NULL REFERENCES secrets_environments (id),\n"
        "  key            TEXT NOT NULL,\n"
        "  latest_version INTEGER NOT NULL,\n"
        "  deleted_at     INTEGER\n"
        ");\n"
        "CREATE UNIQUE INDEX secrets_secrets_live ON secrets_secrets (env_id, key)\n"
        "  WHERE deleted_at IS NULL;\n"
        "CREATE INDEX secrets_secrets_key ON secrets_secrets (env_id, key, deleted_at);\n"
        "CREATE TABLE secrets_versions (\n"
        "  secret_id   TEXT NOT NULL REFERENCES secrets_secrets (id),\n"
        "  version     INTEGER NOT NULL,\n"
        "  ciphertext  BLOB NOT NULL,  -- nonce || AES-256-GCM(DEK, value) || tag\n"
        "  wrapped_key BLOB NOT NULL,  -- nonce || AES-256-GCM(KEK, DEK) || tag\n"
        "  created_at  INTEGER NOT NULL,\n"
        "  created_by  TEXT NOT NULL,\n"
        "  PRIMARY KEY (secret_id, version)\n"
        ") WITHOUT ROWID;\n"
        "CREATE TABLE secrets_acl_rules (\n"
        "  seq             INTEGER PRIMARY KEY,  -- creation order\n"
        "  id              TEXT NOT NULL UNIQUE,\n"
        "  org_id          TEXT NOT NULL REFERENCES secrets_orgs (id),\n"
        "  subject         TEXT NOT NULL,\n"
        "  project_pattern TEXT NOT NULL,\n"
        "  env_pattern     TEXT NOT NULL,\n"
        "  permission      INTEGER NOT NULL,  -- 0 read, 1 write, 2 admin\n"
        "  created_at      INTEGER NOT NULL,\n"
        "  deleted_at      INTEGER\n"
        ");\n"
        "CREATE UNIQUE INDEX secrets_acl_rules_live\n"
        "  ON secrets_acl_rules (org_id, subject, project_pattern, env_pattern)\n"
        "  WHERE deleted_at IS NULL;\n"
        "CREATE INDEX secrets_acl_rules_subject ON secrets_acl_rules (org_id, subject, seq);\n"
        "CREATE TABLE secrets_service_accounts (\n"
        "  id         TEXT PRIMARY KEY NOT NULL,\n"
        "  org_id     TEXT NOT NULL REFERENCES secrets_orgs (id),\n"
        "  name       TEXT NOT NULL,\n"
        "  project    TEXT NOT NULL,\n"
        "  key_hash   BLOB NOT NULL UNIQUE,\n"
        "  created_at INTEGER NOT NULL,\n"
        "  revoked_at INTEGER\n"
        ");\n"
        "CREATE UNIQUE INDEX secrets_service_accounts_live ON secrets_service_accounts\n"
        "  (org_id, name) WHERE revoked_at IS NULL;\n"
        "CREATE TABLE secrets_keyring (\n"
        "  id        INTEGER PRIMARY KEY CHECK (id = 1),\n"
        "  key_check BLOB NOT NULL  -- HMAC-SHA256(KEK, \"cairn-secrets-key-check-v1\")\n"
        ");"},
    // Times are unix microseconds. A dedup key is unique among pending and running tasks only;
    // finished tasks keep theirs as history. The partial index on due work serves claim() in
    // (priority, run_at, id) order without touching finished rows.
    Migration{
        6, "jobs: persistent tasks, dependencies, errors",
        "CREATE TABLE jobs_tasks (\n"
        "  id                    INTEGER PRIMARY KEY,\n"
        "  kind                  TEXT NOT NULL,\n"
        "  input                 TEXT NOT NULL,\n"
        "  key                   TEXT,  -- NULL: none\n"
        "  state                 TEXT NOT NULL,  -- pending running done failed cancelled\n"
        "  priority              INTEGER NOT NULL,  -- 0 high, 1 medium, 2 low\n"
        "  run_at                INTEGER NOT NULL,\n"
        "  created_at            INTEGER NOT NULL,\n"
        "  updated_at            INTEGER NOT NULL,\n"
        "  retry                 TEXT,  -- min_ms,max_ms,attempts,jitter; NULL: none\n"
        "  cron                  TEXT NOT NULL,\n"
        "  cron_offset           INTEGER NOT NULL,  -- minutes east of UTC\n"
        "  timeout_ms            INTEGER NOT NULL,\n"
        "  on_dependency_failure TEXT NOT NULL,  -- cancel | run\n"
        "  attempts              INTEGER NOT NULL DEFAULT 0,\n"
        "  failures              INTEGER NOT NULL DEFAULT 0,\n"
        "  output                TEXT NOT NULL DEFAULT '',\n"
        "  worker                TEXT NOT NULL DEFAULT '',\n"
        "  lease_expires         INTEGER NOT NULL DEFAULT 0,\n"
        "  cancel_requested      INTEGER NOT NULL DEFAULT 0,\n"
        "  rerun_requested       INTEGER NOT NULL DEFAULT 0\n"
        ");\n"
        "CREATE UNIQUE INDEX jobs_tasks_live_key ON jobs_tasks (key)\n"
        "  WHERE key IS NOT NULL AND state IN ('pending', 'running');\n"
        "CREATE INDEX jobs_tasks_due ON jobs_tasks (priority, run_at, id)\n"
        "  WHERE state = 'pending';\n"
        "CREATE INDEX jobs_tasks_leases ON jobs_tasks (lease_expires) WHERE state = 'running';\n"
        "CREATE TABLE jobs_dependencies (\n"
        "  task_id INTEGER NOT NULL REFERENCES jobs_tasks (id),\n"
        "  dep_id  INTEGER NOT NULL REFERENCES jobs_tasks (id),\n"
        "  PRIMARY KEY (task_id, dep_id)\n"
        ") WITHOUT ROWID;\n"
        "CREATE INDEX jobs_dependencies_dep ON jobs_dependencies (dep_id, task_id);\n"
        "CREATE TABLE jobs_errors (\n"
        "  task_id INTEGER NOT NULL REFERENCES jobs_tasks (id),\n"
        "  seq     INTEGER NOT NULL,\n"
        "  error   TEXT NOT NULL,\n"
        "  PRIMARY KEY (task_id, seq)\n"
        ") WITHOUT ROWID;"},
    // Posts are keyed inside the database by an integer rowid (seq): votes, comments, history and
    // the FTS5 index point at it. The store keeps the index in sync itself (with trusted_schema
    // off, triggers may not write to virtual tables). Counters live on the post row and change in
    // the same transaction as the rows they count. Removed votes are kept (board_removed_votes)
    // so listings can rank by the votes as of a cursor's snapshot time. Statuses and categories
    // are stored by name, and CHECK constraints keep any other string out.
    Migration{
        7, "board: projects, posts, votes, comments, status history, search",
        "CREATE TABLE board_projects (\n"
        "  id          TEXT PRIMARY KEY NOT NULL,\n"
        "  slug        TEXT NOT NULL UNIQUE,\n"
        "  name        TEXT NOT NULL,\n"
        "  description TEXT NOT NULL,\n"
        "  created_at  INTEGER NOT NULL\n"
        ");\n"
        "CREATE TABLE board_posts (\n"
        "  seq                 INTEGER PRIMARY KEY,\n"
        "  id                  TEXT NOT NULL UNIQUE,\n"
        "  project_id          TEXT NOT NULL REFERENCES board_projects (id),\n"
        "  title               TEXT NOT NULL,\n"
        "  description         TEXT NOT NULL,\n"
        "  status              TEXT NOT NULL CHECK (status IN\n"
        "                        ('open', 'planned', 'in_progress', 'done', 'declined')),\n"
        "  category            TEXT NOT NULL CHECK (category IN\n"
        "                        ('feedback', 'bug', 'feature', 'question')),\n"
        "  tags                TEXT NOT NULL,  -- sorted, comma-separated\n"
        "  author              TEXT NOT NULL,\n"
        "  vote_count          INTEGER NOT NULL DEFAULT 0,\n"
        "  comment_count       INTEGER NOT NULL DEFAULT 0,\n"
        "  created_at          INTEGER NOT NULL,\n"
        "  updated_at          INTEGER NOT NULL,\n"
        "  edited_by           TEXT,\n"
        "  merged_into         TEXT,\n"
        "  merged_by           TEXT,\n"
        "  official_comment_id TEXT,\n"
        "  deleted_at          INTEGER,\n"
        "  deleted_by          TEXT\n"
        ");\n"
        "CREATE INDEX board_posts_project ON board_posts (project_id, created_at);\n"
        "CREATE TABLE board_votes (\n"
        "  post_seq INTEGER NOT NULL REFERENCES board_posts (seq),\n"
        "  user     TEXT NOT NULL,\n"
        "  voted_at INTEGER NOT NULL,  -- when the user voted\n"
        "  added_at INTEGER NOT NULL,  -- when the vote reached this post (a merge moves votes)\n"
        "  PRIMARY KEY (post_seq, user)\n"
        ") WITHOUT ROWID;\n"
        "CREATE INDEX board_votes_user ON board_votes (user, post_seq);\n"
        "CREATE INDEX board_votes_added ON board_votes (added_at, post_seq);\n"
        "CREATE INDEX board_votes_voted ON board_votes (voted_at, post_seq, added_at);\n"
        "CREATE TABLE board_removed_votes (\n"
        "  post_seq   INTEGER NOT NULL,\n"
        "  voted_at   INTEGER NOT NULL,\n"
        "  added_at   INTEGER NOT NULL,\n"
        "  removed_at INTEGER NOT NULL\n"
        ");\n"
        "CREATE INDEX board_removed_votes_removed ON board_removed_votes (removed_at);\n"
        "CREATE TABLE board_comments (\n"
        "  seq        INTEGER PRIMARY KEY,\n"
        "  id         TEXT NOT NULL UNIQUE,\n"
        "  post_seq   INTEGER NOT NULL REFERENCES board_posts (seq),\n"
        "  parent_id  TEXT,\n"
        "  author     TEXT NOT NULL,\n"
        "  content    TEXT NOT NULL,\n"
        "  created_at INTEGER NOT NULL,\n"
        "  updated_at INTEGER NOT NULL,\n"
        "  edited     INTEGER NOT NULL DEFAULT 0,\n"
        "  edited_by  TEXT,\n"
        "  deleted_at INTEGER,\n"
        "  deleted_by TEXT\n"
        ");\n"
        "CREATE INDEX board_comments_post ON board_comments (post_seq, created_at);\n"
        "CREATE INDEX board_comments_created ON board_comments\n"
        "  (created_at, post_seq, deleted_at);\n"
        "CREATE TABLE board_status_changes (\n"
        "  seq         INTEGER PRIMARY KEY,\n"
        "  post_seq    INTEGER NOT NULL REFERENCES board_posts (seq),\n"
        "  from_status TEXT NOT NULL,\n"
        "  to_status   TEXT NOT NULL,\n"
        "  actor       TEXT NOT NULL,\n"
        "  note        TEXT NOT NULL,\n"
        "  at          INTEGER NOT NULL\n"
        ");\n"
        "CREATE INDEX board_status_changes_post ON board_status_changes (post_seq, seq);\n"
        "CREATE VIRTUAL TABLE board_posts_fts USING fts5 (\n"
        "  title, description, content = 'board_posts', content_rowid = 'seq');"},
    // The first-superadmin claim is closed once per database, for good: by the claim itself, or
    // by anyone being made superadmin. Databases that already have a superadmin, or whose
    // cairn-vault recorded a first sign-in (its older marker in cairn_meta), start closed.
    Migration{8, "secrets: the first-superadmin claim",
              "CREATE TABLE secrets_bootstrap (\n"
              "  id         INTEGER PRIMARY KEY CHECK (id = 1),\n"
              "  claimed_by TEXT NOT NULL\n"
              ");\n"
              "INSERT INTO secrets_bootstrap (id, claimed_by)\n"
              "  SELECT 1, user FROM secrets_superadmins ORDER BY user LIMIT 1;\n"
              "INSERT OR IGNORE INTO secrets_bootstrap (id, claimed_by)\n"
              "  SELECT 1, value FROM cairn_meta WHERE key = 'vault.first_superadmin';"},
    // Keys the engine keeps for itself (secrets/keyring.hpp), each wrapped under the KEK like a
    // data key; a master key rotation re-wraps them with the data keys.
    Migration{9, "secrets: keyring keys",
              "CREATE TABLE secrets_keyring_keys (\n"
              "  name        TEXT PRIMARY KEY NOT NULL,\n"
              "  wrapped_key BLOB NOT NULL  -- nonce || AES-256-GCM(KEK, key) || tag\n"
              ") WITHOUT ROWID;"},
    // Rules of users who are not members of the rule's organization lay dormant before removing
    // a member removed their rules, and would grant access again the day the user joined: they
    // are soft-deleted (service accounts' rules are not touched).
    Migration{10, "secrets: no rules for non-members",
              "UPDATE secrets_acl_rules\n"
              "  SET deleted_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000000\n"
              "  WHERE deleted_at IS NULL AND subject NOT LIKE 'sa:%'\n"
              "    AND NOT EXISTS (SELECT 1 FROM secrets_members m\n"
              "                    WHERE m.org_id = secrets_acl_rules.org_id\n"
              "                      AND m.user = secrets_acl_rules.subject);"},
    // purge_finished() deletes the oldest finished tasks in batches: this index finds them
    // without scanning the whole table once per batch. It holds finished tasks only.
    Migration{11, "jobs: finished tasks by age",
              "CREATE INDEX jobs_tasks_finished ON jobs_tasks (updated_at)\n"
              "  WHERE state IN ('done', 'failed', 'cancelled');"},
    // Records (records/store.hpp): one row per record with its value as compact JSON text, and
    // one row per indexed field per record (kind 0 when absent or null) so that filtering and
    // ordering by a field is a plain join on record_fields_order. int_value holds integers and
    // booleans (0/1), text_value strings; the unused one is 0 or '' so every column compares with
    // '='. Each record also has an integer key, seq, copied into its field rows: a listing by a
    // field reaches the record row in one B-tree descent instead of two (through (collection, id)),
    // which more than halves its time. A field row's own key is seq * 16 + the field's position in
    // the collection's sorted field list (kMaxIndexedFields = 16), so a put, update or remove
    // reaches the rows of a record by key: no (collection, field, id) index to maintain, one B-tree
    // less written per put. Unique fields are backed by a partial unique index over present
    // values. Portable to PostgreSQL as written, except seq (BIGINT GENERATED ALWAYS AS IDENTITY
    // there), the field key (BIGINT PRIMARY KEY) and text order (COLLATE "C").
    Migration{12, "records: collections, records, indexed fields",
              "CREATE TABLE records_collections (\n"
              "  name       TEXT PRIMARY KEY NOT NULL,\n"
              "  spec       TEXT NOT NULL,  -- {\"indexes\":[...],\"unique\":[...]}, sorted\n"
              "  created_at INTEGER NOT NULL\n"
              ");\n"
              "CREATE TABLE records (\n"
              "  seq        INTEGER PRIMARY KEY,\n"
              "  collection TEXT NOT NULL,\n"
              "  id         TEXT NOT NULL,\n"
              "  version    INTEGER NOT NULL,\n"
              "  value      TEXT NOT NULL,\n"
              "  created_at INTEGER NOT NULL,\n"
              "  updated_at INTEGER NOT NULL,\n"
              "  UNIQUE (collection, id)\n"
              ");\n"
              "CREATE INDEX records_created ON records (collection, created_at, id);\n"
              "CREATE INDEX records_updated ON records (collection, updated_at, id);\n"
              "CREATE TABLE record_fields (\n"
              "  key        INTEGER PRIMARY KEY,  -- seq * 16 + position of field in the spec\n"
              "  collection TEXT NOT NULL,\n"
              "  field      TEXT NOT NULL,\n"
              "  id         TEXT NOT NULL,\n"
              "  seq        INTEGER NOT NULL,  -- records.seq of the record\n"
              "  kind       INTEGER NOT NULL,  -- 0 absent/null, 1 bool, 2 integer, 3 string\n"
              "  int_value  INTEGER NOT NULL,\n"
              "  text_value TEXT NOT NULL,\n"
              "  is_unique  INTEGER NOT NULL\n"
              ");\n"
              "CREATE INDEX record_fields_order ON record_fields\n"
              "  (collection, field, kind, int_value, text_value, id, seq);\n"
              "CREATE UNIQUE INDEX record_fields_unique ON record_fields\n"
              "  (collection, field, kind, int_value, text_value)\n"
              "  WHERE is_unique = 1 AND kind <> 0;"},
    // Records keyed by integers where migration 12 repeated names: a collection gets an integer
    // id, records.collection holds it, and record_fields.field holds the collection id * 16 + the
    // field's position in the collection's sorted field list (a spec never changes once declared,
    // so positions are stable) in place of the collection and field names. Every index entry
    // loses the two names, and a listing stays within its field by comparing one integer per
    // row: a page of 100 by a field runs 6% fewer instructions, a get 17% fewer (callgrind). The
    // tables are rebuilt (SQLite cannot change a column's type); rows keep their seq and keys.
    Migration{13, "records: integer collection and field keys",
              "CREATE TABLE records_collections_13 (\n"
              "  id         INTEGER PRIMARY KEY,\n"
              "  name       TEXT NOT NULL UNIQUE,\n"
              "  spec       TEXT NOT NULL,\n"
              "  created_at INTEGER NOT NULL\n"
              ");\n"
              "INSERT INTO records_collections_13 (name, spec, created_at)\n"
              "  SELECT name, spec, created_at FROM records_collections ORDER BY name;\n"
              "CREATE TABLE records_13 (\n"
              "  seq        INTEGER PRIMARY KEY,\n"
              "  collection INTEGER NOT NULL,  -- records_collections.id\n"
              "  id         TEXT NOT NULL,\n"
              "  version    INTEGER NOT NULL,\n"
              "  value      TEXT NOT NULL,\n"
              "  created_at INTEGER NOT NULL,\n"
              "  updated_at INTEGER NOT NULL,\n"
              "  UNIQUE (collection, id)\n"
              ");\n"
              "INSERT INTO records_13\n"
              "  (seq, collection, id, version, value, created_at, updated_at)\n"
              "  SELECT r.seq, c.id, r.id, r.version, r.value, r.created_at, r.updated_at\n"
              "  FROM records r JOIN records_collections_13 c ON c.name = r.collection;\n"
              "CREATE TABLE record_fields_13 (\n"
              "  key        INTEGER PRIMARY KEY,  -- seq * 16 + position of the field\n"
              "  field      INTEGER NOT NULL,  -- records_collections.id * 16 + position\n"
              "  id         TEXT NOT NULL,\n"
              "  seq        INTEGER NOT NULL,\n"
              "  kind       INTEGER NOT NULL,\n"
              "  int_value  INTEGER NOT NULL,\n"
              "  text_value TEXT NOT NULL,\n"
              "  is_unique  INTEGER NOT NULL\n"
              ");\n"
              "INSERT INTO record_fields_13\n"
              "  (key, field, id, seq, kind, int_value, text_value, is_unique)\n"
              "  SELECT f.key, c.id * 16 + f.key % 16, f.id, f.seq, f.kind, f.int_value,\n"
              "         f.text_value, f.is_unique\n"
              "  FROM record_fields f JOIN records_collections_13 c ON c.name = f.collection;\n"
              "DROP TABLE record_fields;\n"
              "DROP TABLE records;\n"
              "DROP TABLE records_collections;\n"
              "ALTER TABLE records_collections_13 RENAME TO records_collections;\n"
              "ALTER TABLE records_13 RENAME TO records;\n"
              "ALTER TABLE record_fields_13 RENAME TO record_fields;\n"
              "CREATE INDEX records_created ON records (collection, created_at, id);\n"
              "CREATE INDEX records_updated ON records (collection, updated_at, id);\n"
              "CREATE INDEX record_fields_order ON record_fields\n"
              "  (field, kind, int_value, text_value, id, seq);\n"
              "CREATE UNIQUE INDEX record_fields_unique ON record_fields\n"
              "  (field, kind, int_value, text_value)\n"
              "  WHERE is_unique = 1 AND kind <> 0;"},
    // Scheduler::list(state = failed or cancelled) walked every task in id order to find the few
    // that failed; this index holds just those. Plain (state, id) or (kind, id) indexes were
    // tried and left out: without statistics SQLite then serves claim(), next_run_at() and the
    // running count from them with a sort over every task of the kind, history included, instead
    // of jobs_tasks_due. The OR form (not IN) is what lets `state = 'failed'` use the index.
    Migration{14, "jobs: failed and cancelled tasks by id",
              "CREATE INDEX jobs_tasks_failed ON jobs_tasks (id)\n"
              "  WHERE state = 'failed' OR state = 'cancelled';"},
    // The audit tree's nodes in tiles of 16 consecutive nodes of a level, one row each, instead of
    // a row per node: an append batch of 1000 entries wrote about 2000 node rows, a third of its
    // time. The id packs (log, level, index / 16) as a node row's id packs (log, level, index).
    // Rows of audit_nodes written before stay where they are and are still read
    // (storage/sqlite/audit_store.cpp); new nodes go to tiles only.
    Migration{
        15, "audit: tree nodes in tiles of 16",
        "CREATE TABLE audit_tiles (\n"
        "  id     INTEGER PRIMARY KEY,  -- (log << 47) | (level << 41) | (index >> 4)\n"
        "  hashes BLOB NOT NULL         -- 1 to 16 node hashes from index & ~15, 32 bytes each\n"
        ");"},
};

constexpr bool versions_are_consecutive() {
  for (size_t i = 0; i < kMigrations.size(); ++i) {
    if (kMigrations[i].version != static_cast<int64_t>(i) + 1) return false;
  }
  return true;
}
static_assert(versions_are_consecutive(), "migration versions must be 1, 2, 3, ... in order");

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (\n"
    "  version    INTEGER PRIMARY KEY NOT NULL,\n"
    "  name       TEXT NOT NULL,\n"
    "  applied_at INTEGER NOT NULL\n"
    ")";

}  // namespace

std::span<const Migration> migrations() noexcept { return kMigrations; }

int64_t latest_migration_version() noexcept { return kMigrations.back().version; }

Result<int64_t> applied_version(Connection& connection) {
  CAIRN_ASSIGN_OR_RETURN(Statement exists,
                         connection.prepare("SELECT count(*) FROM sqlite_schema "
                                            "WHERE type = 'table' AND name = 'schema_migrations'"));
  CAIRN_TRY(exists.step());
  if (exists.column_int64(0) == 0) return int64_t{0};
  CAIRN_ASSIGN_OR_RETURN(
      Statement max, connection.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations"));
  CAIRN_TRY(max.step());
  return max.column_int64(0);
}

Status check_application(Connection& connection) {
  CAIRN_ASSIGN_OR_RETURN(std::string id, connection.pragma_text("application_id"));
  if (id == std::to_string(kApplicationId)) return ok_status();
  CAIRN_ASSIGN_OR_RETURN(Statement objects,
                         connection.prepare("SELECT count(*) FROM sqlite_schema"));
  CAIRN_TRY(objects.step());
  if (id == "0" && objects.column_int64(0) == 0) return ok_status();  // a new, empty database
  return fail(ErrorCode::kFailedPrecondition, "STORAGE_NOT_CAIRN_DATABASE",
              "the file is an SQLite database of another application; cairn will not change it");
}

Result<int64_t> migrate(Connection& connection) {
  int64_t version = 0;
  for (const Migration& migration : kMigrations) {
    // Each migration re-reads the version inside its own write transaction, so two processes
    // opening a new database at once apply every migration exactly once.
    CAIRN_TRY(connection.exec("BEGIN IMMEDIATE"));
    auto step = [&]() -> Result<bool> {
      CAIRN_TRY(connection.exec(kCreateMigrationsTable));
      CAIRN_ASSIGN_OR_RETURN(version, applied_version(connection));
      if (version > latest_migration_version()) {
        return fail(ErrorCode::kFailedPrecondition, "STORAGE_SCHEMA_TOO_NEW",
                    "the database schema is at version " + std::to_string(version) +
                        ", newer than this build of cairn knows");
      }
      if (version >= migration.version) return false;
      CAIRN_TRY(connection.exec(migration.sql));
      CAIRN_ASSIGN_OR_RETURN(
          Statement record,
          connection.prepare("INSERT INTO schema_migrations (version, name, applied_at) "
                             "VALUES (?1, ?2, CAST(strftime('%s', 'now') AS INTEGER))"));
      record.bind(1, migration.version).bind(2, migration.name);
      CAIRN_TRY(record.run());
      version = migration.version;
      return true;
    };
    Result<bool> applied = step();
    if (!applied) {
      (void)connection.exec("ROLLBACK");
      return fail(std::move(applied).error());
    }
    if (Status committed = connection.exec("COMMIT"); !committed) {
      (void)connection.exec("ROLLBACK");
      return fail(std::move(committed).error());
    }
  }
  return version;
}

}  // namespace cairn::storage::sqlite
