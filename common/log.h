/* Host-side logging: "hacher: " prefixed lines on stderr (or the --log file). */
#ifndef HACHER_LOG_H
#define HACHER_LOG_H

enum hacher_log_level { HACHER_LOG_ERROR, HACHER_LOG_WARN, HACHER_LOG_INFO, HACHER_LOG_DEBUG };

void hacher_log_set_level(enum hacher_log_level level);
enum hacher_log_level hacher_log_get_level(void);
/* Send log lines to an append-only file instead of stderr. Returns -errno. */
int hacher_log_open(const char *path);
/* Lines as runc's JSON: {"level":"error","msg":"...","time":"..."} (what
 * containerd reads back from the --log file). */
void hacher_log_set_json(int on);
/* The fd log lines go to (2 unless --log). */
int hacher_log_fd(void);
void hacher_log(enum hacher_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* As hacher_log, whatever the level set (lines a container's trace mode
 * asked for). */
void hacher_log_always(enum hacher_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_error(...) hacher_log(HACHER_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) hacher_log(HACHER_LOG_WARN, __VA_ARGS__)
#define log_info(...) hacher_log(HACHER_LOG_INFO, __VA_ARGS__)
#define log_debug(...) hacher_log(HACHER_LOG_DEBUG, __VA_ARGS__)

#endif
