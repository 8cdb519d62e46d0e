/* cgroup manager tests: path derivation, conversions, and both backends on
 * fake hierarchies in a temporary directory, where a mkdir hook plays the
 * kernel's part (creating the interface files a new cgroup has). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "shim/cgroup.h"
#include "unit.h"

/* ---- paths ---- */

/* The derived path, or "error: MESSAGE". */
static char *derive(const char *spec, bool systemd)
{
  hacher_error_t err = NULL;
  char *out = NULL;

  if (hacher_cgroup_path(spec, "c1", systemd, &out, &err) < 0) {
    out = xasprintf("error: %s", err->msg);
    hacher_error_release(&err);
  }
  return out;
}

#define CHECK_PATH(spec, systemd, want)                                                            \
  do {                                                                                             \
    char *unit_got = derive(spec, systemd);                                                        \
    CHECK_EQ_STR(unit_got, want);                                                                  \
    free(unit_got);                                                                                \
  } while (0)

TEST(cgroup_path_cgroupfs)
{
  CHECK_PATH(NULL, false, "/hacher/c1");
  CHECK_PATH("", false, "/hacher/c1");
  CHECK_PATH("/libpod_parent/libpod-abc", false, "/libpod_parent/libpod-abc");
  CHECK_PATH("//a/./b/", false, "/a/b");
  CHECK_PATH("k8s.io/abc", false, "k8s.io/abc");
  CHECK_PATH("./x", false, "x");
  CHECK_PATH("/a:b/c", false, "/a:b/c");
  CHECK_PATH("/a/../../etc", false, "error: cgroupsPath \"/a/../../etc\": \"..\" is not allowed");
  CHECK_PATH("..", false, "error: cgroupsPath \"..\": \"..\" is not allowed");
  CHECK_PATH("/", false, "error: cgroupsPath \"/\": a container cannot use the root cgroup");
  CHECK_PATH("/./", false, "error: cgroupsPath \"/./\": a container cannot use the root cgroup");
  CHECK_PATH("system.slice:docker:abc", false,
             "error: cgroupsPath \"system.slice:docker:abc\" is a systemd path "
             "(slice:prefix:name): it needs --systemd-cgroup");
}

TEST(cgroup_path_systemd)
{
  CHECK_PATH(NULL, true, "/system.slice/hacher-c1.scope");
  CHECK_PATH("system.slice:docker:abc", true, "/system.slice/docker-abc.scope");
  CHECK_PATH("kubepods-burstable-pod1.slice:cri-containerd:abc", true,
             "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/"
             "cri-containerd-abc.scope");
  CHECK_PATH(":libpod:abc", true, "/system.slice/libpod-abc.scope");
  CHECK_PATH("-.slice:p:n", true, "/p-n.scope");
  CHECK_PATH("machine.slice:p:user.slice", true, "/machine.slice/user.slice");
  CHECK_PATH("/libpod_parent/x", true,
             "error: expected cgroupsPath to be of format \"slice:prefix:name\" for systemd "
             "cgroups, got \"/libpod_parent/x\" instead");
  CHECK_PATH("a:b:c:d", true,
             "error: expected cgroupsPath to be of format \"slice:prefix:name\" for systemd "
             "cgroups, got \"a:b:c:d\" instead");
  CHECK_PATH("system:p:n", true, "error: invalid slice name: system");
  CHECK_PATH("a--b.slice:p:n", true, "error: invalid slice name: a--b.slice");
  CHECK_PATH("-a.slice:p:n", true, "error: invalid slice name: -a.slice");
  CHECK_PATH(".slice:p:n", true, "error: invalid slice name: .slice");
  CHECK_PATH("a/b.slice:p:n", true, "error: invalid slice name: a/b.slice");
  CHECK_PATH("system.slice:p:a/b", true,
             "error: cgroupsPath \"system.slice:p:a/b\": invalid unit name");
  CHECK_PATH("system.slice:p:", true, "error: cgroupsPath \"system.slice:p:\": invalid unit name");
}

