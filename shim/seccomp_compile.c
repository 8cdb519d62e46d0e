/* linux.seccomp -> struct tl_policy, the fixed-format table the LibOS
 * checks before dispatching a syscall. The rules are read as runc reads
 * them (libcontainer/seccomp), so a profile means the same here:
 *  - a rule whose action equals the default action is skipped;
 *  - errnoRet keeps its low 16 bits and must then be below 4095;
 *  - names libseccomp does not know on x86-64 are skipped;
 *  - conditions of one rule are ANDed, except that a rule naming one
 *    argument twice becomes one rule per condition (ORed);
 *  - MASKED_EQ compares (arg & value) with (valueTwo & value), and with
 *    value 0 it is dropped as always true (libseccomp's reading);
 *  - an unconditional rule is final for its syscall (libseccomp drops the
 *    conditional ones; the first unconditional rule wins);
 *  - when the default action denies, numbers above the highest syscall the
 *    profile names give ENOSYS (runc's stub, so libc fallbacks work).
 * Where conditional rules with different actions overlap, libseccomp's
 * result depends on its internal tree order; the LibOS takes the kernel's
 * precedence instead (the most restrictive matching action wins). */
#include "seccomp_compile.h"

#include <errno.h>
#include <seccomp.h>
#include <string.h>

#include "../common/log.h"
#include "../common/tl_abi.h"
#include "../common/util.h"

#define PATH "config.json: .linux.seccomp"

struct entry {
  uint32_t nr;
  uint32_t action;
  uint32_t cond_first, cond_count;
};

struct compiler {
  uint32_t default_action;
  struct entry *entries;
  size_t nentries, entries_cap;
  struct tl_policy_cond *conds;
  size_t nconds, conds_cap;
  uint32_t max_nr; /* highest x86-64 number the profile names */
};

/* The action as runc gives it to libseccomp: errno data in 16 bits, KILL
 * meaning KILL_THREAD. NOTIFY is refused before this. */
static uint32_t convert_action(enum oci_seccomp_action a, bool has_errno, uint32_t errno_ret)
{
  uint32_t data = has_errno ? errno_ret & 0xffff : EPERM;

  switch (a) {
  case OCI_SCMP_ACT_KILL:
  case OCI_SCMP_ACT_KILL_THREAD: return TL_SC_ACTION(TL_SC_KILL_THREAD, 0);
  case OCI_SCMP_ACT_KILL_PROCESS: return TL_SC_ACTION(TL_SC_KILL_PROCESS, 0);
  case OCI_SCMP_ACT_TRAP: return TL_SC_ACTION(TL_SC_TRAP, 0);
  case OCI_SCMP_ACT_ERRNO: return TL_SC_ACTION(TL_SC_ERRNO, data);
  case OCI_SCMP_ACT_TRACE: return TL_SC_ACTION(TL_SC_TRACE, data);
  case OCI_SCMP_ACT_LOG: return TL_SC_ACTION(TL_SC_LOG, 0);
  case OCI_SCMP_ACT_ALLOW:
  case OCI_SCMP_ACT_NOTIFY:
  case OCI_SCMP_ACTIONS: break;
  }
  return TL_SC_ACTION(TL_SC_ALLOW, 0);
}

/* Without a tracer TRACE is ENOSYS whatever its data. */
static uint32_t stored_action(uint32_t action)
{
  return TL_SC_KIND(action) == TL_SC_TRACE ? TL_SC_ACTION(TL_SC_TRACE, 0) : action;
}

/* libseccomp refuses errno data from MAX_ERRNO (4095) up, after runc has
 * kept the low 16 bits; runc then fails to start the container. */
static int check_errno(uint32_t action, const char *where, uint32_t errno_ret, hacher_error_t *err)
{
  if (TL_SC_KIND(action) != TL_SC_ERRNO || TL_SC_DATA(action) < 4095)
    return 0;
  return hacher_error(err, 0, PATH "%s: %u is not an errno libseccomp accepts (0 to 4094)", where,
                      errno_ret);
}

