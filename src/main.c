/* main: start-up and shutdown of the vxtap daemon. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "crypto.h"
#include "keyfile.h"
#include "ctl.h"
#include "ctlpath.h"
#include "log.h"
#include "loop.h"
#include "priv.h"
#include "service.h"
#include "storm.h"
#include "tap.h"
#include "udp.h"

#define DEFAULT_MTU 1450
/* Outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14), as the kernel. */
#define ENCAP_OVERHEAD_V4 50
#define ENCAP_OVERHEAD_V6 70
#define TAP_TXQLEN	  8192
/* Storm-control buckets, each way: source MACs followed at once. */
#define FLOOD_MACS 4096

static void random_mac(struct mac *m)
{
	randombytes_buf(m->b, MAC_LEN);
	m->b[0] = (uint8_t)((m->b[0] & ~1u) | 2u); /* unicast, locally administered */
}

/* The TAP MTU (--mtu, else the underlay's minus the encapsulation) and the
 * largest inner IP packet the underlay carries (0 when unknown). */
static void pick_mtu(const struct conf *c, struct dp_config *cfg)
{
	char ifname[16];
	int under, room;

	under = tap_underlay_mtu(&c->local, ifname);
	room = under - (c->local.family == AF_INET6 ? ENCAP_OVERHEAD_V6 : ENCAP_OVERHEAD_V4);
	if (c->key_file != NULL)
		room -= CRYPTO_OVERHEAD; /* the sealed framing around each datagram */
	cfg->path_mtu = room >= 68 ? (uint32_t)room : 0;
	if (c->mtu != 0) {
		cfg->mtu = c->mtu;
	} else if (under <= 0) {
		log_warnx("cannot read the MTU of the device holding the local address; using %d",
			  DEFAULT_MTU);
		cfg->mtu = DEFAULT_MTU;
	} else {
		cfg->mtu = room < 68 ? 68 : (uint32_t)room;
	}
}

static void crypto_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	randombytes_buf(buf, len);
}

/* Secure mode: the key file read and checked, the crypto state made. */
static void setup_crypto(struct vxtap *vx, const struct conf *c)
{
	uint8_t *key;
	char err[KEYFILE_ERRLEN];

	if (c->key_file == NULL)
		return;
	key = sodium_malloc(CRYPTO_KEY_LEN);
	if (key == NULL)
		fatalx("out of memory");
	if (keyfile_read(c->key_file, key, err) != 0)
		fatalx("%s", err);
	vx->crypto = crypto_new(key, true, NULL, crypto_random, NULL);
	sodium_free(key);
	if (vx->crypto == NULL)
		fatalx("out of memory");
	vx->key_file = c->key_file;
}

static int genkey(void)
{
	uint8_t *key;
	char text[CRYPTO_KEY_TEXT_LEN];

	if (sodium_init() < 0 || (key = sodium_malloc(CRYPTO_KEY_LEN)) == NULL) {
		fprintf(stderr, "vxtap: libsodium failed to initialise\n");
		return 1;
	}
	randombytes_buf(key, CRYPTO_KEY_LEN);
	crypto_key_format(key, text);
	sodium_free(key);
	puts(text);
	sodium_memzero(text, sizeof(text));
	return 0;
}

