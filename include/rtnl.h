/* rtnl: the rtnetlink socket that adds and removes the control plane's routes. */
#ifndef VXTAP_RTNL_H
#define VXTAP_RTNL_H

#include "route.h"

struct rtnl;

/* Open a non-blocking rtnetlink socket. NULL with errno set. */
struct rtnl *rtnl_open(void);
void rtnl_close(struct rtnl *nl);

/* Add (or replace) or remove one route and wait for the kernel's answer,
 * which rtnetlink gives before sendto returns. 0 or -errno (-ESRCH: no such
 * route to remove). */
int rtnl_route(struct rtnl *nl, const struct route *r, bool add);

#endif