TEST(cgroup_shares_to_weight)
{
  CHECK_EQ_INT(hacher_cgroup_shares_to_weight(0), 0);
  CHECK_EQ_INT(hacher_cgroup_shares_to_weight(2), 1);
  CHECK_EQ_INT(hacher_cgroup_shares_to_weight(3), 2);
  CHECK_EQ_INT(hacher_cgroup_shares_to_weight(512), 59);
  CHECK_EQ_INT(hacher_cgroup_shares_to_weight(1024), 100);
  CHECK_EQ_INT(hacher_cgroup_shares_to_weight(2048), 174);
  CHECK_EQ_INT(hacher_cgroup_shares_to_weight(262143), 10000);
  CHECK_EQ_INT(hacher_cgroup_shares_to_weight(262144), 10000);
  CHECK_EQ_INT(hacher_cgroup_shares_to_weight(1000000), 10000);
}

/* memory.swap.max for (swap, memory), "(none)" or "error: ...". */
static char *swap_v2(int64_t swap, int64_t memory)
{
  hacher_error_t err = NULL;
  char *v = NULL;

  if (hacher_cgroup_swap_v2(swap, memory, &v, &err) < 0) {
    v = xasprintf("error: %s", err->msg);
    hacher_error_release(&err);
  }
  return v ? v : xstrdup("(none)");
}

#define CHECK_SWAP(swap, memory, want)                                                             \
  do {                                                                                             \
    char *unit_got = swap_v2(swap, memory);                                                        \
    CHECK_EQ_STR(unit_got, want);                                                                  \
    free(unit_got);                                                                                \
  } while (0)

TEST(cgroup_swap_v2)
{
  CHECK_SWAP(0, 100, "(none)");
  CHECK_SWAP(0, -1, "max");
  CHECK_SWAP(-1, 100, "max");
  CHECK_SWAP(300, 100, "200");
  CHECK_SWAP(100, 100, "0");
  CHECK_SWAP(500, -1, "500");
  CHECK_SWAP(50, 100,
             "error: linux.resources.memory.swap 50 is below the memory limit 100 (swap is "
             "memory + swap)");
  CHECK_SWAP(200, 0, "error: linux.resources.memory.swap 200: a swap limit needs a memory limit");
}

/* ---- fake hierarchies ---- */

struct fake {
  char root[64];
  bool no_pids_max;    /* v1: new pids cgroups lack pids.max */
  const char *v2_ctls; /* v2: cgroup.controllers of new cgroups */
};

