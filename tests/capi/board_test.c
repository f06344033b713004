/* The C ABI's board on memory: and sqlite:: projects, posts, votes, comments and tombstones, the
 * official response, statuses and their history, listing with cursors, search, merging, exact
 * counters and the errors of bad input. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cairn.h"
#include "engine_fixture.h"
#include "harness.h"
#include "json_probe.h"

#define CHECK_REASON(r) CHECK_STR_EQ(cairn_error_last()->reason, (r))

static char temp_dir[64];

static int open_engine(fixture* f, const char* uri) { return fixture_open(f, uri, 5, NULL); }

/* Creates a post in "app" one second after the previous one; its id in id (33 bytes). */
static void new_post(fixture* f, const char* title, const char* category, char* id) {
  char* json = NULL;
  const char* tags[] = {"ui"};
  cairn_env_fake_advance(f->env, SECOND);
  CHECK(cairn_board_create_post(&json, f->engine, "app", "ada", title, "about it", category, tags,
                                1) == CAIRN_OK);
  json_str(json, "id", id, 33);
  cairn_free(json);
}

/* The post's counters equal a recount of its rows. */
static void check_exact(fixture* f, const char* id) {
  char* json = NULL;
  int64_t votes = -1, comments = -1;
  CHECK(cairn_board_get_post(&json, f->engine, id, NULL) == CAIRN_OK);
  CHECK(cairn_board_recount(&votes, &comments, f->engine, id) == CAIRN_OK);
  CHECK(json_int(json, "vote_count") == votes);
  CHECK(json_int(json, "comment_count") == comments);
  cairn_free(json);
}

