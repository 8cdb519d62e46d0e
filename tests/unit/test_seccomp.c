/* Unit tests for linux.seccomp: the parser (oci-spec/seccomp.c), the
 * compiler (shim/seccomp_compile.c) and the LibOS's table (libos/
 * seccomp_policy.c, built hosted). */
#include <errno.h>
#include <stdlib.h>

#include "../../common/tl_abi.h"
#include "../../common/util.h"
#include "../../libos/seccomp_policy.h"
#include "../../oci-spec/config.h"
#include "../../shim/seccomp_compile.h"
#include "unit.h"

#define HEAD                                                                                       \
  "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, \"linux\": {\"seccomp\": "
#define PROFILE(p) HEAD p "}}"

#define NR_MKDIR 83
#define NR_GETPPID 110
#define NR_PERSONALITY 135
#define NR_EXECVE 59

static struct oci_config *parse(const char *text)
{
  struct oci_config *cfg = NULL;
  hacher_error_t err = NULL;

  if (oci_config_parse("config.json", text, strlen(text), &cfg, &err) < 0) {
    printf("  unexpected error: %s\n", err->msg);
    hacher_error_release(&err);
    return NULL;
  }
  return cfg;
}

static char *parse_error(const char *text)
{
  struct oci_config *cfg = NULL;
  hacher_error_t err = NULL;
  char *msg;

  if (oci_config_parse("config.json", text, strlen(text), &cfg, &err) == 0) {
    oci_config_free(cfg);
    return NULL;
  }
  msg = xstrdup(err->msg);
  hacher_error_release(&err);
  return msg;
}

#define CHECK_ERROR(json, expected)                                                                \
  do {                                                                                             \
    cleanup_free char *check_msg = parse_error(json);                                              \
    CHECK_EQ_STR(check_msg, expected);                                                             \
  } while (0)

TEST(seccomp_parse_full_profile)
{
  struct oci_config *cfg = parse(PROFILE(
      "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,"
      " \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_AARCH64\"],"
      " \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\", \"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],"
      " \"listenerPath\": \"/run/agent.sock\", \"listenerMetadata\": \"m\","
      " \"syscalls\": [{\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},"
      "  {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_KILL_PROCESS\", \"errnoRet\": 5,"
      "   \"args\": [{\"index\": 0, \"value\": 4294967295, \"op\": \"SCMP_CMP_EQ\"},"
      "    {\"index\": 5, \"value\": 255, \"valueTwo\": 18446744073709551615,"
      "     \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}"));
  struct oci_seccomp *sc;

  if (cfg == NULL || (sc = cfg->seccomp) == NULL) {
    CHECK(cfg != NULL && cfg->seccomp != NULL);
    oci_config_free(cfg);
    return;
  }
  CHECK_EQ_INT(sc->default_action, OCI_SCMP_ACT_ERRNO);
  CHECK(sc->has_default_errno_ret);
  CHECK_EQ_INT(sc->default_errno_ret, 38);
  CHECK_EQ_INT(sc->architectures_count, 2);
  CHECK_EQ_STR(sc->architectures[1], "SCMP_ARCH_AARCH64");
  CHECK_EQ_INT(sc->flags, OCI_SCMP_FLAG_LOG | OCI_SCMP_FLAG_SPEC_ALLOW);
  CHECK_EQ_STR(sc->listener_path, "/run/agent.sock");
  CHECK_EQ_STR(sc->listener_metadata, "m");
  CHECK_EQ_INT(sc->syscalls_count, 2);
  CHECK_EQ_INT(sc->syscalls[0].names_count, 2);
  CHECK_EQ_STR(sc->syscalls[0].names[1], "write");
  CHECK_EQ_INT(sc->syscalls[0].action, OCI_SCMP_ACT_ALLOW);
  CHECK(!sc->syscalls[0].has_errno_ret);
  CHECK_EQ_INT(sc->syscalls[0].args_count, 0);
  CHECK_EQ_INT(sc->syscalls[1].action, OCI_SCMP_ACT_KILL_PROCESS);
  CHECK_EQ_INT(sc->syscalls[1].errno_ret, 5);
  CHECK_EQ_INT(sc->syscalls[1].args_count, 2);
  CHECK_EQ_INT(sc->syscalls[1].args[0].value, 4294967295LL);
  CHECK_EQ_INT(sc->syscalls[1].args[0].op, OCI_SCMP_CMP_EQ);
  CHECK_EQ_INT(sc->syscalls[1].args[1].index, 5);
  CHECK(sc->syscalls[1].args[1].value_two == UINT64_MAX);
  CHECK_EQ_INT(sc->syscalls[1].args[1].op, OCI_SCMP_CMP_MASKED_EQ);
  oci_config_free(cfg);
}

