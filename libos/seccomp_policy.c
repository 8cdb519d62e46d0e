/* The seccomp policy table: checked once, then consulted on every syscall.
 * The blob comes from the host, so nothing in it is trusted until
 * los_policy_check has bounded every count and index. */
#include "seccomp_policy.h"

#include <stddef.h>

#define ENOSYS_ 38
#define MAX_ERRNO_ 4095

static const struct tl_policy_rule *rules_of(const struct tl_policy *p)
{
  return (const struct tl_policy_rule *)(p + 1);
}

static const struct tl_policy_cond *conds_of(const struct tl_policy *p)
{
  return (const struct tl_policy_cond *)(rules_of(p) + p->nrules);
}

static int action_ok(uint32_t action)
{
  uint32_t kind = TL_SC_KIND(action), data = TL_SC_DATA(action);

  if (kind == TL_SC_ERRNO)
    return data <= MAX_ERRNO_;
  return kind <= TL_SC_KILL_PROCESS && data == 0;
}

static const char *check_rules(const struct tl_policy *p)
{
  const struct tl_policy_rule *r = rules_of(p);
  const struct tl_policy_cond *c = conds_of(p);

  for (uint32_t i = 0; i < p->nrules; i++) {
    if (!action_ok(r[i].action))
      return "bad rule action";
    if ((uint32_t)r[i].cond_first + r[i].cond_count > p->nconds)
      return "rule conditions out of range";
  }
  for (uint32_t i = 0; i < p->nconds; i++)
    if (c[i].arg > 5 || c[i].op < TL_SC_NE || c[i].op > TL_SC_MASKED_EQ)
      return "bad condition";
  return NULL;
}

const char *los_policy_check(const void *blob, uint64_t size)
{
  const struct tl_policy *p = blob;
  uint64_t need;

  if (size < sizeof(*p) || p->magic != TL_POLICY_MAGIC || p->size != size)
    return "bad header";
  if (p->flags & ~(uint32_t)(TL_POLICY_LOG | TL_POLICY_ENOSYS))
    return "unknown flags";
  if (p->nrules > TL_POLICY_MAX_RULES || p->nconds > TL_POLICY_MAX_CONDS)
    return "too many rules";
  /* both counts are bounded above, so this cannot wrap */
  need = sizeof(*p) + (uint64_t)p->nrules * sizeof(struct tl_policy_rule) +
         (uint64_t)p->nconds * sizeof(struct tl_policy_cond);
  if (need != size)
    return "size does not match the counts";
  if (!action_ok(p->default_action))
    return "bad default action";
  if (p->first[0] != 0 || p->first[TL_POLICY_NR] != p->nrules)
    return "bad index";
  for (uint32_t nr = 0; nr < TL_POLICY_NR; nr++)
    if (p->first[nr] > p->first[nr + 1])
      return "bad index";
  return check_rules(p);
}

/* Comparisons are unsigned and on all 64 bits, as libseccomp makes them. */
static int cond_true(const struct tl_policy_cond *c, const uint64_t *args)
{
  uint64_t a = args[c->arg];

  switch (c->op) {
  case TL_SC_NE: return a != c->value;
  case TL_SC_LT: return a < c->value;
  case TL_SC_LE: return a <= c->value;
  case TL_SC_EQ: return a == c->value;
  case TL_SC_GE: return a >= c->value;
  case TL_SC_GT: return a > c->value;
  default: return (a & c->value) == c->value_two; /* TL_SC_MASKED_EQ */
  }
}

static int rule_matches(const struct tl_policy *p, const struct tl_policy_rule *r,
                        const uint64_t *args)
{
  const struct tl_policy_cond *c = conds_of(p) + r->cond_first;

  for (uint32_t i = 0; i < r->cond_count; i++)
    if (!cond_true(&c[i], args))
      return 0;
  return 1;
}

uint32_t los_policy_decide(const struct tl_policy *p, uint64_t nr, const uint64_t args[6])
{
  const struct tl_policy_rule *r;
  uint32_t best = 0;
  int found = 0;

  /* runc's stub: a number newer than every syscall the profile names is
   * ENOSYS, not the default action (x32 numbers are not native ones). */
  if ((p->flags & TL_POLICY_ENOSYS) && nr > p->enosys_above && !(nr & LOS_X32_SYSCALL_BIT))
    return TL_SC_ACTION(TL_SC_ERRNO, ENOSYS_);
  if (nr >= TL_POLICY_NR)
    return p->default_action;
  r = rules_of(p);
  /* Several matching rules: the kernel's precedence, the first on a tie. */
  for (uint32_t i = p->first[nr]; i < p->first[nr + 1]; i++) {
    if ((!found || TL_SC_KIND(r[i].action) > TL_SC_KIND(best)) && rule_matches(p, &r[i], args)) {
      best = r[i].action;
      found = 1;
    }
  }
  return found ? best : p->default_action;
}
