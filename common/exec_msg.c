/* Encoding and checked decoding of exec protocol messages (exec_msg.h). */
#include "exec_msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int fail(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t whylen, const char *fmt, ...)
{
  va_list ap;

  if (why != NULL && whylen > 0) {
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
  }
  return -1;
}

static void put_header(uint8_t *buf, uint16_t type, uint32_t size)
{
  struct exec_msg_header h = {EXEC_MSG_MAGIC, EXEC_MSG_VERSION, type, size, 0};
  memcpy(buf, &h, sizeof(h));
}

static size_t count_strv(char *const *v, size_t *bytes)
{
  size_t n = 0;

  for (; v != NULL && v[n] != NULL; n++)
    *bytes += strlen(v[n]) + 1;
  return n;
}

static uint8_t *put_strv(uint8_t *p, char *const *v, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(v[i]) + 1;
    memcpy(p, v[i], l);
    p += l;
  }
  return p;
}

int exec_msg_encode_request(const struct exec_request *r, uint8_t **out, size_t *len, char *why,
                            size_t whylen)
{
  size_t strings = 0, argc = count_strv(r->argv, &strings), envc = count_strv(r->env, &strings);
  struct exec_msg_request body = {0};
  size_t size;
  uint8_t *buf, *p;

  if (argc == 0)
    return fail(why, whylen, "args must not be empty");
  if (r->cwd == NULL || r->cwd[0] != '/')
    return fail(why, whylen, "cwd must be an absolute path");
  strings += strlen(r->cwd) + 1;
  if (argc + envc > EXEC_MSG_ARGS_MAX)
    return fail(why, whylen, "%zu arguments and environment entries, at most %u", argc + envc,
                EXEC_MSG_ARGS_MAX);
  if (strings > TL_EXEC_STRINGS_MAX)
    return fail(why, whylen, "arguments, environment and cwd take %zu bytes, at most %u", strings,
                TL_EXEC_STRINGS_MAX);
  if (r->ngroups > TL_MAX_GROUPS)
    return fail(why, whylen, "%u additional groups, at most %u", r->ngroups, TL_MAX_GROUPS);
  if (r->flags & ~EXEC_REQ_FLAGS)
    return fail(why, whylen, "unknown flags 0x%x", r->flags);
  body.flags = r->flags;
  body.uid = r->uid;
  body.gid = r->gid;
  body.argc = (uint32_t)argc;
  body.envc = (uint32_t)envc;
  body.ngroups = r->ngroups;
  body.strings_size = (uint32_t)strings;
  size = sizeof(struct exec_msg_header) + sizeof(body) + r->ngroups * sizeof(uint32_t) + strings;
  buf = xmalloc(size);
  put_header(buf, EXEC_MSG_REQUEST, (uint32_t)size);
  p = buf + sizeof(struct exec_msg_header);
  memcpy(p, &body, sizeof(body));
  p += sizeof(body);
  if (r->ngroups > 0)
    memcpy(p, r->groups, r->ngroups * sizeof(uint32_t));
  p += r->ngroups * sizeof(uint32_t);
  p = put_strv(p, r->argv, argc);
  p = put_strv(p, r->env, envc);
  memcpy(p, r->cwd, strlen(r->cwd) + 1);
  *out = buf;
  *len = size;
  return 0;
}

/* A message of the header and two 32-bit words. */
static size_t encode_small(uint8_t *buf, size_t size, uint16_t type, uint32_t a, uint32_t b)
{
  size_t need = sizeof(struct exec_msg_header) + 2 * sizeof(uint32_t);

  if (size < need)
    return 0;
  put_header(buf, type, (uint32_t)need);
  memcpy(buf + sizeof(struct exec_msg_header), &a, sizeof(a));
  memcpy(buf + sizeof(struct exec_msg_header) + sizeof(a), &b, sizeof(b));
  return need;
}