TEST(seccomp_parse_disabled_like_runc)
{
  const char *off[] = {PROFILE("{}"), PROFILE("{\"defaultAction\": \"\"}"),
                       PROFILE("{\"syscalls\": [], \"architectures\": [\"SCMP_ARCH_X86\"]}"),
                       PROFILE("null")};

  for (size_t i = 0; i < ARRAY_SIZE(off); i++) {
    struct oci_config *cfg = parse(off[i]);
    CHECK(cfg != NULL && cfg->seccomp == NULL);
    oci_config_free(cfg);
  }
}

TEST(seccomp_parse_errors_name_the_path)
{
  CHECK_ERROR(PROFILE("[]"), "config.json: .linux.seccomp: expected an object");
  CHECK_ERROR(PROFILE("{\"defaultAction\": \"SCMP_ACT_FOO\"}"),
              "config.json: .linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\"");
  CHECK_ERROR(PROFILE("{\"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}"),
              "config.json: .linux.seccomp.defaultAction: missing");
  CHECK_ERROR(PROFILE("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{}, {}, {}, "
                      "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_FOO\"}]}"),
              "config.json: .linux.seccomp.syscalls[0].names: missing");
  CHECK_ERROR(PROFILE("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
                      "{\"names\": [], \"action\": \"SCMP_ACT_LOG\"},"
                      "{\"names\": [\"a\"], \"action\": \"SCMP_ACT_KILL\"},"
                      "{\"names\": [\"b\"], \"action\": \"SCMP_ACT_TRAP\"},"
                      "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_FOO\"}]}"),
              "config.json: .linux.seccomp.syscalls[3].action: unknown action \"SCMP_ACT_FOO\"");
  CHECK_ERROR(PROFILE("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
                      "[{\"names\": [\"read\"]}]}"),
              "config.json: .linux.seccomp.syscalls[0].action: missing");
  CHECK_ERROR(PROFILE("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
                      "[{\"names\": \"read\", \"action\": \"SCMP_ACT_ALLOW\"}]}"),
              "config.json: .linux.seccomp.syscalls[0].names: expected an array of strings");
  CHECK_ERROR(PROFILE("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
                      "[{\"names\": [\"read\", \"\"], \"action\": \"SCMP_ACT_ALLOW\"}]}"),
              "config.json: .linux.seccomp.syscalls[0].names[1]: expected a syscall name");
  CHECK_ERROR(
      PROFILE("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
              "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": -1}]}"),
      "config.json: .linux.seccomp.syscalls[0].errnoRet: expected an unsigned 32-bit "
      "integer");
  CHECK_ERROR(PROFILE("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
                      "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
                      "[{\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}"),
              "config.json: .linux.seccomp.syscalls[0].args[0].index: expected an argument index "
              "from 0 to 5");
  CHECK_ERROR(PROFILE("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
                      "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
                      "[{\"index\": 1, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"},"
                      " {\"index\": 1, \"value\": 1, \"op\": \"SCMP_CMP_XX\"}]}]}"),
              "config.json: .linux.seccomp.syscalls[0].args[1].op: unknown operator "
              "\"SCMP_CMP_XX\"");
  CHECK_ERROR(PROFILE("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
                      "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
                      "[{\"index\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}"),
              "config.json: .linux.seccomp.syscalls[0].args[0].value: missing");
  CHECK_ERROR(PROFILE("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
                      "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
                      "[{\"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}"),
              "config.json: .linux.seccomp.syscalls[0].args[0].index: missing");
  CHECK_ERROR(PROFILE("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
                      "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
                      "[{\"index\": 0, \"value\": -1, \"op\": \"SCMP_CMP_EQ\"}]}]}"),
              "config.json: .linux.seccomp.syscalls[0].args[0].value: expected an unsigned 64-bit "
              "integer");
  CHECK_ERROR(PROFILE("{\"defaultAction\": \"SCMP_ACT_ALLOW\", "
                      "\"architectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_VAX\"]}"),
              "config.json: .linux.seccomp.architectures[1]: unknown architecture "
              "\"SCMP_ARCH_VAX\"");
  CHECK_ERROR(PROFILE("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_X\"]}"),
              "config.json: .linux.seccomp.flags[0]: unknown flag \"SECCOMP_X\"");
  CHECK_ERROR(PROFILE("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": 1}"),
              "config.json: .linux.seccomp.listenerPath: expected a string");
  /* malformed fields are errors even when the profile would be disabled */
  CHECK_ERROR(PROFILE("{\"syscalls\": 3}"), "config.json: .linux.seccomp.syscalls: expected an "
                                            "array");
}

