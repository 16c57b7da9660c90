/* conf: the command line into a validated configuration. */
#ifndef VXTAP_CONF_H
#define VXTAP_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "eth.h"

#define CONF_IFNAMSIZ 16 /* IFNAMSIZ, counting the NUL */
#define CONF_ETCD_MAX 16 /* --etcd-endpoints */
#define CONF_WARN_MAX 8	 /* warnings kept for the caller to log */
#define CONF_ERRLEN   256

struct conf_fdb {
	struct mac mac;
	struct endpoint dst;
};

/* An overlay address for the TAP, IPv4 or IPv6. */
struct conf_addr {
	struct ipaddr ip;
	uint8_t plen;
};

struct conf_neigh {
	struct ipaddr ip;
	struct mac mac;
};

/* A --peer's public key (ADDR[:PORT]=PUBKEY); set is false without one. */
struct conf_peer_key {
	bool set;
	uint8_t pub[32];
};

struct conf {
	char dev[CONF_IFNAMSIZ];	 /* default "vxtap0" */
	uint32_t vni;			 /* default 1 */
	uint16_t port;			 /* default 8472 */
	struct ipaddr local;		 /* required */
	struct endpoint *peers;		 /* port filled from --port when not given */
	struct conf_peer_key *peer_keys; /* parallel to peers */
	size_t npeers;
	struct conf_addr *addrs; /* --addr, in the order given */
	size_t naddrs;
	bool have_mac;
	struct mac mac;
	uint32_t mtu; /* 0 = not given: the default applies */
	struct conf_fdb *fdb;
	size_t nfdb;
	struct conf_neigh *neigh;
	size_t nneigh;
	uint32_t ageing;  /* seconds, default 300, 0 = never */
	bool learning;	  /* default true */
	bool offload;	  /* default true; --no-offload */
	bool busy_poll;	  /* --busy-poll */
	uint32_t spin_us; /* --spin-us: the widest polling window after traffic */
	uint32_t max_fdb; /* default 4096 */
	int verbose;	  /* count of --verbose */
	char *control;	  /* --control PATH; NULL = the default path */
	bool no_control;  /* --control none */
	char *peers_file; /* --peers-file FILE; NULL = none */
	char *key_file;	  /* --key-file FILE: this node's private key; NULL = plain VXLAN */
	char *psk_file;	  /* --psk-file FILE: the cluster's secret; NULL = none */

	/* Hardening. */
	uint32_t max_fdb_per_peer; /* default max_fdb / 4, rounded up */
	uint32_t max_moves;	   /* MAC moves a minute before a freeze; 5, 0 = off */
	uint32_t flood_rate;	   /* flooded frames a second per source MAC; 1000, 0 = off */
	char *user;		   /* --user NAME: drop root after set-up; NULL = stay */

	/* The etcd control plane (flannel's records); off without endpoints. */
	char **etcd_endpoints; /* "http://ADDR:PORT" or "https://...", no trailing slash */
	size_t netcd;
	char *etcd_prefix;   /* default /coreos.com/network */
	char *etcd_cafile;   /* TLS: NULL = none */
	char *etcd_certfile; /* client certificate (with etcd_keyfile) */
	char *etcd_keyfile;
	char *subnet_file;	      /* default /run/flannel/subnet.env */
	uint32_t subnet_renew_margin; /* minutes before expiry; default 60 */
	char *state_dir;	      /* default /var/lib/vxtap */
	bool have_vni, have_port;     /* given on the command line (checked against etcd's) */

	/* Accepted, but probably not what was meant: one line each, to log. */
	char warnings[CONF_WARN_MAX][CONF_ERRLEN];
	size_t nwarnings;

	/* Monitoring. */
	bool have_metrics;	 /* --metrics given */
	struct endpoint metrics; /* --metrics ADDR:PORT: HTTP /metrics and /healthz */
};

enum conf_status {
	CONF_RUN = 0, /* config is complete and valid */
	CONF_HELP,    /* --help: print conf_usage to stdout, exit 0 */
	CONF_GENKEY,  /* --genkey: print a new private key, exit 0 */
	CONF_PUBKEY,  /* --pubkey: print the public key of the private key on stdin */
	CONF_VERSION, /* --version: print VXTAP_VERSION, exit 0 */
	CONF_ERROR,   /* err holds one line naming the option and value: exit 2 */
	CONF_USAGE,   /* err holds the problem; print it and the usage line: exit 2 */
};

/* Fill c from argv (argv[0] is the program). Never prints. On CONF_ERROR and
 * CONF_USAGE, err gets a NUL-terminated message without trailing newline.
 * c must be released with conf_free() whatever the result. */
enum conf_status conf_parse(struct conf *c, int argc, char *const argv[],
			    char err[static CONF_ERRLEN]);
void conf_free(struct conf *c);

/* Helpers shared with the other parsers (peers file, control protocol). */
#define CONF_QUOTELEN 244 /* quoted value: 60 bytes escaped, "...", NUL */
/* s[0..len) as it may appear in one error line: escaped, long values cut. */
const char *conf_quote(const char *s, size_t len, char out[static CONF_QUOTELEN]);
/* Not unspecified, multicast or the IPv4 limited broadcast. */
bool conf_ip_unicast(const struct ipaddr *a);
/* Why a unicast address cannot be a VTEP ("is a link-local address ..."), or NULL. */
const char *conf_underlay_unfit(const struct ipaddr *a);

/*
 * Descriptors. conf_fds_needed is how many descriptors vxtap needs open at
 * once with c: its own (standard streams, the socket, the TAP, the event
 * loop, the control socket, the metrics endpoint, etcd's connections and
 * rtnetlink) plus CONF_FDS_SPARE for what comes and goes (control clients,
 * file reads on SIGHUP, ioctl sockets, HTTP clients).
 */
#define CONF_FDS_SPARE 16
unsigned int conf_fds_needed(const struct conf *c);

enum conf_fds {
	CONF_FDS_OK,	/* the soft limit is enough */
	CONF_FDS_RAISE, /* enough only after raising the soft limit to *raise_to */
	CONF_FDS_SHORT, /* the hard limit is below need: err says so; stop */
};

/* What to do with RLIMIT_NOFILE (soft, hard; UINT64_MAX for unlimited)
 * when need descriptors are wanted. */
enum conf_fds conf_fds_check(uint64_t soft, uint64_t hard, unsigned int need, uint64_t *raise_to,
			     char err[static CONF_ERRLEN]);

/* The full --help text, and the one-line synopsis used after errors. */
extern const char conf_help[];
extern const char conf_usage_line[];

#endif
