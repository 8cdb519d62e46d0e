/* The exec protocol: proxy -> monitor messages (common/exec_msg.c) and the
 * event the LibOS checks (libos/exec_parse.c). */
#include <stdlib.h>
#include <string.h>

#include "../../common/exec_msg.h"
#include "../../libos/exec_parse.h"
#include "unit.h"

static char *const test_argv[] = {"/bin/sh", "-c", "echo hi", NULL};
static char *const test_env[] = {"PATH=/bin", "A=1", NULL};
static const uint32_t test_groups[] = {10, 20};

static struct exec_request sample(void)
{
  return (struct exec_request){.flags = EXEC_REQ_NO_NEW_PRIVS,
                               .uid = 1000,
                               .gid = 100,
                               .argv = test_argv,
                               .env = test_env,
                               .cwd = "/work",
                               .groups = test_groups,
                               .ngroups = 2};
}

static uint8_t *encode(const struct exec_request *r, size_t *len)
{
  uint8_t *buf = NULL;
  char why[128];

  if (exec_msg_encode_request(r, &buf, len, why, sizeof(why)) < 0)
    return NULL;
  return buf;
}

TEST(exec_msg_request_round_trip)
{
  struct exec_request r = sample();
  struct exec_msg m;
  char why[128] = "";
  size_t len;
  uint8_t *buf = encode(&r, &len);

  CHECK(buf != NULL);
  CHECK_EQ_INT(exec_msg_from_proxy(buf, len, 3, &m, why, sizeof(why)), 0);
  CHECK_EQ_INT(m.type, EXEC_MSG_REQUEST);
  CHECK_EQ_INT(m.flags, EXEC_REQ_NO_NEW_PRIVS);
  CHECK_EQ_INT(m.uid, 1000);
  CHECK_EQ_INT(m.gid, 100);
  CHECK_EQ_INT(m.argc, 3);
  CHECK_EQ_INT(m.envc, 2);
  CHECK_EQ_INT(m.ngroups, 2);
  CHECK_EQ_INT(exec_msg_group(&m, 1), 20);
  CHECK_EQ_STR(m.argv[2], "echo hi");
  CHECK(m.argv[3] == NULL);
  CHECK_EQ_STR(m.env[1], "A=1");
  CHECK_EQ_STR(m.cwd, "/work");
  exec_msg_clear(&m);
  free(buf);
}

TEST(exec_msg_request_fd_count)
{
  struct exec_request r = sample();
  struct exec_msg m;
  char why[128] = "";
  size_t len;
  uint8_t *buf = encode(&r, &len);

  CHECK_EQ_INT(exec_msg_from_proxy(buf, len, 1, &m, why, sizeof(why)), -1);
  CHECK(strstr(why, "1 file descriptors") != NULL);
  exec_msg_clear(&m);
  free(buf);
  r.flags |= EXEC_REQ_TERMINAL; /* one fd: the pty slave */
  buf = encode(&r, &len);
  CHECK_EQ_INT(exec_msg_from_proxy(buf, len, 1, &m, why, sizeof(why)), 0);
  CHECK_EQ_INT(exec_msg_from_proxy(buf, len, 3, &m, why, sizeof(why)), -1);
  exec_msg_clear(&m);
  free(buf);
}

TEST(exec_msg_encode_limits)
{
  struct exec_request r = sample();
  char *const none[] = {NULL};
  char why[128] = "";
  uint8_t *buf = NULL;
  size_t len;

  r.argv = none;
  CHECK_EQ_INT(exec_msg_encode_request(&r, &buf, &len, why, sizeof(why)), -1);
  CHECK_EQ_STR(why, "args must not be empty");
  r = sample();
  r.cwd = "work";
  CHECK_EQ_INT(exec_msg_encode_request(&r, &buf, &len, why, sizeof(why)), -1);
  r = sample();
  r.ngroups = TL_MAX_GROUPS + 1;
  CHECK_EQ_INT(exec_msg_encode_request(&r, &buf, &len, why, sizeof(why)), -1);
  {
    char *big = malloc(TL_EXEC_STRINGS_MAX + 1);
    char *argv[] = {big, NULL};
    memset(big, 'a', TL_EXEC_STRINGS_MAX);
    big[TL_EXEC_STRINGS_MAX] = '\0';
    r = sample();
    r.argv = argv;
    CHECK_EQ_INT(exec_msg_encode_request(&r, &buf, &len, why, sizeof(why)), -1);
    CHECK(strstr(why, "at most") != NULL);
    free(big);
  }
}