/* Compile the profile in PROFILE(json); NULL with *msg set on error. */
static struct tl_policy *compile(const char *profile_json, size_t *size, char **msg)
{
  cleanup_free char *text = xasprintf(HEAD "%s}}", profile_json);
  struct oci_config *cfg = parse(text);
  hacher_error_t err = NULL;
  void *blob = NULL;

  *msg = NULL;
  *size = 0;
  if (cfg == NULL || cfg->seccomp == NULL) {
    *msg = xstrdup(cfg == NULL ? "parse failed" : "no profile");
    oci_config_free(cfg);
    return NULL;
  }
  if (hacher_seccomp_compile(cfg->seccomp, &blob, size, &err) < 0) {
    *msg = xstrdup(err->msg);
    hacher_error_release(&err);
  } else if (blob != NULL && los_policy_check(blob, *size) != NULL) {
    *msg = xasprintf("compiled blob rejected: %s", los_policy_check(blob, *size));
  }
  oci_config_free(cfg);
  return blob;
}

static const uint64_t no_args[6];

static uint32_t decide(const struct tl_policy *p, uint64_t nr, uint64_t a0, uint64_t a1)
{
  uint64_t args[6] = {a0, a1, 0, 0, 0, 0};
  return los_policy_decide(p, nr, args);
}

#define ERRNO(e) TL_SC_ACTION(TL_SC_ERRNO, e)
#define ALLOW TL_SC_ACTION(TL_SC_ALLOW, 0)
#define KILL TL_SC_ACTION(TL_SC_KILL_THREAD, 0)

TEST(seccomp_compile_resolves_names_and_actions)
{
  size_t size;
  cleanup_free char *msg = NULL;
  cleanup_free struct tl_policy *p =
      compile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
              "{\"names\": [\"mkdir\", \"no_such_syscall\", \"socketcall\"], \"action\": "
              "\"SCMP_ACT_ERRNO\"},"
              "{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38},"
              "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 65541},"
              "{\"names\": [\"gettid\"], \"action\": \"SCMP_ACT_KILL\"},"
              "{\"names\": [\"getuid\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"},"
              "{\"names\": [\"getgid\"], \"action\": \"SCMP_ACT_TRAP\"},"
              "{\"names\": [\"geteuid\"], \"action\": \"SCMP_ACT_TRACE\"},"
              "{\"names\": [\"getegid\"], \"action\": \"SCMP_ACT_LOG\"}]}",
              &size, &msg);

  CHECK(msg == NULL);
  if (p == NULL)
    return;
  CHECK_EQ_INT(p->nrules, 8);
  CHECK_EQ_INT(p->nconds, 0);
  CHECK_EQ_INT(p->flags, 0); /* default ALLOW: no ENOSYS stub */
  CHECK_EQ_INT(decide(p, NR_MKDIR, 0, 0), ERRNO(EPERM));
  CHECK_EQ_INT(decide(p, NR_GETPPID, 0, 0), ERRNO(ENOSYS));
  CHECK_EQ_INT(decide(p, 39, 0, 0), ERRNO(5)); /* runc keeps the low 16 bits */
  CHECK_EQ_INT(decide(p, 186, 0, 0), KILL);
  CHECK_EQ_INT(decide(p, 102, 0, 0), TL_SC_ACTION(TL_SC_KILL_PROCESS, 0));
  CHECK_EQ_INT(decide(p, 104, 0, 0), TL_SC_ACTION(TL_SC_TRAP, 0));
  CHECK_EQ_INT(decide(p, 107, 0, 0), TL_SC_ACTION(TL_SC_TRACE, 0));
  CHECK_EQ_INT(decide(p, 108, 0, 0), TL_SC_ACTION(TL_SC_LOG, 0));
  CHECK_EQ_INT(decide(p, 0, 0, 0), ALLOW);
  CHECK_EQ_INT(decide(p, 511, 0, 0), ALLOW);
  CHECK_EQ_INT(decide(p, 512, 0, 0), ALLOW);
  CHECK_EQ_INT(decide(p, LOS_X32_SYSCALL_BIT | NR_MKDIR, 0, 0), ALLOW);
}