size_t exec_msg_encode_signal(uint8_t *buf, size_t size, uint32_t signo)
{
  return encode_small(buf, size, EXEC_MSG_SIGNAL, signo, 0);
}

size_t exec_msg_encode_started(uint8_t *buf, size_t size, uint32_t id)
{
  return encode_small(buf, size, EXEC_MSG_STARTED, id, 0);
}

size_t exec_msg_encode_exit(uint8_t *buf, size_t size, uint32_t status, uint32_t signal)
{
  return encode_small(buf, size, EXEC_MSG_EXIT, status, signal);
}

size_t exec_msg_encode_error(uint8_t *buf, size_t size, const char *text)
{
  size_t n = strnlen(text, EXEC_MSG_TEXT_MAX), need = sizeof(struct exec_msg_header) + n;

  if (size < need)
    return 0;
  put_header(buf, EXEC_MSG_ERROR, (uint32_t)need);
  memcpy(buf + sizeof(struct exec_msg_header), text, n);
  return need;
}

/* Split n NUL-terminated strings off [*p, end) into an allocated vector. */
static int take_strv(const char **p, const char *end, uint32_t n, char ***out, const char *what,
                     char *why, size_t whylen)
{
  char **v = xmalloc0(((size_t)n + 1) * sizeof(char *));

  *out = v;
  for (uint32_t i = 0; i < n; i++) {
    const char *nul = memchr(*p, '\0', (size_t)(end - *p));
    if (nul == NULL)
      return fail(why, whylen, "%s[%u] is not NUL-terminated inside the strings", what, i);
    v[i] = (char *)*p;
    *p = nul + 1;
  }
  return 0;
}

static int decode_request(const uint8_t *body, size_t len, struct exec_msg *m, char *why,
                          size_t whylen)
{
  struct exec_msg_request r;
  const char *s, *end, *nul;
  size_t groups_size;

  if (len < sizeof(r))
    return fail(why, whylen, "request of %zu bytes is too short", len);
  memcpy(&r, body, sizeof(r));
  if (r.flags & ~EXEC_REQ_FLAGS)
    return fail(why, whylen, "unknown request flags 0x%x", r.flags);
  if (r.argc == 0)
    return fail(why, whylen, "no arguments");
  if ((uint64_t)r.argc + r.envc > EXEC_MSG_ARGS_MAX)
    return fail(why, whylen, "%u arguments and %u environment entries, at most %u in all", r.argc,
                r.envc, EXEC_MSG_ARGS_MAX);
  if (r.ngroups > TL_MAX_GROUPS)
    return fail(why, whylen, "%u additional groups, at most %u", r.ngroups, TL_MAX_GROUPS);
  if (r.strings_size > TL_EXEC_STRINGS_MAX)
    return fail(why, whylen, "strings of %u bytes, at most %u", r.strings_size,
                TL_EXEC_STRINGS_MAX);
  groups_size = (size_t)r.ngroups * sizeof(uint32_t);
  if (len != sizeof(r) + groups_size + r.strings_size)
    return fail(why, whylen, "request of %zu bytes, its counts say %zu", len,
                sizeof(r) + groups_size + r.strings_size);
  m->flags = r.flags;
  m->uid = r.uid;
  m->gid = r.gid;
  m->argc = r.argc;
  m->envc = r.envc;
  m->ngroups = r.ngroups;
  m->groups_raw = (const uint32_t *)(body + sizeof(r));
  m->strings = (const char *)body + sizeof(r) + groups_size;
  m->strings_size = r.strings_size;
  s = m->strings;
  end = s + r.strings_size;
  if (take_strv(&s, end, r.argc, &m->argv, "argv", why, whylen) < 0 ||
      take_strv(&s, end, r.envc, &m->env, "env", why, whylen) < 0)
    return -1;
  if (m->argv[0][0] == '\0')
    return fail(why, whylen, "argv[0] is empty");
  nul = s < end ? memchr(s, '\0', (size_t)(end - s)) : NULL;
  if (nul == NULL)
    return fail(why, whylen, "cwd is missing or not NUL-terminated");
  if (nul + 1 != end)
    return fail(why, whylen, "%zu bytes after the cwd", (size_t)(end - nul - 1));
  if (s[0] != '/')
    return fail(why, whylen, "cwd is not an absolute path");
  m->cwd = s;
  return 0;
}

