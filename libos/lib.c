/* Freestanding string functions and a small vsnprintf for LibOS messages. */
#include "los.h"

void *memcpy(void *d, const void *s, size_t n)
{
  void *ret = d;
  __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
  return ret;
}

void *memmove(void *d, const void *s, size_t n)
{
  unsigned char *dp = d;
  const unsigned char *sp = s;

  if (dp <= sp || dp >= sp + n)
    return memcpy(d, s, n);
  while (n-- > 0)
    dp[n] = sp[n];
  return d;
}

void *memset(void *d, int c, size_t n)
{
  void *ret = d;
  __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
  return ret;
}

int memcmp(const void *a, const void *b, size_t n)
{
  const unsigned char *x = a, *y = b;
  for (size_t i = 0; i < n; i++)
    if (x[i] != y[i])
      return x[i] - y[i];
  return 0;
}

size_t strlen(const char *s)
{
  size_t n = 0;
  while (s[n])
    n++;
  return n;
}

size_t strnlen(const char *s, size_t max)
{
  size_t n = 0;
  while (n < max && s[n])
    n++;
  return n;
}

int strcmp(const char *a, const char *b)
{
  while (*a && *a == *b)
    a++, b++;
  return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
  for (; n > 0; n--, a++, b++)
    if (*a != *b || *a == '\0')
      return (unsigned char)*a - (unsigned char)*b;
  return 0;
}

char *strchr(const char *s, int c)
{
  for (;; s++) {
    if (*s == (char)c)
      return (char *)s;
    if (*s == '\0')
      return NULL;
  }
}

char *strrchr(const char *s, int c)
{
  const char *r = NULL;
  for (;; s++) {
    if (*s == (char)c)
      r = s;
    if (*s == '\0')
      return (char *)r;
  }
}

struct out {
  char *buf;
  size_t size, len;
};

static void put(struct out *o, char c)
{
  if (o->len + 1 < o->size)
    o->buf[o->len] = c;
  o->len++;
}

static void put_num(struct out *o, uint64_t v, unsigned base, int width, char pad, bool neg)
{
  char tmp[24];
  int n = 0;

  do {
    tmp[n++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v);
  if (neg)
    tmp[n++] = '-';
  while (width-- > n)
    put(o, pad);
  while (n > 0)
    put(o, tmp[--n]);
}

/* Supports %s %c %d %i %u %x %p %% with 'l'/'ll'/'z' sizes, width and '0'. */
int los_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
  struct out o = {buf, size, 0};

  for (; *fmt; fmt++) {
    int width = 0, lng = 0;
    char pad = ' ';
    if (*fmt != '%') {
      put(&o, *fmt);
      continue;
    }
    fmt++;
    if (*fmt == '0')
      pad = '0', fmt++;
    while (*fmt >= '0' && *fmt <= '9')
      width = width * 10 + (*fmt++ - '0');
    while (*fmt == 'l' || *fmt == 'z')
      lng++, fmt++;
    switch (*fmt) {
    case 's': {
      const char *s = va_arg(ap, const char *);
      for (s = s ? s : "(null)"; *s; s++)
        put(&o, *s);
      break;
    }
    case 'c': put(&o, (char)va_arg(ap, int)); break;
    case 'd':
    case 'i': {
      int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
      put_num(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, width, pad, v < 0);
      break;
    }
    case 'u':
      put_num(&o, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, width, pad, false);
      break;
    case 'x':
      put_num(&o, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, width, pad, false);
      break;
    case 'p':
      put(&o, '0');
      put(&o, 'x');
      put_num(&o, (uint64_t)va_arg(ap, void *), 16, 0, ' ', false);
      break;
    case '%': put(&o, '%'); break;
    default: put(&o, '?'); break;
    }
  }
  if (size > 0)
    buf[o.len < size ? o.len : size - 1] = '\0';
  return (int)o.len;
}

int los_snprintf(char *buf, size_t size, const char *fmt, ...)
{
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = los_vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}