TEST(seccomp_compile_default_errno_and_enosys_stub)
{
  size_t size;
  cleanup_free char *msg = NULL;
  cleanup_free struct tl_policy *p = compile(
      "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 13, \"syscalls\": ["
      "{\"names\": [\"read\", \"getppid\", \"not_a_syscall\"], \"action\": \"SCMP_ACT_ALLOW\"},"
      "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13}]}",
      &size, &msg);

  CHECK(msg == NULL);
  if (p == NULL)
    return;
  /* personality's rule equals the default action: skipped, as runc does,
   * but it still counts for the highest number the profile names */
  CHECK_EQ_INT(p->nrules, 2);
  CHECK_EQ_INT(p->default_action, ERRNO(EACCES));
  CHECK_EQ_INT(p->flags, TL_POLICY_ENOSYS);
  CHECK_EQ_INT(p->enosys_above, NR_PERSONALITY);
  CHECK_EQ_INT(decide(p, 0, 0, 0), ALLOW);
  CHECK_EQ_INT(decide(p, NR_GETPPID, 0, 0), ALLOW);
  CHECK_EQ_INT(decide(p, NR_MKDIR, 0, 0), ERRNO(EACCES));
  CHECK_EQ_INT(decide(p, NR_PERSONALITY, 0, 0), ERRNO(EACCES));
  CHECK_EQ_INT(decide(p, NR_PERSONALITY + 1, 0, 0), ERRNO(ENOSYS));
  CHECK_EQ_INT(decide(p, 600, 0, 0), ERRNO(ENOSYS));
  CHECK_EQ_INT(decide(p, LOS_X32_SYSCALL_BIT | 600, 0, 0), ERRNO(EACCES));
  CHECK_EQ_INT(decide(p, UINT64_MAX, 0, 0), ERRNO(EACCES));
}

TEST(seccomp_compile_no_stub_when_default_lets_calls_through)
{
  const char *defaults[] = {"SCMP_ACT_LOG", "SCMP_ACT_TRACE"};

  for (size_t i = 0; i < ARRAY_SIZE(defaults); i++) {
    size_t size;
    cleanup_free char *msg = NULL;
    cleanup_free char *json =
        xasprintf("{\"defaultAction\": \"%s\", \"syscalls\": [{\"names\": [\"read\"], "
                  "\"action\": \"SCMP_ACT_ALLOW\"}]}",
                  defaults[i]);
    cleanup_free struct tl_policy *p = compile(json, &size, &msg);
    CHECK(msg == NULL);
    CHECK(p != NULL && (p->flags & TL_POLICY_ENOSYS) == 0);
  }
}

TEST(seccomp_compile_nothing_to_enforce)
{
  size_t size;
  cleanup_free char *msg = NULL;
  cleanup_free struct tl_policy *p =
      compile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
              "\"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"nope\"], \"action\": "
              "\"SCMP_ACT_KILL\"}]}",
              &size, &msg);

  CHECK(msg == NULL);
  CHECK(p == NULL);
  CHECK_EQ_INT(size, 0);
}

TEST(seccomp_compile_notify_is_refused)
{
  size_t size;
  char *msg = NULL;
  void *p = compile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/a.sock\", "
                    "\"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},"
                    "{\"names\": [\"nope\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
                    &size, &msg);

  CHECK(p == NULL);
  CHECK_EQ_STR(msg, "config.json: .linux.seccomp.syscalls[1].action: SCMP_ACT_NOTIFY is not "
                    "supported: a trustlet's syscalls are handled inside it, with no seccomp "
                    "agent");
  free(msg);
  p = compile("{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}", &size, &msg);
  CHECK(p == NULL);
  CHECK_EQ_STR(msg, "config.json: .linux.seccomp.defaultAction: SCMP_ACT_NOTIFY is not "
                    "supported: a trustlet's syscalls are handled inside it, with no seccomp "
                    "agent");
  free(msg);
}

