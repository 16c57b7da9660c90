/* ctlpath: the default control socket path, one directory per network namespace. */
#include "ctlpath.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The name of the namespace mounted at /run/netns/NAME with this inode. */
static bool netns_name(const struct stat *self, char *name, size_t size)
{
	DIR *d = opendir("/run/netns");
	struct dirent *e;
	bool found = false;

	if (d == NULL)
		return false;
	while (!found && (e = readdir(d)) != NULL) {
		char path[300];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", e->d_name);
		if (stat(path, &st) == 0 && st.st_ino == self->st_ino &&
		    st.st_dev == self->st_dev && strlen(e->d_name) < size) {
			memcpy(name, e->d_name, strlen(e->d_name) + 1);
			found = true;
		}
	}
	closedir(d);
	return found;
}

bool ctlpath_default(const char *dev, char out[static CTLPATH_MAX], bool *in_subdir)
{
	struct stat self, init;
	char ns[CTLPATH_MAX];
	int n;

	*in_subdir = false;
	if (stat("/proc/self/ns/net", &self) == 0) {
		if (netns_name(&self, ns, sizeof(ns))) {
			*in_subdir = true;
		} else if (stat("/proc/1/ns/net", &init) == 0 &&
			   (self.st_ino != init.st_ino || self.st_dev != init.st_dev)) {
			/* Unnamed, and not PID 1's (when that can be read at all). */
			snprintf(ns, sizeof(ns), "netns-%lu", (unsigned long)self.st_ino);
			*in_subdir = true;
		}
	}
	if (*in_subdir)
		n = snprintf(out, CTLPATH_MAX, "%s/%s/%s.sock", CTLPATH_DIR, ns, dev);
	else
		n = snprintf(out, CTLPATH_MAX, "%s/%s.sock", CTLPATH_DIR, dev);
	return n > 0 && n < CTLPATH_MAX;
}

struct found {
	char (*paths)[CTLPATH_MAX];
	size_t n, max;
};

/* The sockets in dir, and with depth left, in its subdirectories. */
static void scan(const char *dir, int depth, struct found *f)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while (f->n < f->max && (e = readdir(d)) != NULL) {
		char path[CTLPATH_MAX];
		struct stat st;

		if (e->d_name[0] == '.' ||
		    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path) ||
		    lstat(path, &st) != 0)
			continue;
		if (S_ISSOCK(st.st_mode))
			memcpy(f->paths[f->n++], path, sizeof(path));
		else if (S_ISDIR(st.st_mode) && depth > 0)
			scan(path, depth - 1, f);
	}
	closedir(d);
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(a, b);
}

size_t ctlpath_list(void (*fn)(const char *path, void *arg), void *arg, size_t max)
{
	struct found f = {.max = max};

	f.paths = calloc(max ? max : 1, sizeof(*f.paths));
	if (f.paths == NULL)
		return 0;
	scan(CTLPATH_DIR, 1, &f);
	qsort(f.paths, f.n, sizeof(*f.paths), cmp_path);
	for (size_t i = 0; i < f.n; i++)
		fn(f.paths[i], arg);
	free(f.paths);
	return f.n;
}
