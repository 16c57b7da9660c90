/* main: start-up and shutdown of the vxtap daemon. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "change.h"
#include "conf.h"
#include "crypto.h"
#include "ctl.h"
#include "ctlpath.h"
#include "flnode.h"
#include "keyfile.h"
#include "log.h"
#include "loop.h"
#include "method_sealed.h"
#include "priv.h"
#include "reload.h"
#include "statefile.h"
#include "service.h"
#include "tap.h"
#include "udp.h"

#define TAP_TXQLEN 8192
/* Storm-control buckets, each way: source MACs followed at once. */
#define FLOOD_MACS 4096

/* The TAP MTU (want: --mtu or etcd's Backend.MTU; else the underlay's
 * minus the encapsulation) and the largest inner IP packet the underlay
 * carries. */
static void pick_mtu(const struct conf *c, const struct method *m, uint32_t want,
		     struct dp_config *cfg)
{
	char ifname[16];
	int under = tap_underlay_mtu(&c->local, ifname);
	char a[ADDR_STRLEN];

	if (under == -EADDRNOTAVAIL)
		fatalx("--local %s is not an address in this network namespace",
		       ipaddr_fmt(&c->local, a));
	if (!dp_pick_mtu(cfg, under, c->local.family, m->ops->overhead, want))
		log_warnx("cannot read the MTU of the device holding the local address; using %d",
			  DP_DEFAULT_MTU);
}

static void random_bytes(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	randombytes_buf(buf, len);
}

/* A key file read into locked memory; dies naming the file. */
static uint8_t *read_key(const char *path, uid_t owner)
{
	uint8_t *key = sodium_malloc(CRYPTO_KEY_LEN);
	char err[KEYFILE_ERRLEN];

	if (key == NULL)
		fatalx("out of memory");
	if (keyfile_read(path, owner, key, err) != 0)
		fatalx("%s", err);
	return key;
}

/* The datagram method: plain VXLAN, or with --key-file sealed (the key
 * files read and checked first). */
static void setup_method(struct vxtap *vx, const struct conf *c)
{
	static struct method plain = {.ops = &method_plain_ops};
	struct crypto *cr;
	uint8_t *key, *psk = NULL;
	uid_t owner;

	vx->method = &plain;
	if (c->key_file == NULL)
		return;
	owner = priv_run_uid(c);
	key = read_key(c->key_file, owner);
	if (c->psk_file != NULL)
		psk = read_key(c->psk_file, owner);
	cr = crypto_new(key, psk, crypto_aead_aes256gcm_is_available() != 0, NULL, random_bytes,
			NULL);
	sodium_free(key);
	sodium_free(psk);
	if (cr == NULL || (vx->method = method_sealed_new(cr, loop_wall_ns, NULL)) == NULL)
		fatalx("out of memory");
}

/* Secure mode's public key, once nothing can refuse start-up any more. */
static void log_public_key(const struct vxtap *vx, const struct conf *c)
{
	uint8_t pub[KEYTEXT_KEY_LEN];
	char text[KEYTEXT_LEN];

	if (!method_keyed(vx->method))
		return;
	vx->method->ops->own_key(vx->method, pub);
	keytext_format(pub, text);
	log_info("secure mode: public key %s%s", text, c->psk_file != NULL ? ", with a PSK" : "");
}

/* Enough descriptors for c, or one line and exit 1 before anything opens
 * (past the limit, set-up would fail half-way with a less clear message). */
static void check_fds(const struct conf *c)
{
	unsigned int need = conf_fds_needed(c);
	char err[CONF_ERRLEN];
	struct rlimit rl;
	uint64_t to = 0;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	switch (conf_fds_check(rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : rl.rlim_cur,
			       rl.rlim_max == RLIM_INFINITY ? UINT64_MAX : rl.rlim_max, need, &to,
			       err)) {
	case CONF_FDS_OK:
		return;
	case CONF_FDS_RAISE:
		rl.rlim_cur = (rlim_t)to;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			fatal("cannot raise the open-file limit (ulimit -n) to %u", need);
		return;
	case CONF_FDS_SHORT:
		fatalx("%s", err);
	}
}

/* Secure mode keeps keys in locked memory as far as RLIMIT_MEMLOCK allows
 * (crypto.h): say so at start when it allows too little for them. */