TEST(seccomp_compile_refuses_errnos_libseccomp_refuses)
{
  size_t size;
  char *msg = NULL;
  void *p =
      compile("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 4095}", &size, &msg);

  CHECK(p == NULL);
  CHECK_EQ_STR(msg, "config.json: .linux.seccomp.defaultErrnoRet: 4095 is not an errno "
                    "libseccomp accepts (0 to 4094)");
  free(msg);
  p = compile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
              "{\"names\": [\"nope\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 5000},"
              "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 70000}]}",
              &size, &msg);
  CHECK(p == NULL);
  CHECK_EQ_STR(msg, "config.json: .linux.seccomp.syscalls[1].errnoRet: 70000 is not an errno "
                    "libseccomp accepts (0 to 4094)");
  free(msg);
  /* only ERRNO uses it */
  p = compile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
              "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_KILL\", \"errnoRet\": 5000}]}",
              &size, &msg);
  CHECK(p != NULL && msg == NULL);
  free(p);
  free(msg);
}

TEST(seccomp_arguments_and_operators)
{
  size_t size;
  cleanup_free char *msg = NULL;
  /* deny personality(0xffffffff) only; openat with O_CREAT (0100) in flags */
  cleanup_free struct tl_policy *p = compile(
      "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
      "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
      " [{\"index\": 0, \"value\": 4294967295, \"op\": \"SCMP_CMP_EQ\"}]},"
      "{\"names\": [\"openat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 30, \"args\": "
      " [{\"index\": 2, \"value\": 64, \"valueTwo\": 64, \"op\": \"SCMP_CMP_MASKED_EQ\"}]},"
      "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
      " [{\"index\": 0, \"value\": 4294967296, \"op\": \"SCMP_CMP_LT\"},"
      "  {\"index\": 1, \"value\": 10, \"op\": \"SCMP_CMP_GE\"}]},"
      "{\"names\": [\"write\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
      " [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_NE\"},"
      "  {\"index\": 1, \"value\": 5, \"op\": \"SCMP_CMP_LE\"},"
      "  {\"index\": 2, \"value\": 7, \"op\": \"SCMP_CMP_GT\"}]}]}",
      &size, &msg);
  uint64_t a[6] = {0};

  CHECK(msg == NULL);
  if (p == NULL)
    return;
  CHECK_EQ_INT(decide(p, NR_PERSONALITY, 0xffffffff, 0), ERRNO(EPERM));
  CHECK_EQ_INT(decide(p, NR_PERSONALITY, 0, 0), ALLOW);
  CHECK_EQ_INT(decide(p, NR_PERSONALITY, 0x1ffffffffULL, 0), ALLOW); /* all 64 bits compared */
  a[2] = 0101;                                                       /* O_CREAT | O_WRONLY */
  CHECK_EQ_INT(los_policy_decide(p, 257, a), ERRNO(30));
  a[2] = 02;
  CHECK_EQ_INT(los_policy_decide(p, 257, a), ALLOW);
  /* AND of conditions; unsigned comparisons */
  CHECK_EQ_INT(decide(p, 0, 5, 10), ERRNO(EPERM));
  CHECK_EQ_INT(decide(p, 0, 5, 9), ALLOW);
  CHECK_EQ_INT(decide(p, 0, UINT64_MAX, 10), ALLOW);
  a[0] = 2, a[1] = 5, a[2] = 8;
  CHECK_EQ_INT(los_policy_decide(p, 1, a), ERRNO(EPERM));
  a[0] = 1;
  CHECK_EQ_INT(los_policy_decide(p, 1, a), ALLOW);
  a[0] = 2, a[1] = 6;
  CHECK_EQ_INT(los_policy_decide(p, 1, a), ALLOW);
  a[1] = 5, a[2] = 7;
  CHECK_EQ_INT(los_policy_decide(p, 1, a), ALLOW);
}

