/* io_fd: read, writev, recvmmsg and sendmmsg on the daemon's descriptors, errors as -errno. */
#include "io_fd.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static ssize_t fd_tap_read(void *ctx, void *buf, size_t len)
{
	ssize_t r = read(((struct io_fd *)ctx)->tap, buf, len);

	return r < 0 ? -errno : r;
}

static ssize_t fd_tap_write(void *ctx, const struct iovec *iov, int n)
{
	ssize_t r = writev(((struct io_fd *)ctx)->tap, iov, n);

	return r < 0 ? -errno : r;
}

static int fd_udp_recv(void *ctx, struct mmsghdr *msgs, unsigned int n)
{
	int r = recvmmsg(((struct io_fd *)ctx)->udp, msgs, n, MSG_DONTWAIT, NULL);

	return r < 0 ? -errno : r;
}

static int fd_udp_send(void *ctx, struct mmsghdr *msgs, unsigned int n)
{
	int r = sendmmsg(((struct io_fd *)ctx)->udp, msgs, n, MSG_DONTWAIT);

	return r < 0 ? -errno : r;
}

const struct io_ops io_fd_ops = {
	.tap_read = fd_tap_read,
	.tap_write = fd_tap_write,
	.udp_recv = fd_udp_recv,
	.udp_send = fd_udp_send,
};
