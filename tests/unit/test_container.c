/* Container state: the state machine the commands rely on, the state files
 * and the JSON shapes runc's clients parse. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "common/util.h"
#include "shim/container.h"
#include "unit.h"

static char *make_bundle(const char *extra)
{
  char tmpl[] = "/tmp/hacher-unit-XXXXXX";
  char *dir = xstrdup(mkdtemp(tmpl));
  cleanup_free char *rootfs = xasprintf("%s/rootfs", dir);
  cleanup_free char *cfg = xasprintf("%s/config.json", dir);
  cleanup_free char *text = xasprintf(
      "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, \"process\": {\"args\": "
      "[\"/bin/true\"]}, \"annotations\": {\"a.b\": \"c\"}%s}",
      extra);
  hacher_error_t err = NULL;

  mkdir(rootfs, 0755);
  if (write_file_atomic(cfg, text, strlen(text), 0644, &err) < 0)
    hacher_error_release(&err);
  return dir;
}

static void cleanup(const char *dir)
{
  hacher_error_t err = NULL;
  if (remove_tree(dir, &err) < 0)
    hacher_error_release(&err);
}

static const char *jstr(yajl_val tree, const char *key)
{
  const char *path[] = {key, NULL};
  yajl_val v = yajl_tree_get(tree, path, yajl_t_string);
  return v ? YAJL_GET_STRING(v) : NULL;
}

TEST(container_state_machine)
{
  cleanup_free char *bundle = make_bundle("");
  cleanup_free char *root = xasprintf("%s/state", bundle);
  cleanup_free char *fifo = NULL;
  struct hacher_container *c = NULL, *again = NULL;
  hacher_error_t err = NULL;

  CHECK(hacher_container_new(root, "c1", bundle, &c, &err) == 0);
  if (c == NULL)
    return;
  /* a second claim of the id fails with runc's message */
  CHECK(hacher_container_new(root, "c1", bundle, &again, &err) < 0);
  CHECK(err != NULL && strcmp(err->msg, "container with id exists: c1") == 0);
  hacher_error_release(&err);
  /* no monitor yet: stopped */
  CHECK_EQ_STR(hacher_container_status(c), "stopped");
  /* creating: held by a live process (this one) */
  c->pid = getpid();
  c->pid_start = hacher_pid_start(c->pid);
  CHECK(c->pid_start != 0);
  CHECK(hacher_container_save(c, "creating", &err) == 0);
  CHECK_EQ_STR(hacher_container_status(c), "creating");
  /* created while exec.fifo exists, running after, paused when flagged */
  fifo = hacher_container_fifo(c);
  CHECK(mkfifo(fifo, 0600) == 0);
  CHECK(hacher_container_save(c, "created", &err) == 0);
  CHECK_EQ_STR(hacher_container_status(c), "created");
  unlink(fifo);
  CHECK_EQ_STR(hacher_container_status(c), "running");
  c->paused = true;
  CHECK_EQ_STR(hacher_container_status(c), "paused");
  c->paused = false;
  /* a reused pid (other start time) reads stopped */
  c->pid_start++;
  CHECK_EQ_STR(hacher_container_status(c), "stopped");
  c->pid_start--;
  CHECK(hacher_container_save(c, "running", &err) == 0);
  /* load gives back what was saved, without the config */
  CHECK(hacher_container_load(root, "c1", &again, &err) == 0);
  if (again != NULL) {
    CHECK_EQ_STR(again->status, "running");
    CHECK_EQ_INT(again->pid, getpid());
    CHECK(again->pid_start == c->pid_start);
    CHECK(again->config == NULL);
    /* the config as created is kept for later commands */
    CHECK(hacher_container_config(again, &err) == 0);
    CHECK(again->config != NULL && again->config->annotations_count == 1);
    hacher_container_destroy(again, false);
  }
  hacher_container_destroy(c, true);
  CHECK(hacher_container_load(root, "c1", &again, &err) < 0);
  CHECK(err != NULL && strcmp(err->msg, "container does not exist") == 0);
  hacher_error_release(&err);
  cleanup(bundle);
}

