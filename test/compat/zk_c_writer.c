/* A writer on the Apache ZooKeeper C client (libzookeeper-mt) for the
 * rolling-restart test: creates /rr/c-<n> in a loop, retrying an operation
 * that ended in connection loss as an application would (a create whose
 * outcome is unknown counts as done if it then answers NODEEXISTS). Stops when
 * STOP_FILE exists. Prints "acked N failed M" and one "acked PATH" line per
 * write, exits 0. Usage: zk_c_writer HOSTS STOP_FILE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

static int Retryable(int rc) {
  return rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT || rc == ZINVALIDSTATE;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s HOSTS STOP_FILE\n", argv[0]);
    return 2;
  }
  zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
  zhandle_t *zh = zookeeper_init(argv[1], NULL, 10000, 0, NULL, 0);
  if (zh == NULL) return 2;
  long acked = 0, failed = 0;
  int rc = zoo_create(zh, "/rr", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
  for (int tries = 0; Retryable(rc) && tries < 200; ++tries) {
    usleep(50000);
    rc = zoo_create(zh, "/rr", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
  }
  for (long n = 0; access(argv[2], F_OK) != 0; ++n) {
    char path[64];
    snprintf(path, sizeof path, "/rr/c-%ld", n);
    int unknown = 0;
    for (int tries = 0; tries < 600; ++tries) {
      rc = zoo_create(zh, path, "v", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
      if (!Retryable(rc)) break;
      unknown = 1;
      usleep(50000);
    }
    if (rc == ZOK || (rc == ZNODEEXISTS && unknown)) {
      ++acked;
      printf("acked %s\n", path);
    } else {
      ++failed;
      printf("failed %s: %s\n", path, zerror(rc));
    }
  }
  printf("acked %ld failed %ld\n", acked, failed);
  zookeeper_close(zh);
  return 0;
}