TEST(seccomp_rules_combine_as_with_runc)
{
  size_t size;
  cleanup_free char *msg = NULL;
  cleanup_free struct tl_policy *p =
      compile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
              /* one argument named twice: each condition is its own rule (OR) */
              "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
              " [{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"},"
              "  {\"index\": 0, \"value\": 9, \"op\": \"SCMP_CMP_EQ\"}]},"
              /* an unconditional rule is final; the first one wins */
              "{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_KILL\", \"args\": "
              " [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]},"
              "{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 6},"
              "{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 5},"
              /* overlapping conditional rules: the kernel's precedence */
              "{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 5, \"args\": "
              " [{\"index\": 1, \"value\": 2, \"op\": \"SCMP_CMP_EQ\"}]},"
              "{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_KILL_PROCESS\", \"args\": "
              " [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]},"
              "{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 6, \"args\": "
              " [{\"index\": 1, \"value\": 0, \"op\": \"SCMP_CMP_GE\"}]}]}",
              &size, &msg);

  CHECK(msg == NULL);
  if (p == NULL)
    return;
  CHECK_EQ_INT(decide(p, NR_PERSONALITY, 8, 0), ERRNO(EPERM));
  CHECK_EQ_INT(decide(p, NR_PERSONALITY, 9, 0), ERRNO(EPERM));
  CHECK_EQ_INT(decide(p, NR_PERSONALITY, 10, 0), ALLOW);
  CHECK_EQ_INT(p->first[NR_GETPPID + 1] - p->first[NR_GETPPID], 1);
  CHECK_EQ_INT(decide(p, NR_GETPPID, 1, 0), ERRNO(6));
  CHECK_EQ_INT(decide(p, NR_GETPPID, 0, 0), ERRNO(6));
  CHECK_EQ_INT(decide(p, NR_MKDIR, 1, 2), TL_SC_ACTION(TL_SC_KILL_PROCESS, 0));
  CHECK_EQ_INT(decide(p, NR_MKDIR, 0, 2), ERRNO(5)); /* tie: the first rule */
  CHECK_EQ_INT(decide(p, NR_MKDIR, 0, 3), ERRNO(6));
}

TEST(seccomp_masked_eq_reads_as_libseccomp_generates_it)
{
  size_t size;
  cleanup_free char *msg = NULL;
  /* valueTwo is masked too; an empty mask makes the rule unconditional,
   * and then final for its syscall */
  cleanup_free struct tl_policy *p = compile(
      "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
      "{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
      " [{\"index\": 0, \"value\": 255, \"valueTwo\": 320, \"op\": \"SCMP_CMP_MASKED_EQ\"}]},"
      "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 5, \"args\": "
      " [{\"index\": 0, \"value\": 0, \"valueTwo\": 7, \"op\": \"SCMP_CMP_MASKED_EQ\"}]},"
      "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_KILL\"}]}",
      &size, &msg);

  CHECK(msg == NULL);
  if (p == NULL)
    return;
  CHECK_EQ_INT(decide(p, NR_GETPPID, 0x40, 0), ERRNO(EPERM));
  CHECK_EQ_INT(decide(p, NR_GETPPID, 0x1140, 0), ERRNO(EPERM));
  CHECK_EQ_INT(decide(p, NR_GETPPID, 0x41, 0), ALLOW);
  CHECK_EQ_INT(p->first[40] - p->first[39], 1);
  CHECK_EQ_INT(decide(p, 39, 1, 0), ERRNO(5));
  CHECK_EQ_INT(decide(p, 39, 0, 0), ERRNO(5));
}

TEST(seccomp_flags_reach_the_policy)
{
  size_t size;
  cleanup_free char *msg = NULL;
  cleanup_free struct tl_policy *p =
      compile("{\"defaultAction\": \"SCMP_ACT_KILL_PROCESS\", \"flags\": "
              "[\"SECCOMP_FILTER_FLAG_LOG\", \"SECCOMP_FILTER_FLAG_TSYNC\"], "
              "\"syscalls\": [{\"names\": [\"exit_group\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
              &size, &msg);

  CHECK(msg == NULL);
  if (p == NULL)
    return;
  CHECK_EQ_INT(p->flags, TL_POLICY_LOG | TL_POLICY_ENOSYS);
  CHECK_EQ_INT(p->enosys_above, 231);
  CHECK_EQ_INT(decide(p, 231, 0, 0), ALLOW);
  CHECK_EQ_INT(decide(p, NR_EXECVE, 0, 0), TL_SC_ACTION(TL_SC_KILL_PROCESS, 0));
}

