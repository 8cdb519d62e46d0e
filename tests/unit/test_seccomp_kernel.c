/* The LibOS's seccomp decisions against the kernel's: random profiles are
 * compiled for the LibOS and also loaded into the kernel the way runc loads
 * them (libseccomp, runc's rule handling), then getppid is called with
 * random arguments under both. Conditional rules of one profile share one
 * action, the case where libseccomp's result does not depend on its
 * internal tree order (see shim/seccomp_compile.c). */
#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/tl_abi.h"
#include "../../common/util.h"
#include "../../libos/seccomp_policy.h"
#include "../../oci-spec/config.h"
#include "../../shim/seccomp_compile.h"
#include "unit.h"

#ifndef PROFILES
#define PROFILES 300
#endif
#define CALLS 6

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(uint64_t n)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng % n;
}

static const uint64_t values[] = {0, 1, 2, 0x40, 0xffffffff, 0x100000000ULL, UINT64_MAX};

static uint64_t rnd_value(void)
{
  return values[rnd(ARRAY_SIZE(values))];
}

/* Actions whose effects a child process shows apart (no LOG: it writes to
 * the host's audit log; TRAP looks like KILL). */
static void rnd_action(enum oci_seccomp_action *a, bool *has_errno, uint32_t *errno_ret)
{
  static const enum oci_seccomp_action pool[] = {OCI_SCMP_ACT_ALLOW,        OCI_SCMP_ACT_ERRNO,
                                                 OCI_SCMP_ACT_ERRNO,        OCI_SCMP_ACT_KILL,
                                                 OCI_SCMP_ACT_KILL_PROCESS, OCI_SCMP_ACT_TRACE};
  static const uint32_t errnos[] = {0, 1, 5, 38, 4094, 4095, 65541, 70000};

  *a = pool[rnd(ARRAY_SIZE(pool))];
  *has_errno = *a == OCI_SCMP_ACT_ERRNO && rnd(2);
  *errno_ret = *has_errno ? errnos[rnd(ARRAY_SIZE(errnos))] : 0;
}

/* A condition on argument `index`; `eq_only` for the extra conditions that
 * make runc split a rule (as Docker's personality rules do). */
static void rnd_cond(struct oci_seccomp_arg *a, uint32_t index, bool eq_only)
{
  a->index = index;
  a->op = eq_only ? OCI_SCMP_CMP_EQ : (enum oci_seccomp_op)rnd(OCI_SCMP_OPS);
  a->value = rnd_value();
  a->value_two = a->op == OCI_SCMP_CMP_MASKED_EQ ? rnd_value() : 0;
}

/* The conditions of a rule on arguments from *free_args (a bit set), which
 * it takes for itself; none when all are taken. */
static void rnd_conditions(struct oci_seccomp_syscall *s, unsigned *free_args)
{
  uint32_t idx[6];
  size_t n = 0, extra;

  for (uint32_t i = 0; i < 6; i++)
    if ((*free_args & (1u << i)) && n < 2 && rnd(2))
      idx[n++] = i;
  for (uint32_t i = 0; i < 6 && n == 0; i++)
    if (*free_args & (1u << i))
      idx[n++] = i;
  extra = n > 0 && rnd(3) == 0 ? 1 + rnd(2) : 0;
  s->args_count = n + extra;
  s->args = xmalloc0((s->args_count + 1) * sizeof(*s->args));
  for (size_t i = 0; i < n; i++) {
    rnd_cond(&s->args[i], idx[i], false);
    *free_args &= ~(1u << idx[i]);
  }
  /* only EQ conditions share their argument */
  for (size_t i = 0; i < extra; i++) {
    rnd_cond(&s->args[0], idx[0], true);
    rnd_cond(&s->args[n + i], idx[0], true);
  }
}

static void rnd_rule(struct oci_seccomp_syscall *s, bool conditional,
                     const struct oci_seccomp_syscall *cond_action, unsigned *free_args)
{
  s->names = xmalloc0(3 * sizeof(char *));
  s->names[s->names_count++] = xstrdup("getppid");
  if (rnd(4) == 0)
    s->names[s->names_count++] = xstrdup("no_such_syscall");
  if (!conditional) {
    rnd_action(&s->action, &s->has_errno_ret, &s->errno_ret);
    s->args = xmalloc0(sizeof(*s->args));
    return;
  }
  s->action = cond_action->action;
  s->has_errno_ret = cond_action->has_errno_ret;
  s->errno_ret = cond_action->errno_ret;
  rnd_conditions(s, free_args);
}

static struct oci_seccomp *rnd_profile(void)
{
  struct oci_seccomp *sc = xmalloc0(sizeof(*sc));
  struct oci_seccomp_syscall cond_action = {0};
  unsigned free_args = 0x3f;