static void run_board(const char* uri) {
  fixture f;
  char* json = NULL;
  char a[33], b[33], c[33], comment[33], reply[33], cursor[512];
  int voted = -1;
  int64_t votes = -1, comments = -1;
  cairn_board_query query = CAIRN_BOARD_QUERY_INIT;
  if (!open_engine(&f, uri)) {
    CHECK(0);
    return;
  }

  /* Projects */
  CHECK(cairn_board_create_project(&json, f.engine, "app", "My App", NULL) == CAIRN_OK);
  CHECK(has(json, "\"slug\":\"app\""));
  cairn_free(json);
  CHECK(cairn_board_create_project(&json, f.engine, "app", "Again", NULL) == CAIRN_ALREADY_EXISTS);
  CHECK_REASON("BOARD_PROJECT_EXISTS");
  CHECK(json == NULL);
  CHECK(cairn_board_create_project(&json, f.engine, "Bad Slug", "x", NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("BOARD_SLUG_INVALID");
  CHECK(cairn_board_projects(&json, f.engine) == CAIRN_OK);
  CHECK(count_of(json, "\"slug\"") == 1);
  cairn_free(json);

  /* Posts and validation */
  new_post(&f, "Dark mode", "feature", a);
  new_post(&f, "Export to CSV", NULL, b);
  new_post(&f, "Dark theme", "bug", c);
  CHECK(strlen(a) == 32 && strlen(b) == 32 && strlen(c) == 32);
  CHECK(cairn_board_create_post(&json, f.engine, "app", "ada", "   ", NULL, NULL, NULL, 0) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("BOARD_TITLE_INVALID");
  CHECK(cairn_board_create_post(&json, f.engine, "app", "ada", "t", NULL, "idea", NULL, 0) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("BOARD_CATEGORY_INVALID");
  CHECK(cairn_board_create_post(&json, f.engine, "nope", "ada", "t", NULL, NULL, NULL, 0) ==
        CAIRN_NOT_FOUND);
  CHECK_REASON("BOARD_PROJECT_NOT_FOUND");
  CHECK(cairn_board_create_post(&json, f.engine, "app", "ada", "t", NULL, NULL, NULL, 1) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_board_get_post(&json, f.engine, a, NULL) == CAIRN_OK);
  CHECK(has(json, "\"category\":\"feature\""));
  CHECK(has(json, "\"status\":\"open\""));
  CHECK(has(json, "\"tags\":[\"ui\"]"));
  CHECK(has(json, "\"merged_into\":null"));
  CHECK(has(json, "\"voted\":false"));
  cairn_free(json);

  /* Votes */
  CHECK(cairn_board_vote(&voted, f.engine, a, "bob") == CAIRN_OK && voted == 1);
  CHECK(cairn_board_vote(&voted, f.engine, a, "carol") == CAIRN_OK && voted == 1);
  CHECK(cairn_board_vote(&voted, f.engine, a, "carol") == CAIRN_OK && voted == 0);
  CHECK(cairn_board_set_vote(&json, f.engine, a, "bob", 1) == CAIRN_OK);
  CHECK(has(json, "\"changed\":false") && json_int(json, "vote_count") == 1);
  cairn_free(json);
  CHECK(cairn_board_set_vote(&json, f.engine, c, "bob", 1) == CAIRN_OK);
  cairn_free(json);
  CHECK(cairn_board_set_vote(&json, f.engine, c, "dave", 1) == CAIRN_OK);
  cairn_free(json);
  CHECK(cairn_board_get_post(&json, f.engine, a, "bob") == CAIRN_OK);
  CHECK(has(json, "\"voted\":true"));
  cairn_free(json);
  CHECK(cairn_board_vote(&voted, f.engine, "nope", "bob") == CAIRN_NOT_FOUND);
  CHECK_REASON("BOARD_POST_NOT_FOUND");

  /* Comments, tombstones, the official response */
  CHECK(cairn_board_comment(&json, f.engine, a, "bob", "first", NULL) == CAIRN_OK);
  json_str(json, "id", comment, sizeof comment);
  CHECK(has(json, "\"parent_id\":null"));
  cairn_free(json);
  CHECK(cairn_board_comment(&json, f.engine, a, "carol", "reply", comment) == CAIRN_OK);
  json_str(json, "id", reply, sizeof reply);
  cairn_free(json);
  CHECK(cairn_board_set_official_comment(&json, f.engine, a, reply, "admin") == CAIRN_OK);
  CHECK(has(json, reply));
  cairn_free(json);
  CHECK(cairn_board_delete_comment(f.engine, comment, "bob") == CAIRN_OK);
  CHECK(cairn_board_comments(&json, f.engine, a) == CAIRN_OK);
  CHECK(count_of(json, "\"deleted\":true") == 1 && count_of(json, "\"id\"") == 2);
  cairn_free(json);
  CHECK(cairn_board_edit_comment(&json, f.engine, reply, "edited", "carol") == CAIRN_OK);
  CHECK(has(json, "\"edited\":true"));
  cairn_free(json);
  CHECK(cairn_board_comment(&json, f.engine, a, "x", "y", comment) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("BOARD_PARENT_INVALID");
  CHECK(cairn_board_delete_comment(f.engine, comment, "bob") == CAIRN_NOT_FOUND);
  CHECK_REASON("BOARD_COMMENT_NOT_FOUND");
  check_exact(&f, a);

  /* Statuses */
  CHECK(cairn_board_set_status(&json, f.engine, a, "planned", "admin", "soon") == CAIRN_OK);
  CHECK(has(json, "\"status\":\"planned\""));
  cairn_free(json);
  CHECK(cairn_board_set_status(&json, f.engine, a, "closed", "admin", NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("BOARD_STATUS_INVALID");
  CHECK(cairn_board_status_history(&json, f.engine, a) == CAIRN_OK);
  CHECK(has(json, "\"from\":\"open\",\"to\":\"planned\",\"actor\":\"admin\",\"note\":\"soon\""));
  cairn_free(json);

  /* Listing: sorts, filters and cursors */
  query.sort = "most_votes";
  query.limit = 2;
  CHECK(cairn_board_list_posts(&json, f.engine, "app", &query) == CAIRN_OK);
  CHECK(count_of(json, "\"title\"") == 2);
  CHECK(strstr(json, c) < strstr(json, a));
  CHECK(!has(json, "\"next_cursor\":null"));
  json_str(json, "next_cursor", cursor, sizeof cursor);
  cairn_free(json);
  query.cursor = cursor;
  CHECK(cairn_board_list_posts(&json, f.engine, "app", &query) == CAIRN_OK);
  CHECK(count_of(json, "\"title\"") == 1 && has(json, b));
  CHECK(has(json, "\"next_cursor\":null"));
  cairn_free(json);
  query.sort = "newest";
  CHECK(cairn_board_list_posts(&json, f.engine, "app", &query) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("BOARD_CURSOR_INVALID");
  query.cursor = NULL;
  query.sort = "top";
  CHECK(cairn_board_list_posts(&json, f.engine, "app", &query) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("BOARD_SORT_INVALID");
  query.sort = NULL;
  query.limit = 20;
  query.voted_by = "dave";
  CHECK(cairn_board_list_posts(&json, f.engine, "app", &query) == CAIRN_OK);
  CHECK(count_of(json, "\"title\"") == 1 && has(json, c));
  cairn_free(json);
  query.voted_by = NULL;
  query.status = "planned";
  CHECK(cairn_board_list_posts(&json, f.engine, "app", &query) == CAIRN_OK);
  CHECK(count_of(json, "\"title\"") == 1 && has(json, a));
  cairn_free(json);
  query.version = 99;
  CHECK(cairn_board_list_posts(&json, f.engine, "app", &query) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_OPTIONS_VERSION_UNSUPPORTED");
  CHECK(cairn_board_list_posts(&json, f.engine, "app", NULL) == CAIRN_OK);
  CHECK(count_of(json, "\"title\"") == 3);
  cairn_free(json);

  /* Search */
  CHECK(cairn_board_search(&json, f.engine, "app", "dark", 20, "bob") == CAIRN_OK);
  CHECK(count_of(json, "\"title\"") == 2 && has(json, a) && has(json, c));
  cairn_free(json);
  CHECK(cairn_board_search(&json, f.engine, "app", "csv", 0, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("BOARD_LIMIT_INVALID");

  /* Merging: bob votes for both, so the target gains only dave */
  CHECK(cairn_board_merge(&json, f.engine, c, a, "admin") == CAIRN_OK);
  CHECK(json_int(json, "vote_count") == 2);
  CHECK(json_int(json, "comment_count") == 1);
  cairn_free(json);
  CHECK(cairn_board_get_post(&json, f.engine, c, NULL) == CAIRN_OK);
  CHECK(has(json, a) && json_int(json, "vote_count") == 0);
  cairn_free(json);
  CHECK(cairn_board_vote(&voted, f.engine, c, "erin") == CAIRN_FAILED_PRECONDITION);
  CHECK_REASON("BOARD_POST_MERGED");
  CHECK(cairn_board_merge(&json, f.engine, a, a, "admin") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("BOARD_MERGE_INVALID");
  check_exact(&f, a);
  check_exact(&f, c);

  /* Deleting */
  CHECK(cairn_board_delete_post(f.engine, b, "admin") == CAIRN_OK);
  CHECK(cairn_board_get_post(&json, f.engine, b, NULL) == CAIRN_NOT_FOUND);
  CHECK(cairn_board_recount(&votes, &comments, f.engine, b) == CAIRN_NOT_FOUND);
  CHECK(votes == 0 && comments == 0);
  CHECK(cairn_board_recount(NULL, &comments, f.engine, a) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_board_vote(&voted, NULL, a, "bob") == CAIRN_INVALID_ARGUMENT);
  close_engine(&f);
}

static void test_board_memory(void) { run_board("memory:"); }

static void test_board_sqlite(void) {
  char uri[128];
  snprintf(uri, sizeof uri, "sqlite:%s/board.db", temp_dir);
  run_board(uri);
}

static void test_update_post(void) {
  fixture f;
  char* json = NULL;
  char id[33];
  const char* tags[] = {"b", "a"};
  if (!open_engine(&f, "memory:")) {
    CHECK(0);
    return;
  }
  CHECK(cairn_board_create_project(&json, f.engine, "app", "App", "about") == CAIRN_OK);
  cairn_free(json);
  new_post(&f, "Title", NULL, id);
  CHECK(cairn_board_update_post(&json, f.engine, id, NULL, "new text", "question", 1, tags, 2,
                                "ada") == CAIRN_OK);
  CHECK(has(json, "\"title\":\"Title\"") && has(json, "\"description\":\"new text\""));
  CHECK(has(json, "\"category\":\"question\"") && has(json, "\"tags\":[\"a\",\"b\"]"));
  cairn_free(json);
  CHECK(cairn_board_update_post(&json, f.engine, id, "", NULL, NULL, 0, NULL, 0, "ada") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("BOARD_TITLE_INVALID");
  close_engine(&f);
}

int main(void) {
  static const harness_test tests[] = {
      {"board_memory", test_board_memory},
      {"board_sqlite", test_board_sqlite},
      {"update_post", test_update_post},
  };
  int rc;
  snprintf(temp_dir, sizeof temp_dir, "/tmp/cairn-board-c-XXXXXX");
  if (mkdtemp(temp_dir) == NULL) return 1;
  rc = harness_run(tests, sizeof tests / sizeof tests[0]);
  {
    char path[128];
    snprintf(path, sizeof path, "%s/board.db", temp_dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/board.db-wal", temp_dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/board.db-shm", temp_dir);
    unlink(path);
    rmdir(temp_dir);
  }
  return rc;
}