int exec_msg_decode(const uint8_t *buf, size_t len, struct exec_msg *out, char *why, size_t whylen)
{
  struct exec_msg_header h;
  const uint8_t *body = buf + sizeof(h);
  size_t blen;
  uint32_t w[2];

  memset(out, 0, sizeof(*out));
  if (len < sizeof(h))
    return fail(why, whylen, "message of %zu bytes is shorter than its header", len);
  memcpy(&h, buf, sizeof(h));
  if (h.magic != EXEC_MSG_MAGIC)
    return fail(why, whylen, "not an exec message (magic 0x%08x)", h.magic);
  if (h.version != EXEC_MSG_VERSION)
    return fail(why, whylen, "exec protocol version %u, expected %u", h.version, EXEC_MSG_VERSION);
  if (h.size != len || len > EXEC_MSG_MAX)
    return fail(why, whylen, "message says %u bytes, received %zu", h.size, len);
  blen = len - sizeof(h);
  out->type = (enum exec_msg_type)h.type;
  switch (h.type) {
  case EXEC_MSG_REQUEST: return decode_request(body, blen, out, why, whylen);
  case EXEC_MSG_SIGNAL:
  case EXEC_MSG_STARTED:
  case EXEC_MSG_EXIT:
    if (blen != sizeof(w))
      return fail(why, whylen, "message type %u of %zu bytes, expected %zu", h.type, blen,
                  sizeof(w));
    memcpy(w, body, sizeof(w));
    if (h.type == EXEC_MSG_SIGNAL) {
      if (w[0] == 0 || w[0] > 64)
        return fail(why, whylen, "signal %u is out of range", w[0]);
      out->signo = w[0];
    } else if (h.type == EXEC_MSG_STARTED) {
      out->id = w[0];
    } else {
      if (w[0] > 255 || w[1] > 64)
        return fail(why, whylen, "exit status %u signal %u is out of range", w[0], w[1]);
      out->status = w[0];
      out->signal = w[1];
    }
    return 0;
  case EXEC_MSG_ERROR:
    if (blen > EXEC_MSG_TEXT_MAX)
      return fail(why, whylen, "error text of %zu bytes, at most %u", blen, EXEC_MSG_TEXT_MAX);
    for (size_t i = 0; i < blen; i++)
      out->text[i] = body[i] >= 0x20 && body[i] < 0x7f ? (char)body[i] : '?';
    out->text[blen] = '\0';
    return 0;
  default: return fail(why, whylen, "unknown message type %u", h.type);
  }
}

int exec_msg_from_proxy(const uint8_t *buf, size_t len, int nfds, struct exec_msg *m, char *why,
                        size_t whylen)
{
  int want;

  if (exec_msg_decode(buf, len, m, why, whylen) < 0)
    return -1;
  if (m->type != EXEC_MSG_REQUEST && m->type != EXEC_MSG_SIGNAL)
    return fail(why, whylen, "message type %u does not go to the monitor", (unsigned)m->type);
  want = m->type != EXEC_MSG_REQUEST ? 0 : (m->flags & EXEC_REQ_TERMINAL) ? 1 : 3;
  if (nfds != want)
    return fail(why, whylen, "%d file descriptors with the message, expected %d", nfds, want);
  return 0;
}

uint32_t exec_msg_group(const struct exec_msg *m, uint32_t i)
{
  uint32_t g;
  memcpy(&g, (const uint8_t *)m->groups_raw + (size_t)i * sizeof(g), sizeof(g));
  return g;
}

void exec_msg_clear(struct exec_msg *m)
{
  free(m->argv);
  free(m->env);
  m->argv = m->env = NULL;
}
