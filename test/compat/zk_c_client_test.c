/* The Apache ZooKeeper C client (libzookeeper-mt) against Arbor's ZooKeeper
 * port: sync and async CRUD, data/child/exists watches, multi with a failing
 * op. Usage: zk_c_client_test HOST:PORT. Prints "PASS" and exits 0 only if
 * every check held. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

static int failures = 0;
#define CHECK(cond, what)                                              \
  do {                                                                 \
    if (cond) {                                                        \
      printf("ok: %s\n", what);                                        \
    } else {                                                           \
      printf("FAIL: %s (%s:%d)\n", what, __FILE__, __LINE__);          \
      failures++;                                                      \
    }                                                                  \
    fflush(stdout);                                                    \
  } while (0)

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int connected = 0;
static int events[8];  /* count per event type 1..5 */
static char last_path[256];

static void global_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
  (void)zh;
  (void)ctx;
  pthread_mutex_lock(&mu);
  if (type == ZOO_SESSION_EVENT && state == ZOO_CONNECTED_STATE) connected = 1;
  if (type >= 1 && type <= 5) {
    events[type]++;
    snprintf(last_path, sizeof last_path, "%s", path);
  }
  pthread_mutex_unlock(&mu);
}

static int wait_flag(int *flag, int want, int ms) {
  for (int i = 0; i < ms / 10; i++) {
    pthread_mutex_lock(&mu);
    int v = *flag;
    pthread_mutex_unlock(&mu);
    if (v >= want) return 1;
    usleep(10000);
  }
  return 0;
}

/* Async completions. */
static int async_done = 0;
static int async_rc = -999;
static char async_value[64];
static int async_version = -1;

static void string_done(int rc, const char *value, const void *data) {
  (void)data;
  pthread_mutex_lock(&mu);
  async_rc = rc;
  snprintf(async_value, sizeof async_value, "%s", rc == ZOK ? value : "");
  async_done++;
  pthread_mutex_unlock(&mu);
}

static void data_done(int rc, const char *value, int len, const struct Stat *stat, const void *data) {
  (void)data;
  pthread_mutex_lock(&mu);
  async_rc = rc;
  if (rc == ZOK) {
    snprintf(async_value, sizeof async_value, "%.*s", len, value);
    async_version = stat->version;
  }
  async_done++;
  pthread_mutex_unlock(&mu);
}

static void stat_done(int rc, const struct Stat *stat, const void *data) {
  (void)data;
  pthread_mutex_lock(&mu);
  async_rc = rc;
  if (rc == ZOK) async_version = stat->version;
  async_done++;
  pthread_mutex_unlock(&mu);
}