/* Each field a hostile proxy controls, broken in turn. */
TEST(exec_msg_decode_rejects)
{
  struct exec_request r = sample();
  struct exec_msg m;
  struct exec_msg_header h;
  struct exec_msg_request body;
  char why[128];
  size_t len;
  uint8_t *good = encode(&r, &len), *buf = malloc(len + 8);
  size_t hb = sizeof(h);

#define RESET() memcpy(buf, good, len)
#define REJECT(n, text)                                                                            \
  do {                                                                                             \
    why[0] = '\0';                                                                                 \
    CHECK_EQ_INT(exec_msg_from_proxy(buf, (n), 3, &m, why, sizeof(why)), -1);                      \
    CHECK(strstr(why, text) != NULL);                                                              \
    exec_msg_clear(&m);                                                                            \
  } while (0)

  RESET();
  REJECT(4, "shorter than its header");
  buf[0] ^= 1;
  REJECT(len, "not an exec message");
  RESET();
  memcpy(&h, buf, hb);
  h.version = 2;
  memcpy(buf, &h, hb);
  REJECT(len, "version 2");
  RESET();
  REJECT(len - 1, "received");
  memcpy(&body, good + hb, sizeof(body));
  body.argc = 0;
  memcpy(buf + hb, &body, sizeof(body));
  REJECT(len, "no arguments");
  RESET();
  body.argc = 4; /* one more than there are strings: the env and cwd are eaten */
  memcpy(buf + hb, &body, sizeof(body));
  REJECT(len, "cwd");
  RESET();
  memcpy(&body, good + hb, sizeof(body));
  body.ngroups = 33;
  memcpy(buf + hb, &body, sizeof(body));
  REJECT(len, "additional groups");
  RESET();
  memcpy(&body, good + hb, sizeof(body));
  body.flags = 0x80;
  memcpy(buf + hb, &body, sizeof(body));
  REJECT(len, "flags");
  RESET();
  memcpy(&body, good + hb, sizeof(body));
  body.strings_size += 1;
  memcpy(buf + hb, &body, sizeof(body));
  REJECT(len, "counts say");
  RESET();
  buf[len - 1] = 'x'; /* the cwd loses its NUL */
  REJECT(len, "cwd is missing or not NUL-terminated");
  RESET();
  buf[len - 6] = 'w'; /* "/work" -> "wwork" */
  REJECT(len, "not an absolute path");
  RESET();
  buf[hb + sizeof(body) + 2 * sizeof(uint32_t)] = '\0'; /* argv[0] empty */
  REJECT(len, "argv[0] is empty");
  free(good);
  free(buf);
#undef RESET
#undef REJECT
}

TEST(exec_msg_small_messages)
{
  uint8_t buf[128];
  struct exec_msg m;
  char why[128];
  size_t n;

  n = exec_msg_encode_signal(buf, sizeof(buf), 15);
  CHECK_EQ_INT(exec_msg_from_proxy(buf, n, 0, &m, why, sizeof(why)), 0);
  CHECK_EQ_INT(m.signo, 15);
  CHECK_EQ_INT(exec_msg_from_proxy(buf, n, 1, &m, why, sizeof(why)), -1);
  n = exec_msg_encode_signal(buf, sizeof(buf), 65);
  CHECK_EQ_INT(exec_msg_decode(buf, n, &m, why, sizeof(why)), -1);
  n = exec_msg_encode_exit(buf, sizeof(buf), 0, 9);
  CHECK_EQ_INT(exec_msg_decode(buf, n, &m, why, sizeof(why)), 0);
  CHECK_EQ_INT(m.signal, 9);
  /* the monitor's replies are not for the monitor */
  CHECK_EQ_INT(exec_msg_from_proxy(buf, n, 0, &m, why, sizeof(why)), -1);
  n = exec_msg_encode_started(buf, sizeof(buf), 7);
  CHECK_EQ_INT(exec_msg_decode(buf, n, &m, why, sizeof(why)), 0);
  CHECK_EQ_INT(m.id, 7);
  n = exec_msg_encode_error(buf, sizeof(buf), "no\nway");
  CHECK_EQ_INT(exec_msg_decode(buf, n, &m, why, sizeof(why)), 0);
  CHECK(strcmp(m.text, "no?way") == 0);
  CHECK_EQ_INT(exec_msg_encode_exit(buf, 8, 0, 0), 0); /* no room */
}

