/* log: messages to stderr, levels, and rate limiting for the data path. */
#ifndef VXTAP_LOG_H
#define VXTAP_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "ratelimit.h"

#define LOG_ATTR(f, a) __attribute__((format(printf, f, a)))

/* verbose 1 (-v) enables log_debug, 2 (-vv) log_debug2 too. Every line
 * starts with an RFC 3339 time stamp unless standard error is journald's
 * stream (JOURNAL_STREAM names it), which stamps lines itself. */
void log_init(int verbose);
int log_level(void);

void log_info(const char *fmt, ...) LOG_ATTR(1, 2);
void log_debug(const char *fmt, ...) LOG_ATTR(1, 2);
void log_debug2(const char *fmt, ...) LOG_ATTR(1, 2);
/* log_warn appends ": strerror(errno)"; log_warnx does not. */
void log_warn(const char *fmt, ...) LOG_ATTR(1, 2);
void log_warnx(const char *fmt, ...) LOG_ATTR(1, 2);
/* Set-up failures: log and exit 1. */
_Noreturn void fatal(const char *fmt, ...) LOG_ATTR(1, 2);
_Noreturn void fatalx(const char *fmt, ...) LOG_ATTR(1, 2);

#endif
