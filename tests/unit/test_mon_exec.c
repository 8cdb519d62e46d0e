/* The monitor's end of exec (monitor/exec.c) without a VM: a proxy's
 * request over a real socket becomes slots and an event the guest takes;
 * its end goes back to the proxy; bad slot indexes are refused. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../common/exec_msg.h"
#include "../../monitor/mon.h"
#include "unit.h"

#define RAM (4ULL << 20)

static uint8_t ram[RAM];

static void send_with_fds(int sock, const uint8_t *buf, size_t len, const int *fds, int nfds)
{
  char ctl[CMSG_SPACE(3 * sizeof(int))] = {0};
  struct iovec iov = {(void *)buf, len};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
  struct cmsghdr *cm;

  if (nfds > 0) {
    msg.msg_control = ctl;
    msg.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
    cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
    memcpy(CMSG_DATA(cm), fds, (size_t)nfds * sizeof(int));
  }
  CHECK(sendmsg(sock, &msg, 0) == (ssize_t)len);
}

/* A listening socket in a temporary directory and a proxy connected to it. */
static int listen_and_connect(int *client, char *dir)
{
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  int l;

  strcpy(dir, "/tmp/hacher-unit-XXXXXX");
  CHECK(mkdtemp(dir) != NULL);
  snprintf(a.sun_path, sizeof(a.sun_path), "%s/exec.sock", dir);
  l = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 4) == 0);
  *client = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  CHECK(connect(*client, (struct sockaddr *)&a, sizeof(a)) == 0);
  unlink(a.sun_path);
  return l;
}

static int64_t hc_exec(struct mon_vm *vm, uint32_t nr, uint64_t gpa, uint64_t len, uint32_t id,
                       uint32_t status)
{
  struct tl_hc hc = {.nr = nr};
  hc.u.exec.buf.gpa = gpa;
  hc.u.exec.len = len;
  hc.u.exec.id = id;
  hc.u.exec.status = status;
  return nr == TL_HC_EXEC_TAKE ? mon_exec_take(vm, &hc) : mon_exec_done(vm, &hc);
}

static void recv_msg(int sock, struct exec_msg *m)
{
  uint8_t buf[512];
  char why[128];
  ssize_t n = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);

  CHECK(n > 0);
  CHECK_EQ_INT(exec_msg_decode(buf, n > 0 ? (size_t)n : 0, m, why, sizeof(why)), 0);
}

