/* ctlpath: the default control socket path, one directory per network namespace. */
#include "ctlpath.h"

#include <dirent.h>
#include <stdio.h>
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