TEST(container_ids)
{
  hacher_error_t err = NULL;
  static const char *const bad[] = {"", ".", "..", "a/b", "a b", "x\n"};

  CHECK(hacher_container_check_id("abc-1.2_x+y", &err) == 0);
  for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
    CHECK(hacher_container_check_id(bad[i], &err) < 0);
    hacher_error_release(&err);
  }
}

TEST(container_json_shapes)
{
  cleanup_free char *bundle = make_bundle("");
  cleanup_free char *root = xasprintf("%s/state", bundle);
  struct hacher_container *c = NULL;
  hacher_error_t err = NULL;
  char msg[256];

  CHECK(hacher_container_new(root, "j1", bundle, &c, &err) == 0);
  if (c == NULL)
    return;
  c->pid = getpid();
  c->pid_start = hacher_pid_start(c->pid);
  c->image = xstrdup("ab12");
  c->measurement = xstrdup("cd34");
  CHECK(hacher_container_save(c, "running", &err) == 0);
  {
    cleanup_free char *json = hacher_container_state_json(c);
    yajl_val t = yajl_tree_parse(json, msg, sizeof(msg));
    const char *pid_path[] = {"pid", NULL};
    const char *ann_path[] = {"annotations", "io.hacher.image", NULL};
    CHECK(t != NULL);
    if (t != NULL) {
      /* runc's state shape */
      CHECK_EQ_STR(jstr(t, "ociVersion"), "1.1.0");
      CHECK_EQ_STR(jstr(t, "id"), "j1");
      CHECK_EQ_STR(jstr(t, "status"), "running");
      CHECK_EQ_STR(jstr(t, "bundle"), c->bundle);
      CHECK_EQ_STR(jstr(t, "rootfs"), c->rootfs);
      CHECK(jstr(t, "created") != NULL && strlen(jstr(t, "created")) >= 20);
      CHECK_EQ_STR(jstr(t, "owner"), "");
      CHECK(YAJL_GET_INTEGER(yajl_tree_get(t, pid_path, yajl_t_number)) == getpid());
      CHECK(yajl_tree_get(t, ann_path, yajl_t_string) != NULL);
      {
        const char *m_path[] = {"annotations", "io.hacher.measurement", NULL};
        yajl_val m = yajl_tree_get(t, m_path, yajl_t_string);
        CHECK_EQ_STR(m ? YAJL_GET_STRING(m) : NULL, "cd34");
      }
      /* the file's own fields stay out of the printed state */
      CHECK(jstr(t, "pidStart") == NULL);
      yajl_tree_free(t);
    }
  }
  {
    cleanup_free char *json = hacher_container_hook_state(c, "creating");
    yajl_val t = yajl_tree_parse(json, msg, sizeof(msg));
    const char *ann_path[] = {"annotations", "a.b", NULL};
    CHECK(t != NULL);
    if (t != NULL) {
      /* the OCI state hooks read: config annotations, the given status */
      CHECK_EQ_STR(jstr(t, "status"), "creating");
      CHECK_EQ_STR(YAJL_GET_STRING(yajl_tree_get(t, ann_path, yajl_t_string)), "c");
      yajl_tree_free(t);
    }
  }
  hacher_container_destroy(c, true);
  cleanup(bundle);
}

TEST(container_list_skips_damaged_state)
{
  cleanup_free char *bundle = make_bundle("");
  cleanup_free char *root = xasprintf("%s/state", bundle);
  cleanup_free char *bad = xasprintf("%s/state/broken", bundle);
  cleanup_free char *badstate = xasprintf("%s/state/broken/state.json", bundle);
  struct hacher_container *c = NULL, **cs;
  hacher_error_t err = NULL;
  size_t n;

  CHECK(hacher_container_new(root, "l1", bundle, &c, &err) == 0);
  if (c == NULL)
    return;
  CHECK(hacher_container_save(c, "created", &err) == 0);
  mkdir(bad, 0700);
  CHECK(write_file_atomic(badstate, "{not json", 9, 0600, &err) == 0);
  cs = hacher_container_list(root, &n);
  CHECK_EQ_INT(n, 1);
  if (n == 1)
    CHECK_EQ_STR(cs[0]->id, "l1");
  hacher_container_list_free(cs, n);
  hacher_container_destroy(c, true);
  cleanup(bundle);
}