static void setup_tables(struct vxtap *vx, const struct conf *c)
{
	uint8_t seed[TABLE_SEED_LEN];
	char a[ADDR_STRLEN];

	randombytes_buf(seed, sizeof(seed));
	vx->ageing_ms = (uint64_t)c->ageing * 1000u;
	vx->dp.fdb = fdb_new(c->max_fdb, vx->ageing_ms, seed);
	randombytes_buf(seed, sizeof(seed));
	vx->dp.neigh = neigh_new(c->max_fdb, vx->ageing_ms, seed);
	randombytes_buf(seed, sizeof(seed));
	vx->dp.peers = peers_new(seed);
	if (vx->dp.fdb == NULL || vx->dp.neigh == NULL || vx->dp.peers == NULL)
		fatalx("out of memory");
	fdb_set_peer_limit(vx->dp.fdb, c->max_fdb_per_peer);
	fdb_set_damping(vx->dp.fdb, c->max_moves, DP_MOVE_WINDOW_MS);
	if (c->flood_rate != 0) {
		/* Bursts of one second's worth. */
		randombytes_buf(seed, sizeof(seed));
		vx->dp.storm_tap = storm_new(c->flood_rate, c->flood_rate, FLOOD_MACS, seed);
		randombytes_buf(seed, sizeof(seed));
		vx->dp.storm_peer = storm_new(c->flood_rate, c->flood_rate, FLOOD_MACS, seed);
		if (vx->dp.storm_tap == NULL || vx->dp.storm_peer == NULL)
			fatalx("out of memory");
	}
	for (size_t i = 0; i < c->npeers; i++)
		if (peers_add(vx->dp.peers, &c->peers[i], NULL) != 0)
			fatalx("cannot add peer %s", endpoint_fmt(&c->peers[i], a));
	for (size_t i = 0; i < c->nfdb; i++)
		if (fdb_add_static(vx->dp.fdb, &c->fdb[i].mac, &c->fdb[i].dst) != 0)
			fatalx("out of memory");
	for (size_t i = 0; i < c->nneigh; i++)
		if (neigh_add_static(vx->dp.neigh, &c->neigh[i].ip, &c->neigh[i].mac) != 0)
			fatalx("out of memory");
}

/* Every --addr on the TAP. SIOCSIFADDR replaces a device's IPv4 address,
 * so the second and later IPv4 ones go on alias labels ("DEV:1"), as
 * ifconfig does; IPv6 addresses add up (and go through DAD). */
static void setup_addrs(const struct conf *c)
{
	char a[ADDR_STRLEN], label[CONF_IFNAMSIZ + 16];
	unsigned int n4 = 0;
	int err;

	for (size_t i = 0; i < c->naddrs; i++) {
		const struct conf_addr *ca = &c->addrs[i];
		const char *name = c->dev;

		if (ca->ip.family == AF_INET && n4++ > 0) {
			int k = snprintf(label, sizeof(label), "%s:%u", c->dev, n4 - 1);

			if (k < 0 || k >= CONF_IFNAMSIZ)
				fatalx("%s: cannot add %s/%u: the alias label %s is longer than %d "
				       "bytes",
				       c->dev, ipaddr_fmt(&ca->ip, a), ca->plen, label,
				       CONF_IFNAMSIZ - 1);
			name = label;
		}
		if ((err = tap_add_addr(name, &ca->ip, ca->plen)) != 0) {
			errno = -err;
			fatal("%s: cannot add address %s/%u", c->dev, ipaddr_fmt(&ca->ip, a),
			      ca->plen);
		}
	}
}

static void setup_tap(struct vxtap *vx, const struct conf *c)
{
	int err = 0;

	vx->tap_fd = tap_open(c->dev, vx->opts.offload);
	if (vx->tap_fd < 0) {
		errno = -vx->tap_fd;
		fatal("cannot create TAP device %s%s", c->dev,
		      errno == EPERM   ? " (needs CAP_NET_ADMIN)"
		      : errno == EBUSY ? " (in use)"
				       : "");
	}
	vx->vnet = vx->opts.offload;
	if (vx->vnet && (err = tap_set_offload(vx->tap_fd)) < 0) {
		errno = -err;
		log_warn("%s: the TAP takes no offloads; frames go one by one", c->dev);
	}
	vx->tap_uso = vx->vnet && err > 0 && (err & TAP_F_USO4) != 0;
	if ((err = tap_set_mac(c->dev, &vx->dp.cfg.mac)) != 0) {
		errno = -err;
		fatal("%s: cannot set the MAC address", c->dev);
	}
	if ((err = tap_set_mtu(c->dev, vx->dp.cfg.mtu)) != 0) {
		errno = -err;
		fatal("%s: cannot set MTU %u", c->dev, vx->dp.cfg.mtu);
	}
	/* The default queue of 500 frames overflows while vxtap waits for a
	 * core; a longer one absorbs the burst (one read empties it faster). */
	if ((err = tap_set_txqlen(c->dev, TAP_TXQLEN)) != 0) {
		errno = -err;
		log_warn("%s: cannot set the transmit queue length to %d", c->dev, TAP_TXQLEN);
	}
	if ((err = tap_set_up(c->dev)) != 0) {
		errno = -err;
		fatal("%s: cannot bring the device up", c->dev);
	}
	setup_addrs(c);
}

