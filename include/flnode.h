/* flnode: the etcd control plane in the daemon: the lease and watch machine driven by the etcd
 * transport on the loop, its actions carried out on the TAP, the tables, the routes and the subnet
 * file. */
#ifndef VXTAP_FLNODE_H
#define VXTAP_FLNODE_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "ctlproto.h"
#include "eth.h"
#include "flannel.h"
#include "flnet.h"

struct ev_loop;
struct vxtap;
struct flnode;

struct flnode_conf {
	char *const *endpoints; /* --etcd-endpoints */
	size_t nendpoints;
	const char *prefix; /* --etcd-prefix */
	const char *cafile; /* TLS files, NULL: none */
	const char *certfile;
	const char *keyfile;
	const char *subnet_file; /* --subnet-file */
	uint32_t renew_margin;	 /* minutes */
	struct ipaddr public_ip; /* --local */
	struct mac vtep_mac;	 /* the TAP's MAC */
	struct flannel_cli cli;	 /* --vni, --port, --mtu as given */
	bool has_pubkey;	 /* secure mode: this node's public key, published */
	uint8_t pubkey[FLANNEL_PUBKEY_LEN];
};

/* Start joining: the machine reads the config and acquires this node's lease
 * over the endpoints, on loop. Dies with one line when a TLS file cannot be
 * read or memory runs out. */
struct flnode *flnode_start(struct ev_loop *loop, const struct flnode_conf *fc);

/* Run the loop until this node holds its lease (the config is then known).
 * Dies with one line on anything the machine finds fatal (a config that is
 * missing fields, of another backend, or disagreeing with the command line;
 * no subnet left). Before the data plane exists, nothing else runs. */
void flnode_wait_lease(struct flnode *fn);

/* The checked config and this node's subnet (after flnode_wait_lease). */
const struct flannel_config *flnode_config(const struct flnode *fn);
struct flannel_subnet flnode_subnet(const struct flnode *fn);

/* The data plane exists: give the TAP SUBNET.0/32, write the subnet file
 * (tap_mtu is FLANNEL_MTU there), and from now on program every other node
 * into vx's tables and the kernel's routes, as etcd says. */
void flnode_attach(struct flnode *fn, struct vxtap *vx, uint32_t tap_mtu);

/* The lease is held (for /healthz and the service manager). */
bool flnode_lease_held(const struct flnode *fn);

/* The machine's counters (for stats). */
void flnode_stats(const struct flnode *fn, struct flnet_stats *st);
/* Secure mode's key changed: publish the new public key in the lease. */
void flnode_set_pubkey(struct flnode *fn, const uint8_t key[static FLANNEL_PUBKEY_LEN]);

/* lease show, etcd show, route show: the answer's body into out. */
void flnode_show(const struct flnode *fn, enum ctlproto_cmd cmd, enum ctlproto_fmt fmt,
		 uint64_t now, struct ctlproto_buf *out);

/* Stop every request and free everything (the lease stays in etcd, and the
 * routes go with the TAP). NULL is fine. */
void flnode_free(struct flnode *fn);

#endif
