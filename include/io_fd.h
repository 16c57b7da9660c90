/* io_fd: the I/O seam's real side: the TAP and the UDP socket through their descriptors. */
#ifndef VXTAP_IO_FD_H
#define VXTAP_IO_FD_H

#include "io.h"

struct io_fd {
	int tap;
	int udp;
};

/* The operations, with ctx a struct io_fd. */
extern const struct io_ops io_fd_ops;

/* io_fd_ops over fds (which must outlive what uses it). */
static inline struct io_ops io_fd_make(struct io_fd *fds)
{
	struct io_ops ops = io_fd_ops;

	ops.ctx = fds;
	return ops;
}

#endif