/* The control socket first: a second vxtap for the device stops here. */
static void setup_ctl(struct vxtap *vx, const struct conf *c)
{
	struct ctl_conf cc = {.path = c->control, .peers_file = c->peers_file};
	char path[CTLPATH_MAX];

	if (cc.path == NULL) {
		if (!ctlpath_default(c->dev, path, &cc.rmdir_parent))
			fatalx("the default control socket path is too long; give --control");
		cc.path = path;
	}
	cc.net.local = c->local;
	cc.net.port = c->port;
	vx->ctl = ctl_open(vx, &cc);
}

int main(int argc, char *argv[])
{
	static struct vxtap vx;
	struct service *svc;
	struct conf c;
	char err[CONF_ERRLEN], a[ADDR_STRLEN], m[MAC_STRLEN];

	memset(&c, 0, sizeof(c));
	switch (conf_parse(&c, argc, argv, err)) {
	case CONF_RUN:
		break;
	case CONF_HELP:
		fputs(conf_help, stdout);
		conf_free(&c);
		return 0;
	case CONF_VERSION:
		printf("vxtap %s\n", VXTAP_VERSION);
		conf_free(&c);
		return 0;
	case CONF_GENKEY:
		conf_free(&c);
		return genkey();
	case CONF_ERROR:
		fprintf(stderr, "vxtap: %s\n", err);
		conf_free(&c);
		return 2;
	case CONF_USAGE:
		fprintf(stderr, "vxtap: %s\n%s\n", err, conf_usage_line);
		conf_free(&c);
		return 2;
	}
	log_init(c.verbose);
	if (sodium_init() < 0)
		fatalx("libsodium failed to initialise");

	memcpy(vx.dev, c.dev, sizeof(vx.dev));
	vx.dp.cfg.vni = c.vni;
	vx.dp.cfg.learning = c.learning;
	vx.opts.offload = c.offload;
	vx.opts.busy_poll = c.busy_poll;
	pick_mtu(&c, &vx.dp.cfg);
	if (c.have_mac)
		vx.dp.cfg.mac = c.mac;
	else
		random_mac(&vx.dp.cfg.mac);

	setup_crypto(&vx, &c); /* a refused key file stops start-up before anything opens */
	setup_ctl(&vx, &c);
	vx.udp_fd = udp_open(&c.local, c.port);
	if (vx.udp_fd < 0) {
		errno = -vx.udp_fd;
		fatal("cannot bind UDP %s port %u", ipaddr_fmt(&c.local, a), c.port);
	}
	setup_tables(&vx, &c);
	ctl_load(vx.ctl);
	setup_tap(&vx, &c);
	if (loop_init(&vx) != 0)
		fatalx("out of memory");
	ctl_start(vx.ctl);
	/* HOOK(service): $NOTIFY_SOCKET and --metrics, once the TAP is up, before priv_drop. */
	svc = service_start(&vx, &c);
	loop_handshake_all(&vx);
	priv_drop(&c);

	log_info("ready dev %s mac %s mtu %u path_mtu %u vni %u local %s port %u peers %zu "
		 "offload %s%s%s%s%s",
		 vx.dev, mac_fmt(&vx.dp.cfg.mac, m), vx.dp.cfg.mtu, vx.dp.cfg.path_mtu,
		 vx.dp.cfg.vni, ipaddr_fmt(&c.local, a), c.port, peers_count(vx.dp.peers),
		 vx.vnet ? "tap" : "none", vx.udp_gso ? ",udp-gso" : "",
		 vx.udp_gro ? ",udp-gro" : "", vx.opts.busy_poll ? " busy-poll" : "",
		 vx.crypto != NULL ? " secure" : "");
	service_ready(svc); /* HOOK(service): READY=1; SIGHUP and peer-count notifications */
	loop_run(&vx);
	service_stop(svc); /* HOOK(service): STOPPING=1; the HTTP endpoint closes */
	ctl_free(vx.ctl);

	/* Closing the last descriptor of a non-persistent TAP removes it. */
	close(vx.tap_fd);
	close(vx.udp_fd);
	loop_free(&vx);
	fdb_free(vx.dp.fdb);
	neigh_free(vx.dp.neigh);
	peers_free(vx.dp.peers);
	storm_free(vx.dp.storm_tap);
	storm_free(vx.dp.storm_peer);
	crypto_free(vx.crypto);
	conf_free(&c);
	return 0;
}
