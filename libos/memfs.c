/* The in-memory upper layer: nodes, directory entries and file bytes. */
#include <linux/stat.h>

#include "memfs.h"

static uint64_t next_ino = 1ULL << 48;

struct los_ts los_ts_now(void)
{
  uint64_t ns = los_time_realtime_ns();
  return (struct los_ts){(int64_t)(ns / 1000000000ULL), (int64_t)(ns % 1000000000ULL)};
}

struct mnode *mnode_new(uint32_t mode)
{
  struct mnode *n = kzalloc(sizeof(*n));
  if (n == NULL)
    return NULL;
  n->mode = mode;
  n->uid = los_proc.uid;
  n->gid = los_proc.gid;
  n->nlink = S_ISDIR(mode) ? 2 : 1;
  n->ino = next_ino++;
  n->atime = n->mtime = n->ctime = los_ts_now();
  return n;
}

void mnode_touch(struct mnode *n)
{
  n->mtime = n->ctime = los_ts_now();
}

void mnode_put(struct mnode *n)
{
  if (n == NULL || --n->refs > 0)
    return;
  for (uint32_t i = 0; i < n->nents; i++) {
    kfree(n->ents[i].name);
    mnode_put(n->ents[i].node);
  }
  kfree(n->ents);
  kfree(n->data);
  kfree(n);
}

struct mdirent *mnode_find(struct mnode *dir, const char *name, size_t len)
{
  for (uint32_t i = 0; i < dir->nents; i++)
    if (strnlen(dir->ents[i].name, len + 1) == len && memcmp(dir->ents[i].name, name, len) == 0)
      return &dir->ents[i];
  return NULL;
}

/* Link child under name (replacing an existing entry of that name). */
int mnode_link(struct mnode *dir, const char *name, struct mnode *child)
{
  size_t len = strlen(name);
  struct mdirent *e = mnode_find(dir, name, len);

  child->refs++;
  if (e != NULL) {
    mnode_put(e->node);
    e->node = child;
    mnode_touch(dir);
    return 0;
  }
  if (dir->nents == dir->cap_ents) {
    uint32_t cap = dir->cap_ents ? dir->cap_ents * 2 : 8;
    struct mdirent *ents = krealloc(dir->ents, cap * sizeof(*ents));
    if (ents == NULL) {
      child->refs--;
      return -ENOMEM;
    }
    dir->ents = ents;
    dir->cap_ents = cap;
  }
  dir->ents[dir->nents].name = kstrdup(name);
  dir->ents[dir->nents].node = child;
  dir->nents++;
  if (S_ISDIR(child->mode) && !child->whiteout)
    dir->nlink++;
  mnode_touch(dir);
  return 0;
}

void mnode_unlink(struct mnode *dir, struct mdirent *e)
{
  struct mnode *child = e->node;
  uint32_t i = (uint32_t)(e - dir->ents);

  if (S_ISDIR(child->mode) && !child->whiteout && dir->nlink > 2)
    dir->nlink--;
  kfree(e->name);
  memmove(&dir->ents[i], &dir->ents[i + 1], (dir->nents - i - 1) * sizeof(*e));
  dir->nents--;
  mnode_touch(dir);
  mnode_put(child);
}

/* Make room for size bytes of file data (capacity doubles). */
int mnode_reserve(struct mnode *n, uint64_t size)
{
  uint64_t cap = n->cap ? n->cap : 256;
  char *data;

  if (size <= n->cap)
    return 0;
  if (size > LOS_MAX_FILE_SIZE)
    return -EFBIG;
  while (cap < size)
    cap *= 2;
  data = krealloc(n->data, cap);
  if (data == NULL)
    return -ENOSPC;
  memset(data + n->size, 0, cap - n->size);
  n->data = data;
  n->cap = cap;
  return 0;
}