TEST(mon_exec_request_to_exit)
{
  static char *const argv[] = {"ls", "-l", NULL}, *const env[] = {"A=1", NULL};
  struct exec_request r = {.uid = 3, .gid = 4, .argv = argv, .env = env, .cwd = "/tmp"};
  struct mon_config cfg = {.id = "unit", .stdio = {0, 1, 2}};
  struct mon_vm vm = {.cfg = &cfg, .ram = ram, .ram_size = RAM};
  const struct tl_exec_event *ev = (const void *)(ram + TL_APP_BASE);
  int pipes[3][2], fds[3], client;
  struct exec_msg m;
  char dir[64], why[128];
  uint8_t *req;
  size_t len;
  int64_t rc;

  signal(SIGIO, SIG_IGN); /* the listening socket raises SIGIO at this process */
  vm.shared = (struct tl_shared *)(ram + TL_SHARED_GPA);
  cfg.exec_fd = listen_and_connect(&client, dir);
  CHECK_EQ_INT(mon_exec_init(&vm, NULL), 0);
  for (int i = 0; i < 3; i++) {
    CHECK(pipe2(pipes[i], O_CLOEXEC) == 0);
    fds[i] = pipes[i][i == 0 ? 0 : 1];
  }
  CHECK_EQ_INT(exec_msg_encode_request(&r, &req, &len, why, sizeof(why)), 0);
  send_with_fds(client, req, len, fds, 3);
  free(req);
  for (int i = 0; i < 3; i++) { /* the monitor holds them now */
    close(fds[i]);
    pipes[i][i == 0 ? 0 : 1] = -1;
  }
  CHECK(mon_exec_poll(&vm));
  CHECK_EQ_INT(vm.shared->exec_pending, 1);
  CHECK_EQ_INT(vm.shared->exec_size, sizeof(struct tl_exec_event) + 15); /* ls -l A=1 /tmp */
  /* too small a buffer, then the event */
  CHECK_EQ_INT(hc_exec(&vm, TL_HC_EXEC_TAKE, TL_APP_BASE, 8, 0, 0), -ENOSPC);
  rc = hc_exec(&vm, TL_HC_EXEC_TAKE, TL_APP_BASE, 4096, 0, 0);
  CHECK_EQ_INT(rc, sizeof(struct tl_exec_event) + 15);
  CHECK_EQ_INT(ev->kind, TL_EXEC_START);
  CHECK_EQ_INT(ev->slot[0], 3);
  CHECK_EQ_INT(ev->slot[2], 5);
  CHECK_EQ_INT(ev->uid, 3);
  CHECK(memcmp(ev + 1, "ls\0-l\0A=1\0/tmp", 15) == 0);
  CHECK_EQ_INT(vm.shared->exec_pending, 0);
  recv_msg(client, &m);
  CHECK_EQ_INT(m.type, EXEC_MSG_STARTED);
  CHECK_EQ_INT(m.id, ev->id);
  /* the slots are the proxy's fds: slot 4 writes into its stdout pipe */
  {
    struct mon_slot *s;
    char out[8] = "";
    s = mon_slot(&vm, 4, "write", &rc);
    CHECK(s != NULL);
    CHECK(s != NULL && write(s->fd, "hi", 2) == 2);
    CHECK(read(pipes[1][0], out, sizeof(out)) == 2 && memcmp(out, "hi", 2) == 0);
  }
  /* the process ends: EXIT to the proxy, slots closed */
  CHECK_EQ_INT(hc_exec(&vm, TL_HC_EXEC_DONE, 0, 0, ev->id + 1, 0), -ESRCH);
  CHECK_EQ_INT(hc_exec(&vm, TL_HC_EXEC_DONE, 0, 0, ev->id, 126), 0);
  recv_msg(client, &m);
  CHECK_EQ_INT(m.type, EXEC_MSG_EXIT);
  CHECK_EQ_INT(m.status, 126);
  CHECK(mon_slot(&vm, 4, "write", &rc) == NULL && rc == -EBADF);
  {
    char b;
    CHECK_EQ_INT(read(pipes[1][0], &b, 1), 0); /* the monitor's copy is closed: EOF */
  }
  /* a slot index no table has is a fault, as a bad address */
  CHECK(mon_slot(&vm, TL_SLOTS_MAX, "write", &rc) == NULL && rc == 0 && vm.fault != NULL);
  free(vm.fault);
  mon_exec_shutdown(&vm);
  close(client);
  for (int i = 0; i < 3; i++)
    close(pipes[i][i == 0 ? 1 : 0]);
  rmdir(dir);
}

TEST(mon_exec_bad_request_refused)
{
  struct mon_config cfg = {.id = "unit", .stdio = {0, 1, 2}};
  struct mon_vm vm = {.cfg = &cfg, .ram = ram, .ram_size = RAM};
  uint8_t junk[32] = "not a request";
  struct exec_msg m;
  char dir[64];
  int client;

  signal(SIGIO, SIG_IGN);
  vm.shared = (struct tl_shared *)(ram + TL_SHARED_GPA);
  cfg.exec_fd = listen_and_connect(&client, dir);
  CHECK_EQ_INT(mon_exec_init(&vm, NULL), 0);
  send_with_fds(client, junk, sizeof(junk), NULL, 0);
  CHECK(!mon_exec_poll(&vm));
  CHECK_EQ_INT(vm.shared->exec_pending, 0);
  recv_msg(client, &m);
  CHECK_EQ_INT(m.type, EXEC_MSG_ERROR);
  CHECK(strstr(m.text, "not an exec message") != NULL);
  CHECK(vm.fault == NULL); /* the trustlet goes on */
  mon_exec_shutdown(&vm);
  close(client);
  rmdir(dir);
}
