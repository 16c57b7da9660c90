/* ctlpath: where a device's control socket lives when no path is given. */
#ifndef VXTAP_CTLPATH_H
#define VXTAP_CTLPATH_H

#include <stdbool.h>
#include <stddef.h>

#define CTLPATH_DIR "/run/vxtap"
#define CTLPATH_MAX 108 /* sizeof(sockaddr_un.sun_path) */

/*
 * The default socket of device dev: CTLPATH_DIR/DEV.sock in the network
 * namespace of PID 1, and CTLPATH_DIR/NS/DEV.sock in any other one, where NS
 * is the namespace's name under /run/netns (as "ip netns add" made it) or
 * "netns-INODE" for a namespace without one. Device names are per namespace,
 * sockets are not: this keeps flannel.1 of two namespaces apart, and
 * vxtapctl run in the same namespace finds the same path. *in_subdir tells
 * whether the NS directory is part of it. False if it does not fit.
 */
bool ctlpath_default(const char *dev, char out[static CTLPATH_MAX], bool *in_subdir);

#endif
