/* udp: the underlay socket: opening, buffers, and the offloads it takes. */
#include "udp.h"

#include <errno.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UDP_SOCKBUF (8 << 20)

static void raise_buffer(int fd, int force_opt, int opt)
{
	int sz = UDP_SOCKBUF;

	/* FORCE ignores net.core.[rw]mem_max but needs CAP_NET_ADMIN. */
	if (setsockopt(fd, SOL_SOCKET, force_opt, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, opt, &sz, sizeof(sz));
}

int udp_open(const struct ipaddr *local, uint16_t port)
{
	struct sockaddr_storage ss;
	struct endpoint ep;
	socklen_t sl;
	int fd, err;

	memset(&ep, 0, sizeof(ep));
	ep.ip = *local;
	ep.port = port;
	sl = endpoint_to_sockaddr(&ep, &ss);
	fd = socket(local->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (local->family == AF_INET6) {
		int on = 1;
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	}
	raise_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF);
	raise_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

bool udp_enable_gro(int fd)
{
	int on = 1;

	return setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof(on)) == 0;
}

bool udp_probe_gso(int fd)
{
	int size = 0;

	/* Setting a size of 0 is a no-op that only kernels with UDP GSO accept. */
	return setsockopt(fd, SOL_UDP, UDP_SEGMENT, &size, sizeof(size)) == 0;
}

int udp_rx_drops(int fd, uint64_t *n)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	memset(mem, 0, sizeof(mem));
	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) < 0)
		return -errno;
	if (len <= SK_MEMINFO_DROPS * sizeof(mem[0]))
		return -EOPNOTSUPP;
	*n = mem[SK_MEMINFO_DROPS];
	return 0;
}