static int check_notify(const struct oci_seccomp *sc, hacher_error_t *err)
{
  static const char why[] = "SCMP_ACT_NOTIFY is not supported: a trustlet's syscalls are handled "
                            "inside it, with no seccomp agent";

  if (sc->default_action == OCI_SCMP_ACT_NOTIFY)
    return hacher_error(err, 0, PATH ".defaultAction: %s", why);
  for (size_t i = 0; i < sc->syscalls_count; i++)
    if (sc->syscalls[i].action == OCI_SCMP_ACT_NOTIFY)
      return hacher_error(err, 0, PATH ".syscalls[%zu].action: %s", i, why);
  return 0;
}

/* The x86-64 number of a name, or -1 (unknown, or not an x86-64 syscall). */
static int resolve(const char *name)
{
  int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name);

  if (nr == __NR_SCMP_ERROR)
    log_debug("seccomp: unknown syscall \"%s\" ignored", name);
  else if (nr < 0)
    log_debug("seccomp: syscall \"%s\" does not exist on x86-64: ignored", name);
  else if (nr >= (int)TL_POLICY_NR)
    log_debug("seccomp: syscall \"%s\" (%d) is beyond the LibOS's table: ignored", name, nr);
  return nr >= 0 && nr < (int)TL_POLICY_NR ? nr : -1;
}

/* libseccomp compares (arg & mask) with (datum & mask), and drops a
 * MASKED_EQ with an empty mask as always true. */
static bool tautology(const struct oci_seccomp_arg *a)
{
  return a->op == OCI_SCMP_CMP_MASKED_EQ && a->value == 0;
}

static int add_entry(struct compiler *k, uint32_t nr, uint32_t action,
                     const struct oci_seccomp_arg *args, size_t nargs, hacher_error_t *err)
{
  struct entry *e;

  if (k->nentries >= TL_POLICY_MAX_RULES || nargs > TL_POLICY_MAX_CONDS - k->nconds)
    return hacher_error(err, 0, PATH ": the profile has more than %u rules or conditions",
                        TL_POLICY_MAX_RULES);
  if (k->nentries == k->entries_cap) {
    k->entries_cap = k->entries_cap ? k->entries_cap * 2 : 64;
    k->entries = xrealloc(k->entries, k->entries_cap * sizeof(*k->entries));
  }
  while (k->nconds + nargs > k->conds_cap) {
    k->conds_cap = k->conds_cap ? k->conds_cap * 2 : 64;
    k->conds = xrealloc(k->conds, k->conds_cap * sizeof(*k->conds));
  }
  e = &k->entries[k->nentries++];
  *e = (struct entry){nr, action, (uint32_t)k->nconds, 0};
  for (size_t i = 0; i < nargs; i++) {
    if (tautology(&args[i]))
      continue;
    k->conds[k->nconds++] = (struct tl_policy_cond){
        .arg = (uint8_t)args[i].index,
        .op = (uint8_t)(TL_SC_NE + args[i].op),
        .value = args[i].value,
        .value_two = args[i].op == OCI_SCMP_CMP_MASKED_EQ ? args[i].value_two & args[i].value : 0,
    };
    e->cond_count++;
  }
  return 0;
}

_Static_assert(OCI_SCMP_CMP_NE == 0 && OCI_SCMP_CMP_MASKED_EQ == 6 && TL_SC_NE == 1 &&
                   TL_SC_MASKED_EQ == 7,
               "operators are in the same order");

/* libseccomp refuses two conditions on one argument in a rule; runc then
 * adds each condition as a rule of its own. */
static bool repeats_an_argument(const struct oci_seccomp_syscall *s)
{
  unsigned seen = 0;

  for (size_t i = 0; i < s->args_count; i++) {
    if (seen & (1u << s->args[i].index))
      return true;
    seen |= 1u << s->args[i].index;
  }
  return false;
}

static int add_rule(struct compiler *k, const struct oci_seccomp_syscall *s, size_t index,
                    hacher_error_t *err)
{
  uint32_t action = convert_action(s->action, s->has_errno_ret, s->errno_ret);
  bool split = repeats_an_argument(s);
  char where[64];

  for (size_t i = 0; i < s->names_count; i++) {
    int nr = resolve(s->names[i]);
    if (nr < 0)
      continue;
    if ((uint32_t)nr > k->max_nr)
      k->max_nr = (uint32_t)nr;
    if (action == k->default_action)
      continue; /* redundant, as runc skips it */
    snprintf(where, sizeof(where), ".syscalls[%zu].errnoRet", index);
    if (check_errno(action, where, s->errno_ret, err) < 0)
      return -1;
    if (!split && add_entry(k, (uint32_t)nr, action, s->args, s->args_count, err) < 0)
      return -1;
    for (size_t j = 0; split && j < s->args_count; j++)
      if (add_entry(k, (uint32_t)nr, action, &s->args[j], 1, err) < 0)
        return -1;
  }
  return 0;
}

