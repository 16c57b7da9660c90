/* ctlpath: where a device's control socket lives when no path is given. */
#ifndef VXTAP_CTLPATH_H
#define VXTAP_CTLPATH_H

#include <stdbool.h>
#include <stddef.h>

#define CTLPATH_DIR "/run/vxtap"
#define CTLPATH_MAX 108 /* sizeof(sockaddr_un.sun_path) */

/*
 * The default socket of device dev: CTLPATH_DIR/NS/DEV.sock in a network
 * namespace named NS under /run/netns (as "ip netns add" makes them),
 * CTLPATH_DIR/netns-INODE/DEV.sock in an unnamed one that is not PID 1's,
 * and CTLPATH_DIR/DEV.sock otherwise. Device names are per namespace,
 * sockets are not: this keeps flannel.1 of two namespaces apart, and
 * vxtapctl run in the same namespace finds the same path. *in_subdir tells
 * whether a namespace directory is part of it. False if it does not fit.
 */
bool ctlpath_default(const char *dev, char out[static CTLPATH_MAX], bool *in_subdir);

/* Call fn with the path of every socket under CTLPATH_DIR and its namespace
 * directories (sorted by path; at most max). Returns how many there were. */
size_t ctlpath_list(void (*fn)(const char *path, void *arg), void *arg, size_t max);

#endif
