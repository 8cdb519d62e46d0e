/* hacher image: build, inspect, verify, ls and gc of trustlet images. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../common/util.h"
#include "../snapshotter/image.h"
#include "../snapshotter/verity.h"
#include "commands.h"
#include "container.h"

static int image_build(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                       {NULL, 0, NULL, 0}};
  const char *out = NULL;
  struct hacher_rootfs_scan scan;
  struct hacher_image img;
  int c, rc;

  while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1)
    if (c == 'o')
      out = optarg;
    else
      return hacher_error(err, 0, "image build: usage: hacher image build ROOTFS -o IMAGE");
  if (out == NULL || optind + 1 != argc)
    return hacher_error(err, 0, "image build: usage: hacher image build ROOTFS -o IMAGE");
  if (hacher_rootfs_scan(argv[optind], 0, &scan, err) < 0)
    return -1;
  rc = hacher_image_build(argv[optind], &scan, out, &img, err);
  hacher_rootfs_scan_free(&scan);
  if (rc < 0)
    return -1;
  printf("%s\n", img.root_hex);
  hacher_image_release(&img);
  return 0;
}

static int image_inspect(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  struct hacher_image img;

  if (argc != 2)
    return hacher_error(err, 0, "image inspect: usage: hacher image inspect IMAGE");
  if (hacher_image_open(argv[1], &img, err) < 0)
    return -1;
  printf(
      "{\n  \"format\": \"%s\",\n  \"path\": \"%s\",\n  \"fileSize\": %llu,\n"
      "  \"erofsSize\": %llu,\n  \"verity\": {\n    \"hashOffset\": %llu,\n"
      "    \"algorithm\": \"sha256\",\n    \"dataBlockSize\": %d,\n    \"hashBlockSize\": %d,\n"
      "    \"salt\": \"\",\n    \"rootHash\": \"%s\",\n    \"rootHashVerified\": false\n  }\n}\n",
      HACHER_IMAGE_FORMAT, img.path, (unsigned long long)img.file_size,
      (unsigned long long)img.data_size, (unsigned long long)img.hash_offset, VERITY_BLOCK,
      VERITY_BLOCK, img.root_hex);
  hacher_image_release(&img);
  return 0;
}

static int image_verify(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  struct hacher_image img;
  uint8_t root[32];
  int rc;

  if (argc != 3)
    return hacher_error(err, 0, "image verify: usage: hacher image verify IMAGE ROOTHASH");
  if (verity_parse_hex(argv[2], root) < 0)
    return hacher_error(err, 0, "image verify: \"%s\" is not a 64-digit hex root hash", argv[2]);
  if (hacher_image_open(argv[1], &img, err) < 0)
    return -1;
  rc = verity_verify_file(argv[1], img.hash_offset, root, err);
  hacher_image_release(&img);
  if (rc < 0)
    return -1;
  printf("%s: ok\n", argv[1]);
  return 0;
}

/* Root hashes of the images the containers under --root use. */
static char **images_in_use(const char *root, size_t *n)
{
  size_t count;
  struct hacher_container **cs = hacher_container_list(root, &count);
  char **out = xmalloc0((count + 1) * sizeof(char *));

  *n = 0;
  for (size_t i = 0; i < count; i++)
    if (cs[i]->image != NULL)
      out[(*n)++] = xstrdup(cs[i]->image);
  hacher_container_list_free(cs, count);
  return out;
}

static int image_ls_gc(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  struct hacher_image_cache cache = {g->images};
  size_t n, removed = 0;
  char **used = images_in_use(g->root, &n);
  int rc;

  if (strcmp(argv[0], "ls") == 0) {
    rc = hacher_image_ls(&cache, (const char *const *)used, n, err);
  } else {
    rc = hacher_image_gc(&cache, (const char *const *)used, n, &removed, err);
    if (rc == 0)
      printf("removed %zu image(s)\n", removed);
  }
  for (size_t i = 0; i < n; i++)
    free(used[i]);
  free(used);
  return rc;
}

int hacher_cmd_image(struct hacher_global *g, int argc, char **argv, hacher_error_t *err)
{
  static const struct {
    const char *name;
    hacher_cmd_fn fn;
  } subs[] = {{"build", image_build},
              {"inspect", image_inspect},
              {"verify", image_verify},
              {"ls", image_ls_gc},
              {"gc", image_ls_gc}};

  if (argc < 2)
    return hacher_error(err, 0, "image: expected a subcommand: build, inspect, verify, ls or gc");
  for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
    if (strcmp(argv[1], subs[i].name) == 0) {
      optind = 0;
      return subs[i].fn(g, argc - 1, argv + 1, err);
    }
  }
  return hacher_error(err, 0, "image: unknown subcommand \"%s\"", argv[1]);
}