TEST(seccomp_compile_caps_the_table)
{
  /* 200 rules of 100 names each: more than the table holds */
  size_t cap = 1 << 20, len = 0;
  char *json = xmalloc(cap);
  size_t size;
  char *msg = NULL;
  void *p;

  len += (size_t)snprintf(json + len, cap - len,
                          "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [");
  for (int i = 0; i < 200; i++) {
    len += (size_t)snprintf(json + len, cap - len, "%s{\"names\": [", i ? "," : "");
    for (int j = 0; j < 100; j++)
      len += (size_t)snprintf(json + len, cap - len, "%s\"read\"", j ? "," : "");
    len += (size_t)snprintf(json + len, cap - len, "], \"action\": \"SCMP_ACT_LOG\"}");
  }
  snprintf(json + len, cap - len, "]}");
  p = compile(json, &size, &msg);
  CHECK(p == NULL);
  CHECK_EQ_STR(msg, "config.json: .linux.seccomp: the profile has more than 16384 rules or "
                    "conditions");
  free(msg);
  free(json);
}

/* A small valid blob to corrupt: two rules on getppid, one condition. */
static struct tl_policy *sample(size_t *size)
{
  cleanup_free char *msg = NULL;
  struct tl_policy *p =
      compile("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
              "{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
              " [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]},"
              "{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_KILL\", \"args\": "
              " [{\"index\": 0, \"value\": 2, \"op\": \"SCMP_CMP_EQ\"}]}]}",
              size, &msg);
  CHECK(msg == NULL);
  return p;
}

TEST(seccomp_policy_check_rejects_malformed_blobs)
{
  size_t size;
  struct tl_policy *p = sample(&size);
  struct tl_policy_rule *r;
  struct tl_policy_cond *c;

  if (p == NULL)
    return;
  r = (struct tl_policy_rule *)(p + 1);
  c = (struct tl_policy_cond *)(r + p->nrules);
  CHECK(los_policy_check(p, size) == NULL);
  CHECK_EQ_INT(decide(p, NR_GETPPID, 1, 0), ALLOW);
  CHECK_EQ_INT(decide(p, NR_GETPPID, 2, 0), KILL);
  CHECK_EQ_INT(decide(p, NR_GETPPID, 3, 0), ERRNO(EPERM));
  CHECK_EQ_STR(los_policy_check(p, size - 8), "bad header");
  CHECK_EQ_STR(los_policy_check(p, 16), "bad header");
#define CORRUPT(field, value, why)                                                                 \
  do {                                                                                             \
    __typeof__(field) saved = field;                                                               \
    field = value;                                                                                 \
    CHECK_EQ_STR(los_policy_check(p, size), why);                                                  \
    field = saved;                                                                                 \
  } while (0)
  CORRUPT(p->magic, 0, "bad header");
  CORRUPT(p->flags, 4, "unknown flags");
  CORRUPT(p->nrules, TL_POLICY_MAX_RULES + 1, "too many rules");
  CORRUPT(p->nconds, 3, "size does not match the counts");
  CORRUPT(p->default_action, TL_SC_ACTION(7, 0), "bad default action");
  CORRUPT(p->default_action, TL_SC_ACTION(TL_SC_ERRNO, 4096), "bad default action");
  CORRUPT(p->first[0], 1, "bad index");
  CORRUPT(p->first[TL_POLICY_NR], 1, "bad index");
  CORRUPT(p->first[NR_GETPPID], 3, "bad index");
  CORRUPT(r[1].action, TL_SC_ACTION(TL_SC_ALLOW, 1), "bad rule action");
  CORRUPT(r[1].action, TL_SC_ACTION(TL_SC_TRACE, 1), "bad rule action");
  CORRUPT(r[1].cond_first, 2, "rule conditions out of range");
  CORRUPT(r[0].cond_count, 0xffff, "rule conditions out of range");
  CORRUPT(c[0].arg, 6, "bad condition");
  CORRUPT(c[1].op, 0, "bad condition");
  CORRUPT(c[1].op, 8, "bad condition");
  CHECK(los_policy_check(p, size) == NULL);
  free(p);
}

TEST(seccomp_policy_large_numbers_take_the_default)
{
  size_t size;
  struct tl_policy *p = sample(&size);

  if (p == NULL)
    return;
  CHECK_EQ_INT(los_policy_decide(p, 1ULL << 32 | NR_GETPPID, no_args), ERRNO(ENOSYS));
  p->flags = 0;
  CHECK_EQ_INT(los_policy_decide(p, 1ULL << 32 | NR_GETPPID, no_args), ERRNO(EPERM));
  free(p);
}
