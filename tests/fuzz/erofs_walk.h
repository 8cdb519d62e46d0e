/* Shared by the EROFS fuzz targets: walk a mounted image from the root
 * (bounded), stat every inode, read all file data both ways, read symlinks
 * and look up every listed name. Only crashes and hangs are bugs. */
#ifndef FUZZ_EROFS_WALK_H
#define FUZZ_EROFS_WALK_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "erofs.h"

#define MAX_DEPTH 8
#define MAX_INODES 256
#define MAX_ENTRIES 4096
#define MAX_READ (256u << 10)

struct ctx {
  const struct erofs_fs *fs;
  int inodes, entries;
  uint8_t buf[4096];
};

static void read_all(struct ctx *c, const struct erofs_inode *ino)
{
  uint64_t off, avail;

  /* Copying reads in odd-sized pieces. */
  for (off = 0; off < ino->size && off < MAX_READ; off += 3001) {
    int64_t r = erofs_read(c->fs, ino, off, c->buf, 3001);
    if (r < 0)
      break;
    if ((uint64_t)r > 3001 || (uint64_t)r > ino->size - off)
      abort();
  }
  /* Zero-copy pointers; touch every byte so ASan checks the extent. */
  for (off = 0; off < ino->size && off < MAX_READ; off += avail) {
    const volatile uint8_t *p = erofs_data_ptr(c->fs, ino, off, &avail);
    uint8_t x = 0;
    if (p == NULL) {
      if (avail != 0)
        abort();
      break;
    }
    if (avail == 0 || avail > ino->size - off)
      abort();
    for (uint64_t i = 0; i < avail && off + i < MAX_READ; i++)
      x ^= p[i];
    (void)x;
  }
  /* Reads at and around EOF and at absurd offsets. */
  erofs_read(c->fs, ino, ino->size, c->buf, 1);
  erofs_read(c->fs, ino, UINT64_MAX, c->buf, sizeof(c->buf));
  if (ino->size > 0)
    erofs_read(c->fs, ino, ino->size - 1, c->buf, sizeof(c->buf));
}

static void walk(struct ctx *c, uint64_t nid, int depth)
{
  struct erofs_inode ino;
  struct erofs_dirent de;
  uint64_t pos = 0, last = 0, cnid;

  if (depth > MAX_DEPTH || c->inodes++ >= MAX_INODES)
    return;
  if (erofs_iget(c->fs, nid, &ino) != 0)
    return;
  if ((ino.mode & 0170000) != 0040000) {
    read_all(c, &ino);
    return;
  }
  read_all(c, &ino);
  while (c->entries++ < MAX_ENTRIES && erofs_readdir(c->fs, &ino, &pos, &de) == 1) {
    if (pos <= last || de.name_len == 0 || de.name_len > 255 || strlen(de.name) != de.name_len)
      abort();
    last = pos;
    erofs_lookup(c->fs, &ino, de.name, de.name_len, &cnid);
    if (strcmp(de.name, ".") != 0 && strcmp(de.name, "..") != 0)
      walk(c, de.nid, depth + 1);
  }
  /* Lookups of names that are usually missing. */
  erofs_lookup(c->fs, &ino, "", 0, &cnid);
  erofs_lookup(c->fs, &ino, "zzzz", 4, &cnid);
  erofs_lookup(c->fs, &ino, "\x01", 1, &cnid);
  /* Arbitrary cookies. */
  pos = ino.size / 2 + 5;
  erofs_readdir(c->fs, &ino, &pos, &de);
}

/* Walk from the root and from some raw nids near it. */
static void walk_image(const struct erofs_fs *fs)
{
  struct ctx *c = malloc(sizeof(*c));

  if (c == NULL)
    return;
  memset(c, 0, sizeof(*c));
  c->fs = fs;
  walk(c, fs->root_nid, 0);
  for (uint64_t nid = fs->root_nid; nid < fs->root_nid + 16 && c->inodes < MAX_INODES; nid++)
    walk(c, nid, MAX_DEPTH);
  free(c);
}

#endif