static void void_done(int rc, const void *data) {
  (void)data;
  pthread_mutex_lock(&mu);
  async_rc = rc;
  async_done++;
  pthread_mutex_unlock(&mu);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s HOST:PORT\n", argv[0]);
    return 2;
  }
  zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
  zhandle_t *zh = zookeeper_init(argv[1], global_watcher, 10000, 0, 0, 0);
  CHECK(zh != NULL, "zookeeper_init");
  if (zh == NULL) return 1;
  CHECK(wait_flag(&connected, 1, 10000), "session established");

  /* Sync CRUD. */
  char path[128];
  int rc = zoo_create(zh, "/c", "v0", 2, &ZOO_OPEN_ACL_UNSAFE, 0, path, sizeof path);
  CHECK(rc == ZOK && strcmp(path, "/c") == 0, "sync create");
  rc = zoo_create(zh, "/c", "v0", 2, &ZOO_OPEN_ACL_UNSAFE, 0, path, sizeof path);
  CHECK(rc == ZNODEEXISTS, "duplicate create -> ZNODEEXISTS");
  char buf[64];
  int len = sizeof buf;
  struct Stat st;
  rc = zoo_get(zh, "/c", 1 /* watch */, buf, &len, &st);
  CHECK(rc == ZOK && len == 2 && memcmp(buf, "v0", 2) == 0 && st.version == 0, "sync get");
  rc = zoo_set(zh, "/c", "v1", 2, 0);
  CHECK(rc == ZOK, "sync set with version");
  CHECK(wait_flag(&events[ZOO_CHANGED_EVENT], 1, 5000), "data watch fired");
  rc = zoo_set(zh, "/c", "v2", 2, 0);
  CHECK(rc == ZBADVERSION, "stale version -> ZBADVERSION");
  rc = zoo_create(zh, "/c/s-", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_SEQUENCE | ZOO_EPHEMERAL, path, sizeof path);
  CHECK(rc == ZOK && strcmp(path, "/c/s-0000000000") == 0, "ephemeral sequential create");
  struct String_vector kids;
  rc = zoo_get_children(zh, "/c", 1, &kids);
  CHECK(rc == ZOK && kids.count == 1 && strcmp(kids.data[0], "s-0000000000") == 0, "sync get_children");
  deallocate_String_vector(&kids);
  rc = zoo_create(zh, "/c/t", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, path, sizeof path);
  CHECK(wait_flag(&events[ZOO_CHILD_EVENT], 1, 5000), "child watch fired");
  rc = zoo_exists(zh, "/c/none", 1, &st);
  CHECK(rc == ZNONODE, "exists on a missing node -> ZNONODE (watch set)");
  rc = zoo_create(zh, "/c/none", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, path, sizeof path);
  CHECK(wait_flag(&events[ZOO_CREATED_EVENT], 1, 5000), "exists watch -> CREATED");
  rc = zoo_delete(zh, "/c", -1);
  CHECK(rc == ZNOTEMPTY, "delete non-empty -> ZNOTEMPTY");

  /* Async CRUD. */
  async_done = 0;
  rc = zoo_acreate(zh, "/a", "x1", 2, &ZOO_OPEN_ACL_UNSAFE, 0, string_done, NULL);
  CHECK(rc == ZOK && wait_flag(&async_done, 1, 5000) && async_rc == ZOK && strcmp(async_value, "/a") == 0,
        "async create");
  rc = zoo_aset(zh, "/a", "x2", 2, -1, stat_done, NULL);
  CHECK(rc == ZOK && wait_flag(&async_done, 2, 5000) && async_rc == ZOK && async_version == 1, "async set");
  rc = zoo_aget(zh, "/a", 0, data_done, NULL);
  CHECK(rc == ZOK && wait_flag(&async_done, 3, 5000) && async_rc == ZOK && strcmp(async_value, "x2") == 0,
        "async get");
  rc = zoo_adelete(zh, "/a", 5, void_done, NULL);
  CHECK(rc == ZOK && wait_flag(&async_done, 4, 5000) && async_rc == ZBADVERSION, "async delete, bad version");
  rc = zoo_adelete(zh, "/a", 1, void_done, NULL);
  CHECK(rc == ZOK && wait_flag(&async_done, 5, 5000) && async_rc == ZOK, "async delete");
  rc = zoo_aexists(zh, "/a", 0, stat_done, NULL);
  CHECK(rc == ZOK && wait_flag(&async_done, 6, 5000) && async_rc == ZNONODE, "async exists after delete");

  /* multi: all succeed, then one failing op rolls back the rest. */
  zoo_op_t ops[3];
  zoo_op_result_t res[3];
  char p0[64], p1[64];
  zoo_create_op_init(&ops[0], "/m", "1", 1, &ZOO_OPEN_ACL_UNSAFE, 0, p0, sizeof p0);
  zoo_create_op_init(&ops[1], "/m/k", "2", 1, &ZOO_OPEN_ACL_UNSAFE, 0, p1, sizeof p1);
  zoo_set_op_init(&ops[2], "/m", "3", 1, 0, NULL);
  rc = zoo_multi(zh, 3, ops, res);
  CHECK(rc == ZOK && res[0].err == ZOK && res[1].err == ZOK && res[2].err == ZOK && strcmp(p0, "/m") == 0,
        "multi of three ops");
  zoo_create_op_init(&ops[0], "/m2", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, p0, sizeof p0);
  zoo_delete_op_init(&ops[1], "/missing", -1);
  zoo_check_op_init(&ops[2], "/m", 1);
  rc = zoo_multi(zh, 3, ops, res);
  CHECK(rc == ZNONODE && res[0].err == ZOK && res[1].err == ZNONODE && res[2].err == ZRUNTIMEINCONSISTENCY,
        "multi with a failing op: per-op errors");
  rc = zoo_exists(zh, "/m2", 0, &st);
  CHECK(rc == ZNONODE, "failed multi changed nothing");

  rc = zookeeper_close(zh);
  CHECK(rc == ZOK, "close");
  if (failures != 0) {
    printf("FAILED: %d checks\n", failures);
    return 1;
  }
  printf("PASS\n");
  return 0;
}