/* Whether entry i survives: an unconditional rule is final for its syscall. */
static bool entry_kept(const struct compiler *k, const int *first_uncond, size_t i)
{
  int u = first_uncond[k->entries[i].nr];
  return u < 0 || (size_t)u == i;
}

static void *emit(const struct compiler *k, size_t *size)
{
  int first_uncond[TL_POLICY_NR];
  size_t nrules = 0, nconds = 0, r = 0, c = 0;
  struct tl_policy *p;
  struct tl_policy_rule *rules;
  struct tl_policy_cond *conds;

  memset(first_uncond, 0xff, sizeof(first_uncond));
  for (size_t i = 0; i < k->nentries; i++)
    if (k->entries[i].cond_count == 0 && first_uncond[k->entries[i].nr] < 0)
      first_uncond[k->entries[i].nr] = (int)i;
  for (size_t i = 0; i < k->nentries; i++)
    if (entry_kept(k, first_uncond, i)) {
      nrules++;
      nconds += k->entries[i].cond_count;
    }
  *size = sizeof(*p) + nrules * sizeof(*rules) + nconds * sizeof(*conds);
  p = xmalloc0(*size);
  rules = (struct tl_policy_rule *)(p + 1);
  conds = (struct tl_policy_cond *)(rules + nrules);
  /* Grouped by number, in profile order within a number. */
  for (uint32_t nr = 0; nr < TL_POLICY_NR; nr++) {
    p->first[nr] = (uint16_t)r;
    for (size_t i = 0; i < k->nentries; i++) {
      const struct entry *e = &k->entries[i];
      if (e->nr != nr || !entry_kept(k, first_uncond, i))
        continue;
      rules[r++] =
          (struct tl_policy_rule){stored_action(e->action), (uint16_t)c, (uint16_t)e->cond_count};
      if (e->cond_count > 0)
        memcpy(&conds[c], &k->conds[e->cond_first], e->cond_count * sizeof(*conds));
      c += e->cond_count;
    }
  }
  p->first[TL_POLICY_NR] = (uint16_t)r;
  p->nrules = (uint32_t)nrules;
  p->nconds = (uint32_t)nconds;
  return p;
}

/* runc prepends an ENOSYS stub unless the default action lets calls through. */
static bool wants_enosys_stub(uint32_t default_action)
{
  uint32_t kind = TL_SC_KIND(default_action);
  return kind != TL_SC_ALLOW && kind != TL_SC_LOG && kind != TL_SC_TRACE;
}

int hacher_seccomp_compile(const struct oci_seccomp *sc, void **blob, size_t *size,
                           hacher_error_t *err)
{
  struct compiler k = {0};
  struct tl_policy *p;
  int rc = -1;

  *blob = NULL;
  *size = 0;
  if (check_notify(sc, err) < 0)
    return -1;
  k.default_action =
      convert_action(sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret);
  if (check_errno(k.default_action, ".defaultErrnoRet", sc->default_errno_ret, err) < 0)
    return -1;
  for (size_t i = 0; i < sc->syscalls_count; i++)
    if (add_rule(&k, &sc->syscalls[i], i, err) < 0)
      goto out;
  rc = 0;
  if (k.nentries == 0 && TL_SC_KIND(k.default_action) == TL_SC_ALLOW)
    goto out; /* allows everything: nothing to check */
  p = emit(&k, size);
  p->magic = TL_POLICY_MAGIC;
  p->size = *size;
  p->default_action = stored_action(k.default_action);
  if (sc->flags & OCI_SCMP_FLAG_LOG)
    p->flags |= TL_POLICY_LOG;
  if (wants_enosys_stub(k.default_action) && k.max_nr > 0) {
    p->flags |= TL_POLICY_ENOSYS;
    p->enosys_above = k.max_nr;
  }
  log_debug("seccomp: %u rules, %u conditions for the trustlet", p->nrules, p->nconds);
  *blob = p;
out:
  free(k.entries);
  free(k.conds);
  return rc;
}
