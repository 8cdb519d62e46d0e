/* Our own EROFS image writer: a rootfs directory turned into an uncompressed,
 * block-aligned EROFS file system that libos/erofs.c and the Linux kernel read.
 *
 * Layout (4 KiB blocks): block 0 holds the superblock (byte 1024) and the first
 * inodes (meta_blkaddr 0, root nid 36); then every inode, extended (64 bytes,
 * own mtime), breadth-first by sorted path; then the data blocks in the same
 * order. Regular files are chunk-based (4 KiB chunks, 4-byte block map; holes
 * and all-zero chunks are unmapped); directories and symlinks whose data fits
 * next to their inode in one block are inline, larger ones are in data blocks.
 * No xattrs, no compression, zero UUID and build time, no superblock checksum. */
#ifndef HACHER_EROFS_BUILD_H
#define HACHER_EROFS_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"

/* Write an EROFS image of rootfs to fd (from offset 0, truncating), skipping the
 * relative paths in skip[] (devices, fifos, sockets; the caller warns). Deterministic:
 * the same tree gives the same bytes. *size is the image size (a multiple of 4096).
 * Refuses names over 255 bytes, files over 16 TiB and images over 2^32 blocks;
 * errors name the path. Special files not in skip[] are stored (with rdev). */
int erofs_build(const char *rootfs, char *const *skip, size_t skip_count, int fd, uint64_t *size,
                hacher_error_t *err);

#endif