#define MEMLOCK_PROBE (1u << 20)
static void check_memlock(void)
{
	struct rlimit rl;
	void *p = mmap(NULL, MEMLOCK_PROBE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);
	int locked;

	if (p == MAP_FAILED)
		return;
	locked = mlock(p, MEMLOCK_PROBE);
	if (locked == 0)
		munlock(p, MEMLOCK_PROBE);
	munmap(p, MEMLOCK_PROBE);
	if (locked == 0 || getrlimit(RLIMIT_MEMLOCK, &rl) != 0)
		return;
	log_warnx("secure mode: cannot lock %u KiB of memory (ulimit -l is %llu KiB): session keys "
		  "may be written to swap; raise it (ulimit -l, or LimitMEMLOCK= in a unit)",
		  MEMLOCK_PROBE / 1024, (unsigned long long)rl.rlim_cur / 1024);
}

/* libev's answer to a failed system call is abort(): exit with one line. */
static void ev_syserr(const char *msg)
{
	fatal("%s", msg);
}

/* `vxtap --genkey`, as `wg genkey`. */
static int genkey(void)
{
	uint8_t *key;
	char text[KEYTEXT_LEN];

	if (sodium_init() < 0 || (key = sodium_malloc(CRYPTO_KEY_LEN)) == NULL) {
		fprintf(stderr, "vxtap: libsodium failed to initialise\n");
		return 1;
	}
	randombytes_buf(key, CRYPTO_KEY_LEN);
	keytext_format(key, text);
	sodium_free(key);
	puts(text);
	sodium_memzero(text, sizeof(text));
	return 0;
}

/* `vxtap --pubkey`, as `wg pubkey`: a private key on stdin, its public key out. */
static int pubkey(void)
{
	char text[256];
	uint8_t *key;
	uint8_t pub[CRYPTO_KEY_LEN];
	size_t n;
	int rc = 1;

	if (sodium_init() < 0 || (key = sodium_malloc(CRYPTO_KEY_LEN)) == NULL) {
		fprintf(stderr, "vxtap: libsodium failed to initialise\n");
		return 1;
	}
	n = fread(text, 1, sizeof(text), stdin);
	if (n == sizeof(text) || ferror(stdin) || !keytext_parse(text, n, key)) {
		fprintf(stderr, "vxtap: --pubkey: standard input is not a private key (32 bytes "
				"of base64, as vxtap --genkey prints)\n");
	} else {
		crypto_public_key(key, pub);
		keytext_format(pub, text);
		puts(text);
		rc = 0;
	}
	sodium_memzero(text, sizeof(text));
	sodium_free(key);
	return rc;
}

