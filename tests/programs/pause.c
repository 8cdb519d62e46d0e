/* pause: the pod sandbox's process (like Kubernetes' pause image). Blocks
 * until SIGTERM or SIGINT, then exits 0. */
#include <signal.h>
#include <unistd.h>

static void on_stop(int sig)
{
  (void)sig;
  _exit(0);
}

int main(void)
{
  struct sigaction sa = {.sa_handler = on_stop};

  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
    return 1;
  for (;;)
    pause();
}