/* The event as monitor/exec.c lays it out: header, then the strings. */
static uint64_t *make_event(const char *strings, uint32_t ssize, uint32_t argc, uint32_t envc,
                            uint64_t *size)
{
  uint64_t *buf = calloc(1, sizeof(struct tl_exec_event) + ssize + 8);
  struct tl_exec_event *ev = (struct tl_exec_event *)buf;

  *ev = (struct tl_exec_event){.kind = TL_EXEC_START,
                               .id = 5,
                               .slot = {3, 4, 5},
                               .uid = 1,
                               .gid = 2,
                               .argc = argc,
                               .envc = envc,
                               .ngroups = 1,
                               .groups = {7},
                               .strings_size = ssize};
  memcpy(ev + 1, strings, ssize);
  *size = sizeof(*ev) + ssize;
  return buf;
}

TEST(los_exec_parse_event)
{
  static const char s[] = "ls\0-l\0X=1\0/tmp";
  const char *argv[3], *envp[2];
  struct los_spawn_req req;
  uint64_t size;
  uint64_t *buf = make_event(s, sizeof(s), 2, 1, &size);
  struct tl_exec_event *ev = (struct tl_exec_event *)buf;

  CHECK_EQ_INT(los_exec_parse(buf, size, &req, NULL, NULL), 0);
  CHECK_EQ_INT(los_exec_parse(buf, size, &req, argv, envp), 0);
  CHECK_EQ_INT(req.id, 5);
  CHECK_EQ_INT(req.slot[2], 5);
  CHECK_EQ_STR(req.argv[1], "-l");
  CHECK(req.argv[2] == NULL);
  CHECK_EQ_STR(req.envp[0], "X=1");
  CHECK_EQ_STR(req.cwd, "/tmp");
  CHECK_EQ_INT(req.groups[0], 7);
  CHECK_EQ_INT(los_exec_parse(buf, size - 1, &req, NULL, NULL), -1); /* size mismatch */
  ev->argc = 3;                                                      /* eats the env */
  CHECK_EQ_INT(los_exec_parse(buf, size, &req, NULL, NULL), -1);
  ev->argc = 2;
  ev->slot[0] = 1; /* the container's stdio is not an exec's */
  CHECK_EQ_INT(los_exec_parse(buf, size, &req, NULL, NULL), -1);
  ev->slot[0] = TL_SLOTS_MAX;
  CHECK_EQ_INT(los_exec_parse(buf, size, &req, NULL, NULL), -1);
  ev->slot[0] = 3;
  ev->ngroups = TL_MAX_GROUPS + 1;
  CHECK_EQ_INT(los_exec_parse(buf, size, &req, NULL, NULL), -1);
  ev->ngroups = 1;
  ev->argc = 0xffffffffu; /* counts beyond the strings */
  CHECK_EQ_INT(los_exec_parse(buf, size, &req, NULL, NULL), -1);
  ev->argc = 2;
  ev->kind = TL_EXEC_SIGNAL;
  CHECK_EQ_INT(los_exec_parse(buf, size, &req, NULL, NULL), -1);
  free(buf);
  {
    static const char rel[] = "ls\0tmp"; /* a relative cwd */
    buf = make_event(rel, sizeof(rel), 1, 0, &size);
    CHECK_EQ_INT(los_exec_parse(buf, size, &req, NULL, NULL), -1);
    free(buf);
  }
  {
    static const char trail[] = "ls\0/\0extra"; /* bytes after the cwd */
    buf = make_event(trail, sizeof(trail), 1, 0, &size);
    CHECK_EQ_INT(los_exec_parse(buf, size, &req, NULL, NULL), -1);
    free(buf);
  }
}
