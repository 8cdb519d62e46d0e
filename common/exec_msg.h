/* The exec protocol between an exec proxy (`hacher exec`) and the monitor of
 * a running container, over the unix socket ROOT/ID/exec.sock
 * (SOCK_SEQPACKET: one message per record). Every message starts with a
 * header naming the version and the type; integers are little-endian (the
 * host's). The monitor treats what it receives as untrusted host input:
 * exec_msg_decode checks every length, count and string. */
#ifndef HACHER_EXEC_MSG_H
#define HACHER_EXEC_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tl_abi.h"

#define EXEC_MSG_MAGIC 0x43584548u /* "HEXC" */
#define EXEC_MSG_VERSION 1
#define EXEC_MSG_SOCKET "exec.sock" /* in the container's state dir */
/* Largest message: a request with TL_EXEC_STRINGS_MAX bytes of strings. */
#define EXEC_MSG_MAX (TL_EXEC_STRINGS_MAX + 4096)
#define EXEC_MSG_ARGS_MAX 65536 /* argc + envc */
#define EXEC_MSG_TEXT_MAX 1024  /* an error message */

enum exec_msg_type {
  EXEC_MSG_REQUEST = 1, /* proxy -> monitor: the process; stdio fds attached */
  EXEC_MSG_SIGNAL = 2,  /* proxy -> monitor: a signal for the process */
  EXEC_MSG_STARTED = 3, /* monitor -> proxy: the guest took the request */
  EXEC_MSG_EXIT = 4,    /* monitor -> proxy: the process ended */
  EXEC_MSG_ERROR = 5,   /* monitor -> proxy: refused or failed; text */
};

struct exec_msg_header {
  uint32_t magic;
  uint16_t version;
  uint16_t type;
  uint32_t size; /* the whole message, header included */
  uint32_t _pad;
};

/* REQUEST body: this, then ngroups uint32_t, then strings_size bytes of
 * strings (argc arguments, envc environment entries, the cwd), each
 * NUL-terminated. SCM_RIGHTS carries 3 fds (stdin, stdout, stderr) or,
 * with EXEC_REQ_TERMINAL, 1 (the pty slave). */
#define EXEC_REQ_TERMINAL TL_EXEC_TERMINAL
#define EXEC_REQ_NO_NEW_PRIVS TL_EXEC_NO_NEW_PRIVS
#define EXEC_REQ_FLAGS (EXEC_REQ_TERMINAL | EXEC_REQ_NO_NEW_PRIVS)
struct exec_msg_request {
  uint32_t flags;
  uint32_t uid, gid;
  uint32_t argc, envc;
  uint32_t ngroups;
  uint32_t strings_size;
  uint32_t _pad;
};

/* A decoded message; pointers point into the decoded buffer, except argv
 * and env (allocated, NULL-terminated: free with exec_msg_clear). */
struct exec_msg {
  enum exec_msg_type type;
  /* REQUEST */
  uint32_t flags;
  uint32_t uid, gid;
  uint32_t argc, envc, ngroups;
  const uint32_t *groups_raw; /* unaligned-safe reads via exec_msg_group */
  char **argv, **env;
  const char *cwd;
  const char *strings; /* argv[0] .. cwd, strings_size bytes */
  uint32_t strings_size;
  /* SIGNAL */
  uint32_t signo;
  /* STARTED, EXIT */
  uint32_t id;
  uint32_t status, signal; /* EXIT: exit code 0-255, or the signal */
  /* ERROR: NUL-terminated, printable */
  char text[EXEC_MSG_TEXT_MAX + 1];
};

/* The request a proxy sends; strings are borrowed. */
struct exec_request {
  uint32_t flags;
  uint32_t uid, gid;
  char *const *argv; /* NULL-terminated, at least one entry */
  char *const *env;  /* NULL-terminated */
  const char *cwd;   /* absolute */
  const uint32_t *groups;
  uint32_t ngroups;
};

/* Encode a message into an allocated buffer (*len bytes); -1 when the
 * request breaks a limit (why says which). */
int exec_msg_encode_request(const struct exec_request *r, uint8_t **out, size_t *len, char *why,
                            size_t whylen);
size_t exec_msg_encode_signal(uint8_t *buf, size_t size, uint32_t signo);
size_t exec_msg_encode_started(uint8_t *buf, size_t size, uint32_t id);
size_t exec_msg_encode_exit(uint8_t *buf, size_t size, uint32_t status, uint32_t signal);
/* text is cut at EXEC_MSG_TEXT_MAX bytes. */
size_t exec_msg_encode_error(uint8_t *buf, size_t size, const char *text);

/* Decode and check one received message. 0, or -1 with a reason in why. */
int exec_msg_decode(const uint8_t *buf, size_t len, struct exec_msg *out, char *why, size_t whylen);
/* What the monitor accepts from a proxy: a request with its nfds file
 * descriptors (3, or 1 with a terminal) or a signal (none). */
int exec_msg_from_proxy(const uint8_t *buf, size_t len, int nfds, struct exec_msg *m, char *why,
                        size_t whylen);
/* Free what decoding allocated; call it whatever decoding returned. */
void exec_msg_clear(struct exec_msg *m);
uint32_t exec_msg_group(const struct exec_msg *m, uint32_t i);

#endif