static void put(const char *dir, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void put(const char *dir, const char *file, const char *fmt, ...)
{
  char *path = xasprintf("%s/%s", dir, file), *text;
  FILE *f = fopen(path, "w");
  va_list ap;

  va_start(ap, fmt);
  text = xvasprintf(fmt, ap);
  va_end(ap);
  if (f == NULL) {
    unit_fail(__FILE__, __LINE__, path);
  } else {
    fputs(text, f);
    fclose(f);
  }
  free(text);
  free(path);
}

/* The file at the formatted path, without its trailing newline, equals want. */
static void check_file(int line, const char *want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void check_file(int line, const char *want, const char *fmt, ...)
{
  hacher_error_t err = NULL;
  char *path, *text = NULL;
  size_t n = 0;
  va_list ap;

  va_start(ap, fmt);
  path = xvasprintf(fmt, ap);
  va_end(ap);
  if (read_file(path, &text, &n, &err) < 0) {
    unit_fail(__FILE__, line, err->msg);
    hacher_error_release(&err);
    free(path);
    return;
  }
  while (n > 0 && text[n - 1] == '\n')
    text[--n] = '\0';
  if (strcmp(text, want) != 0) {
    char *msg = xasprintf("%s is \"%s\", want \"%s\"", path, text, want);
    unit_fail(__FILE__, line, msg);
    free(msg);
  }
  free(text);
  free(path);
}

#define CHECK_FILE(want, ...) check_file(__LINE__, want, __VA_ARGS__)

static bool is_dir(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool is_dir(const char *fmt, ...)
{
  va_list ap;
  char *path;
  struct stat st;
  bool r;

  va_start(ap, fmt);
  path = xvasprintf(fmt, ap);
  va_end(ap);
  r = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
  free(path);
  return r;
}

/* The kernel's part for a new v1 cgroup: its hierarchy's interface files. */
static void v1_mkdir(const char *dir, void *arg)
{
  struct fake *f = arg;
  const char *h = dir + strlen(f->root) + 1;

  put(dir, "cgroup.procs", "%s", "");
  if (strncmp(h, "memory/", 7) == 0) {
    put(dir, "memory.limit_in_bytes", "9223372036854771712\n");
    put(dir, "memory.memsw.limit_in_bytes", "9223372036854771712\n");
    put(dir, "memory.soft_limit_in_bytes", "9223372036854771712\n");
    put(dir, "memory.usage_in_bytes", "0\n");
  } else if (strncmp(h, "cpu,cpuacct/", 12) == 0) {
    put(dir, "cpu.shares", "1024\n");
    put(dir, "cpu.cfs_quota_us", "-1\n");
    put(dir, "cpu.cfs_period_us", "100000\n");
  } else if (strncmp(h, "cpuset/", 7) == 0) {
    put(dir, "cpuset.cpus", "\n");
    put(dir, "cpuset.mems", "\n");
  } else if (strncmp(h, "pids/", 5) == 0 && !f->no_pids_max) {
    put(dir, "pids.max", "max\n");
  } else if (strncmp(h, "freezer/", 8) == 0) {
    put(dir, "freezer.state", "THAWED\n");
  } else if (strncmp(h, "unified/", 8) == 0) {
    put(dir, "cgroup.controllers", "\n");
  }
}

/* A hybrid host: v1 controllers, cpu -> cpu,cpuacct, a cgroup2 "unified". */
static void make_v1(struct fake *f)
{
  static const char *const hier[] = {"cpu,cpuacct", "cpuset",  "memory", "pids",
                                     "freezer",     "systemd", "unified"};

  memset(f, 0, sizeof(*f));
  snprintf(f->root, sizeof(f->root), "/tmp/hacher-cgv1-XXXXXX");
  if (mkdtemp(f->root) == NULL)
    unit_fail(__FILE__, __LINE__, "mkdtemp");
  for (size_t i = 0; i < ARRAY_SIZE(hier); i++) {
    char *d = xasprintf("%s/%s", f->root, hier[i]);
    mkdir(d, 0755);
    put(d, "cgroup.procs", "1\n");
    free(d);
  }
  put(f->root, "cpuset/cpuset.cpus", "0-3\n");
  put(f->root, "cpuset/cpuset.mems", "0\n");
  put(f->root, "unified/cgroup.controllers", "hugetlb\n");
  {
    char *link = xasprintf("%s/cpu", f->root);
    if (symlink("cpu,cpuacct", link) < 0)
      unit_fail(__FILE__, __LINE__, "symlink");
    free(link);
  }
}

static void drop_fake(struct fake *f)
{
  hacher_error_t err = NULL;
  remove_tree(f->root, &err);
  hacher_error_release(&err);
}

static struct hacher_cgroup *open_fake(struct fake *f, const char *path, const char *self,
                                       void (*hook)(const char *, void *))
{
  struct hacher_cgroup_host host = {f->root, self, hook, f};
  struct hacher_cgroup *cg = NULL;
  hacher_error_t err = NULL;

  if (hacher_cgroup_open(&host, path, &cg, &err) < 0) {
    unit_fail(__FILE__, __LINE__, err->msg);
    hacher_error_release(&err);
  }
  return cg;
}

static struct oci_resources full_resources(void)
{
  struct oci_resources r = {
      .has_memory_limit = true,
      .memory_limit = 128 << 20,
      .has_memory_swap = true,
      .memory_swap = 256 << 20,
      .has_memory_reservation = true,
      .memory_reservation = 64 << 20,
      .has_cpu_shares = true,
      .cpu_shares = 512,
      .has_cpu_quota = true,
      .cpu_quota = 50000,
      .has_cpu_period = true,
      .cpu_period = 200000,
      .cpuset_cpus = "1",
      .cpuset_mems = "0",
      .has_pids_limit = true,
      .pids_limit = 20,
  };
  return r;
}

TEST(cgroup_v1_layout)
{
  struct fake f;
  struct hacher_cgroup *cg;

  make_v1(&f);
  cg = open_fake(&f, "/pod/c1", NULL, NULL);
  if (cg != NULL) {
    CHECK_EQ_INT(cg->version, 1);
    CHECK_EQ_INT(cg->ndirs, 7); /* the cpu symlink is not a hierarchy of its own */
    CHECK_EQ_STR(cg->dirs[0].name, "cpu,cpuacct");
    CHECK(cg->dirs[0].path != NULL && strstr(cg->dirs[0].path, "/cpu,cpuacct/pod/c1") != NULL);
    CHECK_EQ_STR(cg->dirs[6].name, ""); /* the cgroup2 mount of a hybrid host */
  }
  hacher_cgroup_free(cg);
  /* relative paths start at the caller's own cgroup in each hierarchy */
  cg = open_fake(&f, "c1",
                 "7:cpuacct,cpu:/\n6:cpuset:/\n5:memory:/user/s1\n4:pids:/p\n3:freezer:/\n"
                 "2:name=systemd:/init.scope\n0::/u2\n",
                 NULL);
  if (cg != NULL) {
    char *want = xasprintf("%s/memory/user/s1/c1", f.root);
    CHECK_EQ_STR(cg->dirs[3].path, want);
    free(want);
    want = xasprintf("%s/cpu,cpuacct/c1", f.root);
    CHECK_EQ_STR(cg->dirs[0].path, want);
    free(want);
    want = xasprintf("%s/systemd/init.scope/c1", f.root);
    CHECK_EQ_STR(cg->dirs[5].path, want);
    free(want);
    want = xasprintf("%s/unified/u2/c1", f.root);
    CHECK_EQ_STR(cg->dirs[6].path, want);
    free(want);
  }
  hacher_cgroup_free(cg);
  {
    struct hacher_cgroup_host host = {f.root, "5:memory:/\n", NULL, NULL};
    hacher_error_t err = NULL;
    CHECK(hacher_cgroup_open(&host, "c1", &cg, &err) < 0);
    CHECK(err != NULL && strstr(err->msg, "is not in /proc/self/cgroup") != NULL);
    hacher_error_release(&err);
  }
  drop_fake(&f);
}

TEST(cgroup_v1_create_join_freeze_remove)
{
  struct fake f;
  struct hacher_cgroup *cg;
  struct oci_resources r = full_resources();
  hacher_error_t err = NULL;
  char *text;
  size_t n;
  pid_t *pids;

  make_v1(&f);
  cg = open_fake(&f, "/pod/c1", NULL, v1_mkdir);
  if (cg == NULL || hacher_cgroup_create(cg, &r, &err) < 0) {
    unit_fail(__FILE__, __LINE__, err ? err->msg : "open");
    hacher_error_release(&err);
    hacher_cgroup_free(cg);
    drop_fake(&f);
    return;
  }
  for (size_t i = 0; i < cg->ndirs; i++)
    CHECK(is_dir("%s", cg->dirs[i].path));
  CHECK_FILE("134217728", "%s/memory/pod/c1/memory.limit_in_bytes", f.root);
  CHECK_FILE("268435456", "%s/memory/pod/c1/memory.memsw.limit_in_bytes", f.root);
  CHECK_FILE("67108864", "%s/memory/pod/c1/memory.soft_limit_in_bytes", f.root);
  CHECK_FILE("512", "%s/cpu,cpuacct/pod/c1/cpu.shares", f.root);
  CHECK_FILE("50000", "%s/cpu,cpuacct/pod/c1/cpu.cfs_quota_us", f.root);
  CHECK_FILE("200000", "%s/cpu,cpuacct/pod/c1/cpu.cfs_period_us", f.root);
  CHECK_FILE("0-3", "%s/cpuset/pod/cpuset.cpus", f.root); /* inherited */
  CHECK_FILE("0", "%s/cpuset/pod/cpuset.mems", f.root);
  CHECK_FILE("1", "%s/cpuset/pod/c1/cpuset.cpus", f.root);
  CHECK_FILE("0", "%s/cpuset/pod/c1/cpuset.mems", f.root);
  CHECK_FILE("20", "%s/pids/pod/c1/pids.max", f.root);

  CHECK_EQ_INT(hacher_cgroup_join(cg, 4242, &err), 0);
  for (size_t i = 0; i < cg->ndirs; i++)
    CHECK_FILE("4242", "%s/cgroup.procs", cg->dirs[i].path);
  pids = hacher_cgroup_pids(cg, &n);
  CHECK_EQ_INT(n, 1);
  CHECK(pids != NULL && pids[0] == 4242);
  free(pids);

  CHECK_EQ_INT(hacher_cgroup_freeze(cg, true, &err), 0);
  CHECK_FILE("FROZEN", "%s/freezer/pod/c1/freezer.state", f.root);
  CHECK_EQ_INT(hacher_cgroup_freeze(cg, false, &err), 0);
  CHECK_FILE("THAWED", "%s/freezer/pod/c1/freezer.state", f.root);

  /* update: only what is set changes; a raise writes memsw first */
  {
    struct oci_resources u = {.has_memory_limit = true,
                              .memory_limit = 512 << 20,
                              .has_memory_swap = true,
                              .memory_swap = 1024 << 20,
                              .has_pids_limit = true,
                              .pids_limit = -1};
    CHECK_EQ_INT(hacher_cgroup_update(cg, &u, &err), 0);
    CHECK_FILE("536870912", "%s/memory/pod/c1/memory.limit_in_bytes", f.root);
    CHECK_FILE("1073741824", "%s/memory/pod/c1/memory.memsw.limit_in_bytes", f.root);
    CHECK_FILE("max", "%s/pids/pod/c1/pids.max", f.root);
    CHECK_FILE("512", "%s/cpu,cpuacct/pod/c1/cpu.shares", f.root);
  }

  /* the state record round trip */
  {
    yajl_gen g = yajl_gen_alloc(NULL);
    const unsigned char *buf;
    size_t len;
    yajl_val tree;
    struct hacher_cgroup *back = NULL;
    hacher_cgroup_gen(cg, g);
    yajl_gen_get_buf(g, &buf, &len);
    text = xasprintf("%.*s", (int)len, buf);
    yajl_gen_free(g);
    tree = yajl_tree_parse(text, NULL, 0);
    CHECK(tree != NULL && hacher_cgroup_from_tree(tree, &back) == 0);
    if (back != NULL) {
      CHECK_EQ_INT(back->version, 1);
      CHECK_EQ_STR(back->path, "/pod/c1");
      CHECK_EQ_INT(back->ndirs, cg->ndirs);
      for (size_t i = 0; i < back->ndirs && i < cg->ndirs; i++) {
        CHECK_EQ_STR(back->dirs[i].name, cg->dirs[i].name);
        CHECK_EQ_STR(back->dirs[i].path, cg->dirs[i].path);
      }
      /* delete works from the record alone */
      CHECK_EQ_INT(hacher_cgroup_remove(back, &err), 0);
      CHECK_EQ_INT(hacher_cgroup_remove(back, &err), 0); /* already gone: fine */
    }
    hacher_cgroup_free(back);
    yajl_tree_free(tree);
    free(text);
  }
  for (size_t i = 0; i < cg->ndirs; i++) {
    CHECK(!is_dir("%s", cg->dirs[i].path));
    CHECK(is_dir("%s/pod", cg->dirs[i].mount)); /* parents stay, as with runc */
  }
  hacher_error_release(&err);
  hacher_cgroup_free(cg);
  drop_fake(&f);
}

TEST(cgroup_v1_failure_leaves_nothing)
{
  struct fake f;
  struct hacher_cgroup *cg;
  struct oci_resources r = full_resources();
  hacher_error_t err = NULL;

  make_v1(&f);
  f.no_pids_max = true;
  cg = open_fake(&f, "/pod2/c1", NULL, v1_mkdir);
  CHECK(cg != NULL && hacher_cgroup_create(cg, &r, &err) < 0);
  if (err != NULL) {
    char *want = xasprintf("cgroup: write \"20\" to \"%s/pids/pod2/c1/pids.max\": No such file "
                           "or directory",
                           f.root);
    CHECK_EQ_STR(err->msg, want);
    free(want);
  }
  for (size_t i = 0; cg != NULL && i < cg->ndirs; i++)
    CHECK(!is_dir("%s/pod2", cg->dirs[i].mount));
  hacher_error_release(&err);
  hacher_cgroup_free(cg);

  /* a limit without its controller */
  {
    char *mem = xasprintf("%s/memory", f.root);
    hacher_error_t e2 = NULL;
    remove_tree(mem, &e2);
    free(mem);
    f.no_pids_max = false;
    cg = open_fake(&f, "/pod3/c1", NULL, v1_mkdir);
    CHECK(cg != NULL && hacher_cgroup_create(cg, &r, &e2) < 0);
    CHECK(e2 != NULL && strcmp(e2->msg, "cgroup \"/pod3/c1\": this host has no memory "
                                        "controller") == 0);
    for (size_t i = 0; cg != NULL && i < cg->ndirs; i++)
      CHECK(!is_dir("%s/pod3", cg->dirs[i].mount));
    hacher_error_release(&e2);
    hacher_cgroup_free(cg);
  }
  drop_fake(&f);
}

/* ---- cgroup v2 ---- */

static void v2_mkdir(const char *dir, void *arg)
{
  struct fake *f = arg;

  put(dir, "cgroup.procs", "%s", "");
  put(dir, "cgroup.controllers", "%s\n", f->v2_ctls);
  put(dir, "cgroup.subtree_control", "\n");
  put(dir, "cgroup.freeze", "0\n");
  put(dir, "cgroup.events", "populated 1\nfrozen 1\n");
  put(dir, "memory.max", "max\n");
  put(dir, "memory.low", "0\n");
  put(dir, "memory.swap.max", "max\n");
  put(dir, "cpu.weight", "100\n");
  put(dir, "cpu.max", "max 100000\n");
  put(dir, "cpuset.cpus", "\n");
  put(dir, "cpuset.mems", "\n");
  put(dir, "pids.max", "max\n");
}

static void make_v2(struct fake *f)
{
  memset(f, 0, sizeof(*f));
  snprintf(f->root, sizeof(f->root), "/tmp/hacher-cgv2-XXXXXX");
  if (mkdtemp(f->root) == NULL)
    unit_fail(__FILE__, __LINE__, "mkdtemp");
  f->v2_ctls = "cpuset cpu io memory pids";
  put(f->root, "cgroup.procs", "1\n");
  put(f->root, "cgroup.controllers", "cpuset cpu io memory pids\n");
  put(f->root, "cgroup.subtree_control", "\n");
}

TEST(cgroup_v2_create_update_freeze_remove)
{
  struct fake f;
  struct hacher_cgroup *cg;
  struct oci_resources r = full_resources();
  hacher_error_t err = NULL;
  char *leaf;

  make_v2(&f);
  r.has_cpu_period = false; /* period from the current cpu.max */
  cg = open_fake(&f, "/kubepods/c1", NULL, v2_mkdir);
  if (cg == NULL || hacher_cgroup_create(cg, &r, &err) < 0) {
    unit_fail(__FILE__, __LINE__, err ? err->msg : "open");
    hacher_error_release(&err);
    hacher_cgroup_free(cg);
    drop_fake(&f);
    return;
  }
  leaf = xasprintf("%s/kubepods/c1", f.root);
  CHECK_EQ_INT(cg->version, 2);
  CHECK_EQ_INT(cg->ndirs, 1);
  CHECK_EQ_STR(cg->dirs[0].path, leaf);
  CHECK_FILE("+cpuset +cpu +io +memory +pids", "%s/cgroup.subtree_control", f.root);
  CHECK_FILE("+cpuset +cpu +io +memory +pids", "%s/kubepods/cgroup.subtree_control", f.root);
  CHECK_FILE("", "%s/cgroup.subtree_control", leaf); /* the leaf holds the processes */
  CHECK_FILE("134217728", "%s/memory.max", leaf);
  CHECK_FILE("134217728", "%s/memory.swap.max", leaf); /* 256 MiB memory+swap - 128 MiB */
  CHECK_FILE("67108864", "%s/memory.low", leaf);
  CHECK_FILE("59", "%s/cpu.weight", leaf);
  CHECK_FILE("50000 100000", "%s/cpu.max", leaf);
  CHECK_FILE("1", "%s/cpuset.cpus", leaf);
  CHECK_FILE("20", "%s/pids.max", leaf);

  /* update: the half of cpu.max not given keeps its value; swap alone uses memory.max */
  {
    struct oci_resources u = {.has_cpu_period = true,
                              .cpu_period = 250000,
                              .has_memory_swap = true,
                              .memory_swap = 192 << 20,
                              .has_memory_limit = false};
    CHECK_EQ_INT(hacher_cgroup_update(cg, &u, &err), 0);
    CHECK_FILE("50000 250000", "%s/cpu.max", leaf);
    CHECK_FILE("67108864", "%s/memory.swap.max", leaf);
    CHECK_FILE("134217728", "%s/memory.max", leaf);
  }
  {
    struct oci_resources u = {.has_memory_limit = true,
                              .memory_limit = -1,
                              .has_cpu_quota = true,
                              .cpu_quota = -1,
                              .has_pids_limit = true,
                              .pids_limit = -5};
    CHECK_EQ_INT(hacher_cgroup_update(cg, &u, &err), 0);
    CHECK_FILE("max", "%s/memory.max", leaf);
    CHECK_FILE("max", "%s/memory.swap.max", leaf);
    CHECK_FILE("max 250000", "%s/cpu.max", leaf);
    CHECK_FILE("max", "%s/pids.max", leaf);
  }
  {
    struct oci_resources u = {.has_memory_swap = true, .memory_swap = 100};
    hacher_error_t e2 = NULL;
    put(leaf, "memory.max", "200\n");
    CHECK(hacher_cgroup_update(cg, &u, &e2) < 0);
    CHECK(e2 != NULL && strstr(e2->msg, "below the memory limit 200") != NULL);
    hacher_error_release(&e2);
  }

  CHECK_EQ_INT(hacher_cgroup_join(cg, 77, &err), 0);
  CHECK_FILE("77", "%s/cgroup.procs", leaf);
  CHECK_EQ_INT(hacher_cgroup_freeze(cg, true, &err), 0);
  CHECK_FILE("1", "%s/cgroup.freeze", leaf);
  CHECK_EQ_INT(hacher_cgroup_freeze(cg, false, &err), 0);
  CHECK_FILE("0", "%s/cgroup.freeze", leaf);

  CHECK_EQ_INT(hacher_cgroup_remove(cg, &err), 0);
  CHECK(!is_dir("%s", leaf));
  CHECK(is_dir("%s/kubepods", f.root));
  if (err != NULL)
    unit_fail(__FILE__, __LINE__, err->msg);
  hacher_error_release(&err);
  free(leaf);
  hacher_cgroup_free(cg);
  drop_fake(&f);
}

TEST(cgroup_v2_missing_controller)
{
  struct fake f;
  struct hacher_cgroup *cg;
  struct oci_resources r = full_resources();
  hacher_error_t err = NULL;

  make_v2(&f);
  f.v2_ctls = "cpuset cpu memory"; /* pids not delegated */
  cg = open_fake(&f, "/a/b/c1", NULL, v2_mkdir);
  CHECK(cg != NULL && hacher_cgroup_create(cg, &r, &err) < 0);
  if (err != NULL) {
    char *want = xasprintf("cgroup \"/a/b/c1\": the pids controller is not available "
                           "(%s/a/b/c1/cgroup.controllers: \"cpuset cpu memory\")",
                           f.root);
    CHECK_EQ_STR(err->msg, want);
    free(want);
  }
  CHECK(!is_dir("%s/a", f.root)); /* every level create made is gone */
  hacher_error_release(&err);
  hacher_cgroup_free(cg);
  drop_fake(&f);
}