  rnd_action(&sc->default_action, &sc->has_default_errno_ret, &sc->default_errno_ret);
  rnd_action(&cond_action.action, &cond_action.has_errno_ret, &cond_action.errno_ret);
  sc->architectures = xmalloc0(sizeof(char *));
  sc->syscalls_count = 1 + rnd(4);
  sc->syscalls = xmalloc0(sc->syscalls_count * sizeof(*sc->syscalls));
  /* libseccomp 2.5 merges the comparisons of several rules on one argument
   * wrongly and can drop matches (a2 == 2^32 || (a2 != 2^32 && a0 != 1)
   * misses (0, 0, 2); 2.6.1 fixes one such case, GHSA-4q85-33p6-j5g6). The
   * LibOS evaluates each rule as written, so here the conditional rules of
   * a profile use disjoint arguments. */
  for (size_t i = 0; i < sc->syscalls_count; i++)
    rnd_rule(&sc->syscalls[i], rnd(3) != 0, &cond_action, &free_args);
  return sc;
}

/* runc's getAction: KILL is KILL_THREAD, errno data in 16 bits. */
static uint32_t scmp_action(enum oci_seccomp_action a, bool has_errno, uint32_t errno_ret)
{
  uint16_t data = has_errno ? (uint16_t)errno_ret : EPERM;

  switch (a) {
  case OCI_SCMP_ACT_ALLOW: return SCMP_ACT_ALLOW;
  case OCI_SCMP_ACT_ERRNO: return SCMP_ACT_ERRNO(data);
  case OCI_SCMP_ACT_TRACE: return SCMP_ACT_TRACE(data);
  case OCI_SCMP_ACT_KILL_PROCESS: return SCMP_ACT_KILL_PROCESS;
  default: return SCMP_ACT_KILL_THREAD;
  }
}

static bool repeats(const struct oci_seccomp_syscall *s)
{
  for (size_t i = 0; i < s->args_count; i++)
    for (size_t j = i + 1; j < s->args_count; j++)
      if (s->args[i].index == s->args[j].index)
        return true;
  return false;
}

static struct scmp_arg_cmp scmp_cond(const struct oci_seccomp_arg *a)
{
  static const enum scmp_compare ops[] = {SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE,       SCMP_CMP_EQ,
                                          SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ};
  return (struct scmp_arg_cmp){a->index, ops[a->op], a->value, a->value_two};
}

/* The filter runc's InitSeccomp/matchCall would load; NULL when libseccomp
 * refuses the profile (runc would then fail to start the container). */
static scmp_filter_ctx runc_filter(const struct oci_seccomp *sc)
{
  uint32_t def = scmp_action(sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret);
  scmp_filter_ctx ctx = seccomp_init(def);

  if (ctx == NULL)
    return NULL;
  for (size_t i = 0; i < sc->syscalls_count; i++) {
    const struct oci_seccomp_syscall *s = &sc->syscalls[i];
    uint32_t act = scmp_action(s->action, s->has_errno_ret, s->errno_ret);
    struct scmp_arg_cmp conds[6];
    int rc = 0;
    if (act == def)
      continue;
    for (size_t j = 0; j < s->args_count && j < 6; j++)
      conds[j] = scmp_cond(&s->args[j]);
    if (!repeats(s))
      rc = seccomp_rule_add_array(ctx, act, SCMP_SYS(getppid), (unsigned)s->args_count, conds);
    for (size_t j = 0; repeats(s) && rc == 0 && j < s->args_count; j++)
      rc = seccomp_rule_add_array(ctx, act, SCMP_SYS(getppid), 1, &conds[j]);
    if (rc < 0) {
      seccomp_release(ctx);
      return NULL;
    }
  }
  /* the child must report and exit whatever the profile says */
  if (def != SCMP_ACT_ALLOW)
    if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 0) < 0 ||
        seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(exit_group), 0) < 0) {
      seccomp_release(ctx);
      return NULL;
    }
  return ctx;
}

/* What a process sees: "allow", "errno N", "ret 0" or "killed". */
static void outcome_of_action(uint32_t action, char *out, size_t size)
{
  switch (TL_SC_KIND(action)) {
  case TL_SC_ALLOW:
  case TL_SC_LOG: snprintf(out, size, "allow"); break;
  case TL_SC_TRACE: snprintf(out, size, "errno %d", ENOSYS); break;
  case TL_SC_ERRNO:
    if (TL_SC_DATA(action) == 0)
      snprintf(out, size, "ret 0");
    else
      snprintf(out, size, "errno %u", TL_SC_DATA(action));
    break;
  default: snprintf(out, size, "killed"); break;
  }
}

