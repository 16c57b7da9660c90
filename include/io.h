/* io: the device seam: the operations the forwarding engine performs on the TAP and the socket. */
#ifndef VXTAP_IO_H
#define VXTAP_IO_H

#include <stddef.h>
#include <sys/types.h>

struct iovec;
struct mmsghdr;

/*
 * A table of operations, as tinc's devops: the daemon's implementation
 * (io_fd.c) calls the kernel, a test's records what it is given and returns
 * what the test wants. Every operation is non-blocking and returns a count or
 * -errno (-EAGAIN: nothing to read, or no room to send).
 */
struct io_ops {
	/* Read one frame from the TAP (after its virtio-net header when the TAP
	 * has one) into buf: its length. */
	ssize_t (*tap_read)(void *ctx, void *buf, size_t len);
	/* Write one frame, or one super-frame after its virtio-net header, from
	 * n parts: the bytes written. */
	ssize_t (*tap_write)(void *ctx, const struct iovec *iov, int n);
	/* recvmmsg(2) and sendmmsg(2) on the UDP socket: messages done. */
	int (*udp_recv)(void *ctx, struct mmsghdr *msgs, unsigned int n);
	int (*udp_send)(void *ctx, struct mmsghdr *msgs, unsigned int n);
	void *ctx;
};

#endif
