/* log: messages to stderr with the program name and, off journald, a time stamp. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int log_verbose;
static bool log_stamps;

/* journald sets JOURNAL_STREAM to the device and inode of the stream it
 * reads: when standard error is that stream, journald stamps the lines. */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(2, &st) == 0 &&
	       (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(int verbose)
{
	log_verbose = verbose;
	log_stamps = !stderr_is_journal();
}

int log_level(void)
{
	return log_verbose;
}

/* "2026-12-02T10:45:01.123Z ", RFC 3339 in UTC. */
static void stamp(char out[static 32])
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03ldZ ", ts.tv_nsec / 1000000L);
}

LOG_ATTR(1, 0) static void vlog(const char *fmt, va_list ap, int err)
{
	char msg[1024], ts[32] = "";

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_stamps)
		stamp(ts);
	if (err != 0)
		fprintf(stderr, "%svxtap: %s: %s\n", ts, msg, strerror(err));
	else
		fprintf(stderr, "%svxtap: %s\n", ts, msg);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, 0);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap, 0);
	va_end(ap);
}

void log_debug2(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 2)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap, 0);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, err);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, 0);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, err);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, 0);
	va_end(ap);
	exit(1);
}