static void outcome_in_kernel(scmp_filter_ctx ctx, const uint64_t *a, char *out, size_t size)
{
  long res[2] = {0, 0};
  int fds[2], st;
  pid_t pid;

  snprintf(out, size, "harness failed");
  if (pipe(fds) < 0)
    return;
  pid = fork();
  if (pid == 0) {
    close(fds[0]);
    if (seccomp_load(ctx) < 0)
      _exit(100);
    res[0] = syscall(SYS_getppid, a[0], a[1], a[2], a[3], a[4], a[5]);
    res[1] = errno;
    if (write(fds[1], res, sizeof(res)) != sizeof(res))
      _exit(101);
    _exit(0);
  }
  close(fds[1]);
  if (pid > 0 && waitpid(pid, &st, 0) == pid) {
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS)
      snprintf(out, size, "killed");
    else if (read(fds[0], res, sizeof(res)) != sizeof(res))
      snprintf(out, size, "child status %#x", st);
    else if (res[0] == getpid())
      snprintf(out, size, "allow");
    else if (res[0] == 0)
      snprintf(out, size, "ret 0");
    else
      snprintf(out, size, "errno %ld", res[1]);
  }
  close(fds[0]);
}

static void outcome_in_libos(const struct oci_seccomp *sc, const uint64_t *a, char *out,
                             size_t size)
{
  hacher_error_t err = NULL;
  void *blob = NULL;
  size_t blob_size;

  if (hacher_seccomp_compile(sc, &blob, &blob_size, &err) < 0) {
    snprintf(out, size, "compile: %s", err->msg);
    hacher_error_release(&err);
    return;
  }
  if (blob == NULL) {
    snprintf(out, size, "allow");
    return;
  }
  if (los_policy_check(blob, blob_size) != NULL)
    snprintf(out, size, "bad blob");
  else
    outcome_of_action(los_policy_decide(blob, SYS_getppid, a), out, size);
  free(blob);
}

static void dump(const struct oci_seccomp *sc)
{
  printf("  profile: default %s errnoRet %u\n", oci_seccomp_action_names[sc->default_action],
         sc->default_errno_ret);
  for (size_t i = 0; i < sc->syscalls_count; i++) {
    const struct oci_seccomp_syscall *s = &sc->syscalls[i];
    printf("  rule %zu: %s errnoRet %u", i, oci_seccomp_action_names[s->action], s->errno_ret);
    for (size_t j = 0; j < s->args_count; j++)
      printf(" [a%u %s 0x%llx 0x%llx]", s->args[j].index, oci_seccomp_op_names[s->args[j].op],
             (unsigned long long)s->args[j].value, (unsigned long long)s->args[j].value_two);
    printf("\n");
  }
}

/* Whether this process may load seccomp filters at all. */
static bool kernel_ok(void)
{
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  int st = -1;
  pid_t pid;

  if (ctx == NULL || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(1), SCMP_SYS(getppid), 0) < 0)
    return false;
  pid = fork();
  if (pid == 0)
    _exit(seccomp_load(ctx) == 0 && syscall(SYS_getppid) == -1 && errno == 1 ? 0 : 1);
  if (pid > 0)
    waitpid(pid, &st, 0);
  seccomp_release(ctx);
  return st == 0;
}

TEST(seccomp_decisions_match_the_kernel)
{
  int compared = 0, refused = 0, mismatches = 0;

  if (!kernel_ok()) {
    printf("  skipped: this process cannot load seccomp filters\n");
    return;
  }

  for (int n = 0; n < PROFILES; n++) {
    struct oci_seccomp *sc = rnd_profile();
    scmp_filter_ctx ctx = runc_filter(sc);
    if (ctx == NULL) {
      /* then the LibOS's compiler must refuse it too */
      char got[64];
      outcome_in_libos(sc, (const uint64_t[6]){0}, got, sizeof(got));
      if (strncmp(got, "compile: ", 9) != 0 && mismatches++ == 0)
        unit_fail(__FILE__, __LINE__, "libseccomp refused a profile the compiler took");
      refused++;
      oci_seccomp_free(sc);
      continue;
    }
    for (int c = 0; c < CALLS; c++) {
      uint64_t a[6] = {rnd_value(), rnd_value(), rnd_value(),
                       rnd_value(), rnd_value(), rnd_value()};
      char want[64], got[64];
      outcome_in_kernel(ctx, a, want, sizeof(want));
      outcome_in_libos(sc, a, got, sizeof(got));
      compared++;
      if (strcmp(want, got) != 0 && mismatches++ == 0) {
        char m[320];
        snprintf(m, sizeof(m),
                 "profile %d call %d (0x%llx, 0x%llx, 0x%llx, 0x%llx, 0x%llx, 0x%llx): "
                 "kernel %s, LibOS %s",
                 n, c, (unsigned long long)a[0], (unsigned long long)a[1], (unsigned long long)a[2],
                 (unsigned long long)a[3], (unsigned long long)a[4], (unsigned long long)a[5], want,
                 got);
        unit_fail(__FILE__, __LINE__, m);
        dump(sc);
      }
    }
    seccomp_release(ctx);
    oci_seccomp_free(sc);
  }
  CHECK_EQ_INT(mismatches, 0);
  /* most profiles must reach the comparison */
  CHECK(refused < PROFILES / 4);
  CHECK(compared > PROFILES * CALLS * 3 / 4);
}