/* The core's tables, and what the command line puts in them. */
static void setup_tables(struct vxtap *vx, const struct conf *c, const struct dp_config *cfg)
{
	struct dp_params p = {
		.cfg = *cfg,
		.max_learned = c->max_fdb,
		.max_per_peer = c->max_fdb_per_peer,
		.ageing_ms = (uint64_t)c->ageing * 1000u,
		.max_moves = c->max_moves,
		.flood_rate = c->flood_rate,
		.flood_macs = FLOOD_MACS,
	};
	char a[ADDR_STRLEN], m[MAC_STRLEN];

	if (dp_init(&vx->dp, &p, random_bytes, NULL) != 0)
		fatalx("out of memory");
	loop_set_hooks(vx); /* keys reach the method from the first peer on */
	vx->ageing_ms = p.ageing_ms;
	for (size_t i = 0; i < c->npeers; i++) {
		int r = c->peer_keys[i].set
				? change_peer_add_key(&vx->dp, &c->peers[i], c->peer_keys[i].pub)
				: change_peer_add(&vx->dp, &c->peers[i]);

		if (r == -EINVAL)
			fatalx("--peer %s: the key is this node's own public key (or has no shared "
			       "secret)",
			       endpoint_fmt(&c->peers[i], a));
		if (r != 0)
			fatalx("cannot add peer %s", endpoint_fmt(&c->peers[i], a));
	}
	for (size_t i = 0; i < c->nfdb; i++) {
		int r = change_fdb_add(&vx->dp, &c->fdb[i].mac, &c->fdb[i].dst);

		if (r == -ENOKEY)
			fatalx("--fdb %s=%s: not a peer; secure mode takes datagrams only from "
			       "peers "
			       "with keys (--peer ADDR=PUBKEY)",
			       mac_fmt(&c->fdb[i].mac, m), endpoint_fmt(&c->fdb[i].dst, a));
		if (r != 0)
			fatalx("--fdb %s=%s: %s", mac_fmt(&c->fdb[i].mac, m),
			       endpoint_fmt(&c->fdb[i].dst, a),
			       r == -ENOSPC ? "too many peers or entries" : strerror(-r));
	}
	for (size_t i = 0; i < c->nneigh; i++)
		if (change_neigh_add(&vx->dp, &c->neigh[i].ip, &c->neigh[i].mac) != 0)
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

	vx->fds.tap = tap_open(c->dev, vx->opts.offload);
	if (vx->fds.tap < 0) {
		errno = -vx->fds.tap;
		fatal("cannot create TAP device %s%s", c->dev,
		      errno == EPERM   ? " (needs CAP_NET_ADMIN)"
		      : errno == EBUSY ? " (in use)"
				       : "");
	}
	vx->caps.vnet = vx->opts.offload;
	if (vx->caps.vnet && (err = tap_set_offload(vx->fds.tap)) < 0) {
		errno = -err;
		log_warn("%s: the TAP takes no offloads; frames go one by one", c->dev);
	}
	vx->caps.tap_uso = vx->caps.vnet && err > 0 && (err & TAP_F_USO4) != 0;
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

/* The control socket before the UDP socket and the TAP: a second vxtap for
 * the device stops here. */
static void setup_ctl(struct vxtap *vx, const struct conf *c)
{
	struct ctl_conf cc = {.path = c->control};
	char path[CTLPATH_MAX];

	if (c->no_control)
		return;
	if (cc.path == NULL) {
		if (!ctlpath_default(c->dev, path, &cc.rmdir_parent))
			fatalx("the default control socket path is too long; give --control");
		cc.path = path;
	}
	cc.net.local = c->local;
	cc.net.port = c->port;
	vx->ctl = ctl_open(vx, &cc);
}

/* The TAP's MAC: --mac, else the one kept in the state directory, else a
 * new random one, kept there (with etcd the lease names it, so a restart
 * must not change it). */
static void pick_mac(const struct conf *c, struct mac *mac)
{
	char path[4200], text[64], m[MAC_STRLEN];
	uint8_t rnd[MAC_LEN];
	ssize_t n;
	int rc;

	if (c->have_mac) {
		*mac = c->mac;
		return;
	}
	randombytes_buf(rnd, sizeof(rnd));
	mac_from_random(mac, rnd);
	if (c->netcd == 0)
		return;
	snprintf(path, sizeof(path), "%s/%s.mac", c->state_dir, c->dev);
	n = statefile_read(path, text, sizeof(text));
	if (n > 0) {
		text[strcspn(text, " \t\r\n")] = '\0';
		if (mac_parse(text, mac) && !mac_is_multicast(mac) && !mac_is_zero(mac))
			return;
		log_warnx("%s does not hold a unicast MAC; making a new one", path);
		mac_from_random(mac, rnd);
	}
	n = snprintf(text, sizeof(text), "%s\n", mac_fmt(mac, m));
	if ((rc = statefile_write(path, text, (size_t)n, 0644)) != 0) {
		errno = -rc;
		fatal("cannot keep the VTEP MAC in %s (--state-dir DIR chooses another place)",
		      path);
	}
}

/* Join the flannel network: hold a lease, and take the VNI, port and MTU
 * from its config. The data plane is made after this. */
static void join_etcd(struct vxtap *vx, struct conf *c, const struct dp_config *cfg, uint32_t *mtu)
{
	struct flnode_conf fc = {
		.endpoints = c->etcd_endpoints,
		.nendpoints = c->netcd,
		.prefix = c->etcd_prefix,
		.cafile = c->etcd_cafile,
		.certfile = c->etcd_certfile,
		.keyfile = c->etcd_keyfile,
		.subnet_file = c->subnet_file,
		.renew_margin = c->subnet_renew_margin,
		.public_ip = c->local,
		.vtep_mac = cfg->mac,
		.cli = {.has_vni = c->have_vni,
			.has_port = c->have_port,
			.has_mtu = c->mtu != 0,
			.vni = c->vni,
			.port = c->port,
			.mtu = c->mtu},
	};
	const struct flannel_config *fl;

	/* Secure mode publishes this node's key and needs the others'. */
	if (method_keyed(vx->method)) {
		fc.has_pubkey = true;
		vx->method->ops->own_key(vx->method, fc.pubkey);
	}
	if (c->local.family != AF_INET)
		fatalx("--etcd-endpoints: flannel's records hold IPv4 public addresses; --local is "
		       "IPv6");
	vx->loop = ev_default_loop(EVFLAG_AUTO);
	if (vx->loop == NULL)
		fatalx("cannot make the event loop");
	vx->flnode = flnode_start(vx->loop, &fc);
	flnode_wait_lease(vx->flnode);
	fl = flnode_config(vx->flnode);
	c->vni = fl->vni;
	c->port = fl->port;
	*mtu = c->mtu != 0 ? c->mtu : fl->mtu;
}

int main(int argc, char *argv[])
{
	static struct vxtap vx;
	struct service *svc;
	struct conf c;
	struct dp_config cfg;
	struct reload_conf rc;
	uint32_t mtu;
	int status;
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
	case CONF_PUBKEY:
		conf_free(&c);
		return pubkey();
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
	for (size_t i = 0; i < c.nwarnings; i++)
		log_warnx("%s", c.warnings[i]);
	check_fds(&c);
	ev_set_syserr_cb(ev_syserr);
	if (sodium_init() < 0)
		fatalx("libsodium failed to initialise");

	memcpy(vx.dev, c.dev, sizeof(vx.dev));
	memset(&cfg, 0, sizeof(cfg));
	cfg.learning = c.learning;
	vx.opts.offload = c.offload;
	vx.opts.busy_poll = c.busy_poll;
	vx.opts.spin_us = c.spin_us;
	setup_method(&vx, &c); /* a refused key file stops start-up before anything opens */
	if (c.key_file != NULL)
		check_memlock();
	pick_mac(&c, &cfg.mac);
	mtu = c.mtu;
	if (c.netcd > 0)
		join_etcd(&vx, &c, &cfg, &mtu);
	cfg.vni = c.vni;
	pick_mtu(&c, vx.method, mtu, &cfg);

	/* Everything that can be refused for what it says comes before any
	 * socket is bound: the command line, the key file, the peers file. */
	setup_tables(&vx, &c, &cfg);
	rc = (struct reload_conf){.peers_file = c.peers_file, .key_file = c.key_file};
	rc.net.local = c.local;
	rc.net.port = c.port;
	rc.net.secure = c.key_file != NULL;
	rc.key_owner = c.key_file != NULL ? priv_run_uid(&c) : 0;
	vx.reload = reload_new(&vx, &rc);
	reload_load(vx.reload);

	setup_ctl(&vx, &c); /* a second vxtap for the device stops here */
	vx.fds.udp = udp_open(&c.local, c.port);
	if (vx.fds.udp < 0) {
		errno = -vx.fds.udp;
		fatal("cannot bind UDP %s port %u", ipaddr_fmt(&c.local, a), c.port);
	}
	setup_tap(&vx, &c);
	if (vx.opts.offload) {
		vx.caps.udp_gso = udp_probe_gso(vx.fds.udp);
		vx.caps.udp_gro = udp_enable_gro(vx.fds.udp);
	}
	if (loop_init(&vx) != 0)
		fatalx("out of memory");
	if (vx.flnode != NULL)
		flnode_attach(vx.flnode, &vx, vx.dp.cfg.mtu);
	ctl_start(vx.ctl);
	reload_start(vx.reload);
	/* $NOTIFY_SOCKET and --metrics, once the TAP is up, before priv_drop. */
	svc = service_start(&vx, &c);
	loop_start_method(&vx);
	priv_drop(&c);
	log_public_key(&vx, &c);

	log_info("ready dev %s mac %s mtu %u path_mtu %u vni %u local %s port %u control %s "
		 "peers %zu offload %s%s%s%s%s",
		 vx.dev, mac_fmt(&vx.dp.cfg.mac, m), vx.dp.cfg.mtu, vx.dp.cfg.path_mtu,
		 vx.dp.cfg.vni, ipaddr_fmt(&c.local, a), c.port,
		 vx.ctl != NULL ? ctl_path(vx.ctl) : "none", peers_count(vx.dp.peers),
		 vx.caps.vnet ? "tap" : "none", vx.caps.udp_gso ? ",udp-gso" : "",
		 vx.caps.udp_gro ? ",udp-gro" : "", vx.opts.busy_poll ? " busy-poll" : "",
		 method_keyed(vx.method) ? " secure" : "");
	service_ready(svc); /* READY=1; SIGHUP and peer-count notifications */
	status = loop_run(&vx);
	service_stop(svc);	/* STOPPING=1; the HTTP endpoint closes */
	flnode_free(vx.flnode); /* the lease stays; the routes go with the TAP */
	ctl_free(vx.ctl);
	reload_free(vx.reload);

	/* Closing the last descriptor of a non-persistent TAP removes it. */
	close(vx.fds.tap);
	close(vx.fds.udp);
	loop_free(&vx);
	vx.method->ops->free(vx.method);
	dp_fini(&vx.dp);
	conf_free(&c);
	return status;
}
