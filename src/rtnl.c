/* rtnl: route requests sent on an rtnetlink socket and their answers read. */
#include "rtnl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <stdlib.h>
#include <sys/socket.h>

struct rtnl {
	struct mnl_socket *sock;
	uint32_t seq;
};

struct rtnl *rtnl_open(void)
{
	struct rtnl *nl = calloc(1, sizeof(*nl));

	if (nl == NULL)
		return NULL;
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (nl->sock == NULL || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		rtnl_close(nl);
		errno = e;
		return NULL;
	}
	nl->seq = 1;
	return nl;
}

void rtnl_close(struct rtnl *nl)
{
	if (nl == NULL)
		return;
	if (nl->sock != NULL)
		mnl_socket_close(nl->sock);
	free(nl);
}

int rtnl_route(struct rtnl *nl, const struct route *r, bool add)
{
	char req[ROUTE_MSG_MAX], ans[8192];
	uint32_t seq = nl->seq++;
	size_t len = route_build(req, r, add, seq);

	if (mnl_socket_sendto(nl->sock, req, len) < 0)
		return -errno;
	/* The kernel handles a route request in the sender's context: the
	 * answer is queued when sendto returns. A few reads at most skip
	 * anything left over from an earlier request. */
	for (int tries = 0; tries < 8; tries++) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, ans, sizeof(ans));
		int rc;

		if (n < 0)
			return -errno;
		rc = route_parse_ack(ans, (size_t)n, seq);
		if (rc != -EAGAIN)
			return rc;
	}
	return -ETIMEDOUT;
}
