/* Benchmark: cost of finding an unchanged rootfs's image in a warm cache
 * (the metadata walk plus the index and blob checks that every create does).
 * Usage: image_lookup CACHE ROOTFS [N]; prints "image-lookup ENTRIES median_us layers|tree". */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "snapshotter/image.h"

static int cmp(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
  struct hacher_image_cache cache = {argc > 1 ? argv[1] : NULL};
  int n = argc > 3 ? atoi(argv[3]) : 50, built;
  double *us = calloc((size_t)n, sizeof(double));
  struct hacher_rootfs_scan scan;
  hacher_error_t err = NULL;

  if (argc < 3 || us == NULL || hacher_rootfs_scan(argv[2], HACHER_SCAN_LAYERS, &scan, &err) < 0)
    return 2;
  for (int i = -1; i < n; i++) {
    struct hacher_image img;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    if (hacher_image_get(&cache, argv[2], &img, &built, &err) < 0) {
      fprintf(stderr, "%s\n", err->msg);
      return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    hacher_image_release(&img);
    if (i >= 0) /* the first call may build */
      us[i] = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
  }
  qsort(us, (size_t)n, sizeof(double), cmp);
  printf("image-lookup %zu %.0f %s\n", scan.entries, us[n / 2], scan.overlay ? "layers" : "tree");
  return 0;
}
