/* check_conf: command-line vectors for conf_parse, good and bad, with exact errors. */
#include <arpa/inet.h>
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "crypto.h"

#include "check_run.h"

#define MAXARGS 24
#define DUMPLEN 1024

/* Run conf_parse on a NULL-terminated list, from writable copies as a real
 * argv would be. */
static enum conf_status run(struct conf *c, const char *const *args, char err[static CONF_ERRLEN])
{
	char *argv[MAXARGS + 1];
	int argc = 0;
	enum conf_status st;

	while (args[argc] != NULL) {
		ck_assert_int_lt(argc, MAXARGS);
		argv[argc] = strdup(args[argc]);
		ck_assert_ptr_nonnull(argv[argc]);
		argc++;
	}
	argv[argc] = NULL;
	memset(err, 'x', CONF_ERRLEN);
	st = conf_parse(c, argc, argv, err);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return st;
}

__attribute__((format(printf, 3, 4))) static void put(char *out, size_t size, const char *fmt, ...)
{
	size_t len = strlen(out);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out + len, size - len, fmt, ap);
	va_end(ap);
}

static const char *ip_str(const struct ipaddr *ip, char buf[static INET6_ADDRSTRLEN])
{
	ck_assert(ip->family == AF_INET || ip->family == AF_INET6);
	ck_assert_ptr_nonnull(inet_ntop(ip->family, ip->a, buf, INET6_ADDRSTRLEN));
	return buf;
}

static void put_ep(char *out, size_t size, const struct endpoint *ep)
{
	char b[INET6_ADDRSTRLEN];

	if (ep->ip.family == AF_INET6)
		put(out, size, "[%s]:%u", ip_str(&ep->ip, b), ep->port);
	else
		put(out, size, "%s:%u", ip_str(&ep->ip, b), ep->port);
}

static void put_mac(char *out, size_t size, const struct mac *m)
{
	put(out, size, "%02x:%02x:%02x:%02x:%02x:%02x", m->b[0], m->b[1], m->b[2], m->b[3], m->b[4],
	    m->b[5]);
}

/* Every field of c as "key=value ..." in a fixed order; lists joined by ','. */
static void dump(const struct conf *c, char out[static DUMPLEN])
{
	char b[INET6_ADDRSTRLEN];

	out[0] = '\0';
	put(out, DUMPLEN, "dev=%s vni=%u port=%u local=%s peers=", c->dev, c->vni, c->port,
	    ip_str(&c->local, b));
	for (size_t i = 0; i < c->npeers; i++) {
		char k[KEYTEXT_LEN];

		put(out, DUMPLEN, "%s", i ? "," : "");
		put_ep(out, DUMPLEN, &c->peers[i]);
		if (c->peer_keys[i].set) {
			keytext_format(c->peer_keys[i].pub, k);
			put(out, DUMPLEN, "=%s", k);
		}
	}
	put(out, DUMPLEN, " addr=%s", c->naddrs ? "" : "-");
	for (size_t i = 0; i < c->naddrs; i++)
		put(out, DUMPLEN, "%s%s/%u", i ? "," : "", ip_str(&c->addrs[i].ip, b),
		    c->addrs[i].plen);
	put(out, DUMPLEN, " mac=");
	if (c->have_mac)
		put_mac(out, DUMPLEN, &c->mac);
	else
		put(out, DUMPLEN, "-");
	put(out, DUMPLEN, " mtu=%u fdb=%s", c->mtu, c->nfdb ? "" : "-");
	for (size_t i = 0; i < c->nfdb; i++) {
		put(out, DUMPLEN, "%s", i ? "," : "");
		put_mac(out, DUMPLEN, &c->fdb[i].mac);
		put(out, DUMPLEN, "=");
		put_ep(out, DUMPLEN, &c->fdb[i].dst);
	}
	put(out, DUMPLEN, " neigh=%s", c->nneigh ? "" : "-");
	for (size_t i = 0; i < c->nneigh; i++) {
		put(out, DUMPLEN, "%s%s=", i ? "," : "", ip_str(&c->neigh[i].ip, b));
		put_mac(out, DUMPLEN, &c->neigh[i].mac);
	}
	put(out, DUMPLEN, " ageing=%u learning=%d max_fdb=%u verbose=%d", c->ageing,
	    (int)c->learning, c->max_fdb, c->verbose);
	put(out, DUMPLEN, " control=%s peers_file=%s key_file=%s psk_file=%s",
	    c->control ? c->control : "-", c->peers_file ? c->peers_file : "-",
	    c->key_file ? c->key_file : "-", c->psk_file ? c->psk_file : "-");
	put(out, DUMPLEN, " fdb_per_peer=%u max_moves=%u flood_rate=%u user=%s",
	    c->max_fdb_per_peer, c->max_moves, c->flood_rate, c->user ? c->user : "-");
	put(out, DUMPLEN, " etcd=%s", c->netcd ? "" : "-");
	for (size_t i = 0; i < c->netcd; i++)
		put(out, DUMPLEN, "%s%s", i ? "," : "", c->etcd_endpoints[i]);
	put(out, DUMPLEN, " prefix=%s ca=%s cert=%s key=%s subnet_file=%s margin=%u state_dir=%s",
	    c->etcd_prefix, c->etcd_cafile ? c->etcd_cafile : "-",
	    c->etcd_certfile ? c->etcd_certfile : "-", c->etcd_keyfile ? c->etcd_keyfile : "-",
	    c->subnet_file, c->subnet_renew_margin, c->state_dir);
	put(out, DUMPLEN, " metrics=");
	if (c->have_metrics)
		put_ep(out, DUMPLEN, &c->metrics);
	else
		put(out, DUMPLEN, "-");
	put(out, DUMPLEN, " busy_poll=%d spin_us=%u", (int)c->busy_poll, c->spin_us);
}

/* Every key in dump order, with its default. */
static const char defaults[] =
	"dev=vxtap0 vni=1 port=8472 local=- peers= addr=- mac=- mtu=0 "
	"fdb=- neigh=- ageing=300 learning=1 max_fdb=4096 verbose=0 "
	"control=- peers_file=- key_file=- psk_file=- "
	"fdb_per_peer=1024 max_moves=5 flood_rate=1000 user=- etcd=- "
	"prefix=/coreos.com/network ca=- cert=- key=- "
	"subnet_file=/run/flannel/subnet.env margin=60 state_dir=/var/lib/vxtap metrics=- "
	"busy_poll=0 spin_us=100";

/* The value of key in a "key=value ..." string, or NULL. */
static const char *find_val(const char *s, const char *key, size_t *len)
{
	size_t klen = strlen(key);

	for (const char *t = s; *t != '\0';) {
		const char *sp = strchr(t, ' ');
		size_t tlen = sp ? (size_t)(sp - t) : strlen(t);
		if (tlen > klen && strncmp(t, key, klen) == 0 && t[klen] == '=') {
			*len = tlen - klen - 1;
			return t + klen + 1;
		}
		t += tlen;
		while (*t == ' ')
			t++;
	}
	return NULL;
}

/* The whole dump a vector expects: defaults with its overrides applied. */
static void expect(const char *overrides, char out[static DUMPLEN])
{
	out[0] = '\0';
	for (const char *t = defaults; *t != '\0';) {
		size_t klen = strcspn(t, "="), len;
		char key[16];
		const char *v;

		ck_assert_uint_lt(klen, sizeof(key));
		memcpy(key, t, klen);
		key[klen] = '\0';
		v = find_val(overrides, key, &len);
		if (v == NULL)
			v = find_val(defaults, key, &len);
		put(out, DUMPLEN, "%s%s=%.*s", t == defaults ? "" : " ", key, (int)len, v);
		t += strcspn(t, " ");
		t += strspn(t, " ");
	}
}

/* Each override must name a real key, or a typo would pass unnoticed. */
static void check_keys(const char *overrides)
{
	for (const char *t = overrides; *t != '\0';) {
		size_t klen = strcspn(t, "="), len;
		char key[16];

		ck_assert_uint_lt(klen, sizeof(key));
		memcpy(key, t, klen);
		key[klen] = '\0';
		ck_assert_msg(find_val(defaults, key, &len) != NULL, "unknown key %s", key);
		t += strcspn(t, " ");
		t += strspn(t, " ");
	}
}

/* clang-format off */
#define ARGS(...) {"vxtap", "--local", "10.0.0.1", "--peer", "10.0.0.2", __VA_ARGS__, NULL}
/* clang-format on */

struct ok_vec {
	const char *argv[MAXARGS + 1];
	const char *want; /* fields that differ from the defaults */
};

/* Two public keys in base64 (any 32 bytes are one) and what is not one. */
#define K1 "YtWsQf8PSQymCv74rbHOT2uIbdmP7ee8hliF7Rlpz2U="
#define K2 "webGOa0Lm3i4e+zhIRDhVMzhfFBrgUYJYfb+KCfVEHE="

static const struct ok_vec ok_vecs[] = {
	/* Secure mode: each peer with its public key, split at the first '='. */
	{{"vxtap", "--local", "10.0.0.1", "--key-file", "/etc/vxtap/key", "--peer",
	  "10.0.0.2=" K1 ",10.0.0.3:4789=" K2, NULL},
	 "local=10.0.0.1 peers=10.0.0.2:8472=" K1 ",10.0.0.3:4789=" K2 " key_file=/etc/vxtap/key"},
	{{"vxtap", "--peer=[fd00::2]=" K1, "--local", "fd00::1", "--key-file=/k", "--psk-file=/p",
	  NULL},
	 "local=fd00::1 peers=[fd00::2]:8472=" K1 " key_file=/k psk_file=/p"},
	/* A key file and a peers file: the file's lines are checked later. */
	{{"vxtap", "--local", "10.0.0.1", "--key-file", "/k", "--peers-file", "/p", NULL},
	 "local=10.0.0.1 peers= peers_file=/p key_file=/k"},
	{{"vxtap", "--local", "192.168.56.41", "--peer", "192.168.56.42", NULL},
	 "local=192.168.56.41 peers=192.168.56.42:8472"},
	/* The seed's node 1. */
	{{"vxtap", "--dev", "flannel.1", "--vni", "1", "--port", "8472", "--local", "192.168.56.41",
	  "--peer", "192.168.56.42", "--peer", "192.168.56.43", "--addr", "10.244.0.1/16", NULL},
	 "dev=flannel.1 local=192.168.56.41 peers=192.168.56.42:8472,192.168.56.43:8472 "
	 "addr=10.244.0.1/16"},
	{{"vxtap", "--local", "10.0.0.1", "--peer", "10.0.0.2,10.0.0.3:4789,10.0.0.4", NULL},
	 "local=10.0.0.1 peers=10.0.0.2:8472,10.0.0.3:4789,10.0.0.4:8472"},
	{{"vxtap", "--peer", "10.0.0.2,10.0.0.3", "--peer", "10.0.0.4", "--local", "10.0.0.1",
	  NULL},
	 "local=10.0.0.1 peers=10.0.0.2:8472,10.0.0.3:8472,10.0.0.4:8472"},
	/* A peer's default port comes from a --port given after it. */
	{{"vxtap", "--peer", "10.0.0.2", "--peer", "10.0.0.3:9999", "--port", "4789", "--local",
	  "10.0.0.1", NULL},
	 "port=4789 local=10.0.0.1 peers=10.0.0.2:4789,10.0.0.3:9999"},
	{{"vxtap", "--dev=flannel.1", "--vni=42", "--port=4789", "--local=10.0.0.1",
	  "--peer=10.0.0.2,10.0.0.3", "--addr=10.244.1.0/24", "--mac=02:00:00:00:00:01",
	  "--mtu=1400", "--ageing=60", "--max-fdb=100", "--fdb=02:00:00:00:00:02=10.0.0.2",
	  "--neigh=10.244.2.0=02:00:00:00:00:02", NULL},
	 "dev=flannel.1 vni=42 port=4789 local=10.0.0.1 peers=10.0.0.2:4789,10.0.0.3:4789 "
	 "addr=10.244.1.0/24 mac=02:00:00:00:00:01 mtu=1400 fdb=02:00:00:00:00:02=10.0.0.2:4789 "
	 "neigh=10.244.2.0=02:00:00:00:00:02 ageing=60 max_fdb=100 fdb_per_peer=25"},
	/* The seed's node 3 with its static entries; fdb ports from a later --port. */
	{{"vxtap",
	  "--dev",
	  "flannel.1",
	  "--local",
	  "192.168.56.43",
	  "--peer",
	  "192.168.56.41,192.168.56.42",
	  "--addr",
	  "10.244.0.3/16",
	  "--fdb",
	  "9e:59:43:cf:84:da=192.168.56.41",
	  "--fdb",
	  "a2:be:c4:ef:4d:17=192.168.56.42:4789",
	  "--neigh",
	  "10.244.0.1=9e:59:43:cf:84:da",
	  "--neigh",
	  "10.244.0.2=a2:be:c4:ef:4d:17",
	  "--port",
	  "8473",
	  NULL},
	 "dev=flannel.1 port=8473 local=192.168.56.43 peers=192.168.56.41:8473,192.168.56.42:8473 "
	 "addr=10.244.0.3/16 fdb=9e:59:43:cf:84:da=192.168.56.41:8473,"
	 "a2:be:c4:ef:4d:17=192.168.56.42:4789 "
	 "neigh=10.244.0.1=9e:59:43:cf:84:da,10.244.0.2=a2:be:c4:ef:4d:17"},
	/* Multicast and broadcast MACs are fine in the FDB (the kernel allows them). */
	{ARGS("--fdb", "01:00:5e:00:00:01=10.0.0.2", "--fdb", "ff:ff:ff:ff:ff:ff=10.0.0.3"),
	 "local=10.0.0.1 peers=10.0.0.2:8472 "
	 "fdb=01:00:5e:00:00:01=10.0.0.2:8472,ff:ff:ff:ff:ff:ff=10.0.0.3:8472"},
	{ARGS("--no-learning", "--ageing", "0"),
	 "local=10.0.0.1 peers=10.0.0.2:8472 learning=0 ageing=0"},
	{ARGS("-v", "--verbose", "-vv"), "local=10.0.0.1 peers=10.0.0.2:8472 verbose=4"},
	{ARGS("-d", "flannel.1"), "dev=flannel.1 local=10.0.0.1 peers=10.0.0.2:8472"},
	{ARGS("-dflannel.1"), "dev=flannel.1 local=10.0.0.1 peers=10.0.0.2:8472"},
	{ARGS("-vd", "x"), "dev=x local=10.0.0.1 peers=10.0.0.2:8472 verbose=1"},
	{ARGS("--dev", "abcdefghijklmno"),
	 "dev=abcdefghijklmno local=10.0.0.1 peers=10.0.0.2:8472"},
	{{"vxtap", "--local", "fd00::1", "--peer", "fd00::2,[fd00::3]:4789", NULL},
	 "local=fd00::1 peers=[fd00::2]:8472,[fd00::3]:4789"},
	{ARGS("--vni", "0", "--port", "1", "--mtu", "68", "--ageing", "1000000", "--max-fdb", "0"),
	 "vni=0 port=1 local=10.0.0.1 peers=10.0.0.2:1 mtu=68 ageing=1000000 max_fdb=0 "
	 "fdb_per_peer=0"},
	{ARGS("--vni", "16777215", "--port", "65535", "--mtu", "65000", "--max-fdb", "16777216"),
	 "vni=16777215 port=65535 local=10.0.0.1 peers=10.0.0.2:65535 mtu=65000 max_fdb=16777216 "
	 "fdb_per_peer=4194304"},
	/* Hardening: the per-peer cap defaults to a quarter of --max-fdb,
	 * rounded up, whichever order they come in; limits off with 0. */
	{ARGS("--max-fdb", "10"), "local=10.0.0.1 peers=10.0.0.2:8472 max_fdb=10 fdb_per_peer=3"},
	{ARGS("--max-fdb", "1"), "local=10.0.0.1 peers=10.0.0.2:8472 max_fdb=1 fdb_per_peer=1"},
	{ARGS("--max-fdb-per-peer", "50", "--max-fdb", "8"),
	 "local=10.0.0.1 peers=10.0.0.2:8472 max_fdb=8 fdb_per_peer=50"},
	{ARGS("--max-fdb-per-peer=0", "--max-moves", "0", "--flood-rate", "0", "--user", "nobody"),
	 "local=10.0.0.1 peers=10.0.0.2:8472 fdb_per_peer=0 max_moves=0 flood_rate=0 user=nobody"},
	{ARGS("--max-fdb-per-peer", "16777216", "--max-moves", "1000000", "--flood-rate",
	      "10000000", "--user", "_vx.tap-01$"),
	 "local=10.0.0.1 peers=10.0.0.2:8472 fdb_per_peer=16777216 max_moves=1000000 "
	 "flood_rate=10000000 user=_vx.tap-01$"},
	/* Polling: --spin-us 0 turns the windows off; --busy-poll never sleeps. */
	{ARGS("--spin-us", "0"), "local=10.0.0.1 peers=10.0.0.2:8472 spin_us=0"},
	{ARGS("--spin-us=10000", "--busy-poll"),
	 "local=10.0.0.1 peers=10.0.0.2:8472 busy_poll=1 spin_us=10000"},
	{ARGS("--user", "a", "--user", "abcdefghijklmnopqrstuvwxyz012345"),
	 "local=10.0.0.1 peers=10.0.0.2:8472 user=abcdefghijklmnopqrstuvwxyz012345"},
	/* Leading zeros are still decimal; the last of a repeated scalar wins. */
	{ARGS("--vni", "007", "--vni", "0010"), "vni=10 local=10.0.0.1 peers=10.0.0.2:8472"},
	{ARGS("--local", "10.0.0.9"), "local=10.0.0.9 peers=10.0.0.2:8472"},
	{ARGS("--mac", "02-AB-cd-00-00-01"),
	 "local=10.0.0.1 peers=10.0.0.2:8472 mac=02:ab:cd:00:00:01"},
	{ARGS("--addr", "10.244.0.1/32"), "local=10.0.0.1 peers=10.0.0.2:8472 addr=10.244.0.1/32"},
	/* IPv6: a dual-stack overlay on an IPv6 underlay, IPv6 proxy entries. */
	{{"vxtap", "--local", "fd00:56::41", "--peer", "fd00:56::42,[fd00:56::43]:4789", "--addr",
	  "10.244.0.1/16", "--addr", "fd00:244::1/64", "--neigh", "fd00:244::2=0a:00:00:00:00:02",
	  "--neigh", "10.244.0.2=0a:00:00:00:00:02", "--fdb", "0a:00:00:00:00:02=[fd00:56::42]",
	  NULL},
	 "local=fd00:56::41 peers=[fd00:56::42]:8472,[fd00:56::43]:4789 "
	 "addr=10.244.0.1/16,fd00:244::1/64 fdb=0a:00:00:00:00:02=[fd00:56::42]:8472 "
	 "neigh=fd00:244::2=0a:00:00:00:00:02,10.244.0.2=0a:00:00:00:00:02"},
	{ARGS("--addr", "fd00:244::1/64", "--addr", "10.244.0.1/16", "--addr", "10.245.0.1/16"),
	 "local=10.0.0.1 peers=10.0.0.2:8472 addr=fd00:244::1/64,10.244.0.1/16,10.245.0.1/16"},
	{ARGS("--addr", "fd00:244::1/128", "--mtu", "1280"),
	 "local=10.0.0.1 peers=10.0.0.2:8472 addr=fd00:244::1/128 mtu=1280"},
	{ARGS("--neigh", "fe80::2=0a:00:00:00:00:02"),
	 "local=10.0.0.1 peers=10.0.0.2:8472 neigh=fe80::2=0a:00:00:00:00:02"},
	{{"vxtap", "--local", "2001:db8::1", "--peer", "2001:db8::2", NULL},
	 "local=2001:db8::1 peers=[2001:db8::2]:8472"},
	{ARGS("--"), "local=10.0.0.1 peers=10.0.0.2:8472"},
	/* --metrics: any family whatever the underlay's, wildcards allowed. */
	{ARGS("--metrics", "127.0.0.1:9472"),
	 "local=10.0.0.1 peers=10.0.0.2:8472 metrics=127.0.0.1:9472"},
	{ARGS("--metrics=0.0.0.0:80"), "local=10.0.0.1 peers=10.0.0.2:8472 metrics=0.0.0.0:80"},
	{ARGS("--metrics", "[::]:9472"), "local=10.0.0.1 peers=10.0.0.2:8472 metrics=[::]:9472"},
	{ARGS("--metrics", "[fd00::1]:65535", "--metrics", "[::1]:1"),
	 "local=10.0.0.1 peers=10.0.0.2:8472 metrics=[::1]:1"},
	/* The control socket and the peers file; the file may stand in for --peer. */
	{ARGS("--control", "/tmp/x/vx.sock", "--peers-file=/etc/vxtap/peers"),
	 "local=10.0.0.1 peers=10.0.0.2:8472 control=/tmp/x/vx.sock peers_file=/etc/vxtap/peers"},
	{{"vxtap", "--local", "10.0.0.1", "--peers-file", "peers.txt", NULL},
	 "local=10.0.0.1 peers_file=peers.txt"},
	{ARGS("--control", "a.sock", "--control", "b.sock"),
	 "local=10.0.0.1 peers=10.0.0.2:8472 control=b.sock"},
	/* 107 bytes: the most a socket path holds. */
	{ARGS("--control", "/run/vxtap/01234567890123456789012345678901234567890123456789012345678"
			   "90123456789012345678901234567890.sock"),
	 "local=10.0.0.1 peers=10.0.0.2:8472 "
	 "control=/run/vxtap/012345678901234567890123456789012345678"
	 "9012345678901234567890123456789012345678901234567890.sock"},
	/* The etcd control plane: --peer optional, flannel's defaults. */
	{{"vxtap", "--local", "192.168.56.41", "--etcd-endpoints", "http://192.168.56.10:2379",
	  NULL},
	 "local=192.168.56.41 etcd=http://192.168.56.10:2379"},
	{{"vxtap",
	  "--local",
	  "192.168.56.41",
	  "--etcd-endpoints",
	  "https://192.168.56.10:2379/,https://[fd00:56::10]:2379,http://etcd.example",
	  "--etcd-prefix",
	  "/my/net",
	  "--etcd-cafile",
	  "/etc/ca.pem",
	  "--etcd-certfile",
	  "/etc/c.pem",
	  "--etcd-keyfile",
	  "/etc/c.key",
	  "--subnet-file",
	  "/tmp/s.env",
	  "--subnet-lease-renew-margin",
	  "1439",
	  "--state-dir",
	  "/srv/vxtap",
	  NULL},
	 "local=192.168.56.41 "
	 "etcd=https://192.168.56.10:2379,https://[fd00:56::10]:2379,http://etcd.example "
	 "prefix=/my/net ca=/etc/ca.pem cert=/etc/c.pem key=/etc/c.key subnet_file=/tmp/s.env "
	 "margin=1439 state_dir=/srv/vxtap"},
};

START_TEST(test_ok)
{
	const struct ok_vec *v = &ok_vecs[_i];
	char err[CONF_ERRLEN], got[DUMPLEN], want[DUMPLEN];
	struct conf c;
	enum conf_status st = run(&c, v->argv, err);

	ck_assert_msg(st == CONF_RUN, "vector %d: status %d, err \"%s\"", _i, st, err);
	ck_assert_str_eq(err, "");
	dump(&c, got);
	check_keys(v->want);
	expect(v->want, want);
	ck_assert_str_eq(got, want);
	conf_free(&c);
}
END_TEST

struct bad_vec {
	const char *argv[MAXARGS + 1];
	enum conf_status st;
	const char *err;
};

#define E CONF_ERROR
#define U CONF_USAGE

static const struct bad_vec bad_vecs[] = {
/* keys of peers */
#define KARGS(...)                                                                    \
	{                                                                             \
		"vxtap", "--local", "10.0.0.1", "--key-file", "/k", __VA_ARGS__, NULL \
	}
	{KARGS("--peer", "10.0.0.2"), E,
	 "--peer: \"10.0.0.2\" has no public key (secure mode: ADDR[:PORT]=PUBKEY)"},
	{KARGS("--peer", "10.0.0.2=" K1 ",10.0.0.3"), E,
	 "--peer: \"10.0.0.3\" has no public key (secure mode: ADDR[:PORT]=PUBKEY)"},
	{ARGS("--peer", "10.0.0.3=" K1), E,
	 "--peer: \"10.0.0.3=" K1 "\" has a public key, but there is no --key-file"},
	{KARGS("--peer", "10.0.0.2="), E,
	 "--peer: \"10.0.0.2=\" has a public key that is not 32 bytes of base64"},
	{KARGS("--peer", "10.0.0.2=YtWsQf8PSQymCv74rbHOT2uIbdmP7ee8hliF7Rlpz2"), E,
	 "--peer: \"10.0.0.2=YtWsQf8PSQymCv74rbHOT2uIbdmP7ee8hliF7Rlpz2\" has a public key that is "
	 "not 32 bytes of base64"},
	{KARGS("--peer", "10.0.0.2=" K1 "=="), E,
	 "--peer: \"10.0.0.2=" K1 "==\" has a public key that is not 32 bytes of base64"},
	{KARGS("--peer", "=" K1), E, "--peer: \"=" K1 "\" is not ADDR[:PORT][=PUBKEY]"},
	{KARGS("--peer", "10.0.0.2:x=" K1), E,
	 "--peer: \"10.0.0.2:x=" K1 "\" is not ADDR[:PORT][=PUBKEY]"},
	{KARGS("--peer", "10.0.0.2=" K1, "--peer", "10.0.0.2=" K2), E,
	 "--peer: \"10.0.0.2=" K2 "\" is listed twice"},
#undef KARGS
	{ARGS("--psk-file", "/p"), U, "--psk-file needs --key-file"},
	{ARGS("--psk-file"), U, "option '--psk-file' requires an argument"},
	{ARGS("--pubkey=x"), U, "option '--pubkey' doesn't allow an argument"},
	/* --dev */
	{ARGS("--dev", ""), E, "--dev: \"\" is not a valid interface name"},
	{ARGS("--dev="), E, "--dev: \"\" is not a valid interface name"},
	{ARGS("--dev", "0123456789abcdef"), E,
	 "--dev: \"0123456789abcdef\" is longer than 15 bytes"},
	{ARGS("--dev", "a/b"), E, "--dev: \"a/b\" is not a valid interface name"},
	{ARGS("--dev", "a b"), E, "--dev: \"a b\" is not a valid interface name"},
	{ARGS("--dev", "a\tb"), E, "--dev: \"a\\x09b\" is not a valid interface name"},
	{ARGS("--dev", "eth0:1"), E, "--dev: \"eth0:1\" is not a valid interface name"},
	{ARGS("--dev", "."), E, "--dev: \".\" is not a valid interface name"},
	{ARGS("--dev", ".."), E, "--dev: \"..\" is not a valid interface name"},
	/* --vni */
	{ARGS("--vni", "16777216"), E, "--vni: \"16777216\" is out of range (0-16777215)"},
	{ARGS("--vni", "99999999999999999999999"), E,
	 "--vni: \"99999999999999999999999\" is out of range (0-16777215)"},
	{ARGS("--vni", "abc"), E, "--vni: \"abc\" is not a number"},
	{ARGS("--vni", ""), E, "--vni: \"\" is not a number"},
	{ARGS("--vni="), E, "--vni: \"\" is not a number"},
	{ARGS("--vni", "-1"), E, "--vni: \"-1\" is not a number"},
	{ARGS("--vni", "+1"), E, "--vni: \"+1\" is not a number"},
	{ARGS("--vni", " 1"), E, "--vni: \" 1\" is not a number"},
	{ARGS("--vni", "1 "), E, "--vni: \"1 \" is not a number"},
	{ARGS("--vni", "1x"), E, "--vni: \"1x\" is not a number"},
	{ARGS("--vni", "0x10"), E, "--vni: \"0x10\" is not a number"},
	/* --port */
	{ARGS("--port", "0"), E, "--port: \"0\" is out of range (1-65535)"},
	{ARGS("--port", "65536"), E, "--port: \"65536\" is out of range (1-65535)"},
	{ARGS("--port", "80a"), E, "--port: \"80a\" is not a number"},
	{ARGS("--port", ""), E, "--port: \"\" is not a number"},
	/* --local */
	{ARGS("--local", "1.2.3"), E, "--local: \"1.2.3\" is not an IP address"},
	{ARGS("--local", ""), E, "--local: \"\" is not an IP address"},
	{ARGS("--local", "10.0.0.1:8472"), E, "--local: \"10.0.0.1:8472\" is not an IP address"},
	{ARGS("--local", "node1"), E, "--local: \"node1\" is not an IP address"},
	{ARGS("--local", "0.0.0.0"), E, "--local: \"0.0.0.0\" is not a unicast address"},
	{ARGS("--local", "224.0.0.1"), E, "--local: \"224.0.0.1\" is not a unicast address"},
	{ARGS("--local", "255.255.255.255"), E,
	 "--local: \"255.255.255.255\" is not a unicast address"},
	{ARGS("--local", "::"), E, "--local: \"::\" is not a unicast address"},
	{ARGS("--local", "ff02::1"), E, "--local: \"ff02::1\" is not a unicast address"},
	{ARGS("--local", "fe80::1"), E,
	 "--local: \"fe80::1\" is a link-local address (give a global or unique-local one)"},
	{ARGS("--local", "::ffff:10.0.0.1"), E,
	 "--local: \"::ffff:10.0.0.1\" is an IPv4-mapped address (give it as IPv4)"},
	{ARGS("--local", "[fd00::1]"), E, "--local: \"[fd00::1]\" is not an IP address"},
	/* --peer */
	{ARGS("--peer", "1.2.3.4:0"), E, "--peer: \"1.2.3.4:0\" is not ADDR[:PORT][=PUBKEY]"},
	{ARGS("--peer", "1.2.3.4:65536"), E,
	 "--peer: \"1.2.3.4:65536\" is not ADDR[:PORT][=PUBKEY]"},
	{ARGS("--peer", "1.2.3"), E, "--peer: \"1.2.3\" is not ADDR[:PORT][=PUBKEY]"},
	{ARGS("--peer", ""), E, "--peer: \"\" is not ADDR[:PORT][=PUBKEY]"},
	{ARGS("--peer", "10.0.0.3,1.2.3.4:x"), E,
	 "--peer: \"1.2.3.4:x\" is not ADDR[:PORT][=PUBKEY]"},
	{ARGS("--peer", "10.0.0.3,,10.0.0.4"), E,
	 "--peer: \"10.0.0.3,,10.0.0.4\" has an empty list element"},
	{ARGS("--peer", "10.0.0.3,"), E, "--peer: \"10.0.0.3,\" has an empty list element"},
	{ARGS("--peer", ",10.0.0.3"), E, "--peer: \",10.0.0.3\" has an empty list element"},
	{ARGS("--peer", "10.0.0.2"), E, "--peer: \"10.0.0.2\" is listed twice"},
	{ARGS("--peer", "10.0.0.2:4789"), E, "--peer: \"10.0.0.2:4789\" is listed twice"},
	{ARGS("--peer", "10.0.0.3,10.0.0.3"), E, "--peer: \"10.0.0.3\" is listed twice"},
	{ARGS("--peer", "10.0.0.1"), E, "--peer: \"10.0.0.1\" is the --local address"},
	{{"vxtap", "--peer", "10.0.0.5:4789", "--local", "10.0.0.5", NULL},
	 E,
	 "--peer: \"10.0.0.5:4789\" is the --local address"},
	{ARGS("--peer", "fd00::2"), E, "--peer: \"fd00::2\" is IPv6 but --local is IPv4"},
	{{"vxtap", "--local", "fd00::1", "--peer", "fd00::2,10.0.0.2", NULL},
	 E,
	 "--peer: \"10.0.0.2\" is IPv4 but --local is IPv6"},
	{ARGS("--peer", "239.1.1.1"), E, "--peer: \"239.1.1.1\" is not a unicast address"},
	{ARGS("--peer", "0.0.0.0"), E, "--peer: \"0.0.0.0\" is not a unicast address"},
	{{"vxtap", "--local", "fd00::1", "--peer", "fd00::2,[fe80::3]:8472", NULL},
	 E,
	 "--peer: \"[fe80::3]:8472\" is a link-local address (give a global or unique-local one)"},
	{{"vxtap", "--local", "fd00::1", "--peer", "ff02::2", NULL},
	 E,
	 "--peer: \"ff02::2\" is not a unicast address"},
	{{"vxtap", "--local", "fd00::1", "--peer", "fd00::1", NULL},
	 E,
	 "--peer: \"fd00::1\" is the --local address"},
	{{"vxtap", "--local", "fd00::1", "--peer", "[fd00::2]:0", NULL},
	 E,
	 "--peer: \"[fd00::2]:0\" is not ADDR[:PORT][=PUBKEY]"},
	{{"vxtap", "--local", "fd00::1", "--peer", "[fd00::2", NULL},
	 E,
	 "--peer: \"[fd00::2\" is not ADDR[:PORT][=PUBKEY]"},
	/* --addr */
	{ARGS("--addr", "10.244.0.1"), E, "--addr: \"10.244.0.1\" is not ADDR/LEN"},
	{ARGS("--addr", "10.244.0.1/33"), E, "--addr: \"10.244.0.1/33\" is not ADDR/LEN"},
	{ARGS("--addr", "10.244.0.1/"), E, "--addr: \"10.244.0.1/\" is not ADDR/LEN"},
	{ARGS("--addr", "10.244.0/16"), E, "--addr: \"10.244.0/16\" is not ADDR/LEN"},
	{ARGS("--addr", "fd00::1/129"), E, "--addr: \"fd00::1/129\" is not ADDR/LEN"},
	{ARGS("--addr", "fd00::1"), E, "--addr: \"fd00::1\" is not ADDR/LEN"},
	{ARGS("--addr", "[fd00::1]/64"), E, "--addr: \"[fd00::1]/64\" is not ADDR/LEN"},
	{ARGS("--addr", ""), E, "--addr: \"\" is not ADDR/LEN"},
	{ARGS("--addr", "ff02::1/64"), E, "--addr: \"ff02::1/64\" is not a unicast address"},
	{ARGS("--addr", "::/0"), E, "--addr: \"::/0\" is not a unicast address"},
	{ARGS("--addr", "10.244.0.1/16", "--addr", "10.244.0.1/24"), E,
	 "--addr: \"10.244.0.1/24\" repeats an earlier address"},
	{ARGS("--addr", "fd00::1/64", "--addr", "fd00:0::1/48"), E,
	 "--addr: \"fd00:0::1/48\" repeats an earlier address"},
	{ARGS("--mtu", "1279", "--addr", "10.244.0.1/16", "--addr", "fd00::1/64"), E,
	 "--mtu: \"1279\" is below 1280, which an IPv6 --addr needs"},
	{ARGS("--addr", "0.0.0.0/0"), E, "--addr: \"0.0.0.0/0\" is not a unicast address"},
	/* --mac */
	{ARGS("--mac", "01:00:5e:00:00:01"), E,
	 "--mac: \"01:00:5e:00:00:01\" is a multicast address"},
	{ARGS("--mac", "ff:ff:ff:ff:ff:ff"), E,
	 "--mac: \"ff:ff:ff:ff:ff:ff\" is a multicast address"},
	{ARGS("--mac", "00:00:00:00:00:00"), E,
	 "--mac: \"00:00:00:00:00:00\" is the all-zero address"},
	{ARGS("--mac", "02:00:00:00:00"), E, "--mac: \"02:00:00:00:00\" is not a MAC address"},
	{ARGS("--mac", "02:00:00:00:00:0g"), E,
	 "--mac: \"02:00:00:00:00:0g\" is not a MAC address"},
	{ARGS("--mac", "02:00:00:00:00:01:02"), E,
	 "--mac: \"02:00:00:00:00:01:02\" is not a MAC address"},
	{ARGS("--mac", ""), E, "--mac: \"\" is not a MAC address"},
	/* --mtu */
	{ARGS("--mtu", "67"), E, "--mtu: \"67\" is out of range (68-65000)"},
	{ARGS("--mtu", "65001"), E, "--mtu: \"65001\" is out of range (68-65000)"},
	{ARGS("--mtu", "0"), E, "--mtu: \"0\" is out of range (68-65000)"},
	{ARGS("--mtu", "1500 "), E, "--mtu: \"1500 \" is not a number"},
	{ARGS("--mtu", ""), E, "--mtu: \"\" is not a number"},
	/* --fdb */
	{ARGS("--fdb", "xyz"), E, "--fdb: \"xyz\" is not MAC=ADDR"},
	{ARGS("--fdb", ""), E, "--fdb: \"\" is not MAC=ADDR"},
	{ARGS("--fdb", "02:00:00:00:00:01"), E, "--fdb: \"02:00:00:00:00:01\" is not MAC=ADDR"},
	{ARGS("--fdb", "=10.0.0.2"), E, "--fdb: \"=10.0.0.2\" is not MAC=ADDR"},
	{ARGS("--fdb", "02:00:00:00:00:01="), E, "--fdb: \"02:00:00:00:00:01=\" is not MAC=ADDR"},
	{ARGS("--fdb", "02:00:00:00:00:01=10.0.0.2:0"), E,
	 "--fdb: \"02:00:00:00:00:01=10.0.0.2:0\" is not MAC=ADDR"},
	{ARGS("--fdb", "02:00:00:00:00:1=10.0.0.2"), E,
	 "--fdb: \"02:00:00:00:00:1=10.0.0.2\" is not MAC=ADDR"},
	{ARGS("--fdb", "00:00:00:00:00:00=10.0.0.2"), E,
	 "--fdb: \"00:00:00:00:00:00=10.0.0.2\" has the all-zero MAC"},
	{ARGS("--fdb", "02:00:00:00:00:01=239.1.1.1"), E,
	 "--fdb: \"02:00:00:00:00:01=239.1.1.1\" has an address that is not unicast"},
	{ARGS("--fdb", "02:00:00:00:00:01=10.0.0.2", "--fdb", "02:00:00:00:00:01=10.0.0.3"), E,
	 "--fdb: \"02:00:00:00:00:01=10.0.0.3\" repeats an earlier MAC"},
	{ARGS("--fdb", "02:00:00:00:00:01=10.0.0.1"), E,
	 "--fdb: \"02:00:00:00:00:01=10.0.0.1\" points at the --local address"},
	{ARGS("--fdb", "02:00:00:00:00:01=[fd00::2]:8472"), E,
	 "--fdb: \"02:00:00:00:00:01=[fd00::2]:8472\" has an IPv6 address but --local is IPv4"},
	{{"vxtap", "--local", "fd00::1", "--peer", "fd00::2", "--fdb", "02:00:00:00:00:01=fe80::2",
	  NULL},
	 E,
	 "--fdb: \"02:00:00:00:00:01=fe80::2\" has a link-local or IPv4-mapped address"},
	{{"vxtap", "--local", "fd00::1", "--peer", "fd00::2", "--fdb", "02:00:00:00:00:01=10.0.0.2",
	  NULL},
	 E,
	 "--fdb: \"02:00:00:00:00:01=10.0.0.2\" has an IPv4 address but --local is IPv6"},
	/* --neigh */
	{ARGS("--neigh", "10.244.0.2"), E, "--neigh: \"10.244.0.2\" is not IP=MAC"},
	{ARGS("--neigh", ""), E, "--neigh: \"\" is not IP=MAC"},
	{ARGS("--neigh", "10.244.0.2="), E, "--neigh: \"10.244.0.2=\" is not IP=MAC"},
	{ARGS("--neigh", "=02:00:00:00:00:01"), E, "--neigh: \"=02:00:00:00:00:01\" is not IP=MAC"},
	{ARGS("--neigh", "10.244.0=02:00:00:00:00:01"), E,
	 "--neigh: \"10.244.0=02:00:00:00:00:01\" is not IP=MAC"},
	{ARGS("--neigh", "fd00::2=02:00:00:00:00"), E,
	 "--neigh: \"fd00::2=02:00:00:00:00\" is not IP=MAC"},
	{ARGS("--neigh", "[fd00::2]=02:00:00:00:00:01"), E,
	 "--neigh: \"[fd00::2]=02:00:00:00:00:01\" is not IP=MAC"},
	{ARGS("--neigh", "ff02::1=02:00:00:00:00:01"), E,
	 "--neigh: \"ff02::1=02:00:00:00:00:01\" has an IP that is not unicast"},
	{ARGS("--neigh", "fd00::2=02:00:00:00:00:01", "--neigh", "fd00:0::2=02:00:00:00:00:02"), E,
	 "--neigh: \"fd00:0::2=02:00:00:00:00:02\" repeats an earlier IP"},
	{ARGS("--neigh", "10.244.0.2=01:00:5e:00:00:01"), E,
	 "--neigh: \"10.244.0.2=01:00:5e:00:00:01\" has a multicast MAC"},
	{ARGS("--neigh", "10.244.0.2=00:00:00:00:00:00"), E,
	 "--neigh: \"10.244.0.2=00:00:00:00:00:00\" has the all-zero MAC"},
	{ARGS("--neigh", "0.0.0.0=02:00:00:00:00:01"), E,
	 "--neigh: \"0.0.0.0=02:00:00:00:00:01\" has an IP that is not unicast"},
	{ARGS("--neigh", "10.244.0.2=02:00:00:00:00:01", "--neigh", "10.244.0.2=02:00:00:00:00:02"),
	 E, "--neigh: \"10.244.0.2=02:00:00:00:00:02\" repeats an earlier IP"},
	/* --ageing, --max-fdb */
	{ARGS("--ageing", "1000001"), E, "--ageing: \"1000001\" is out of range (0-1000000)"},
	{ARGS("--ageing", "-0"), E, "--ageing: \"-0\" is not a number"},
	{ARGS("--ageing", "5m"), E, "--ageing: \"5m\" is not a number"},
	{ARGS("--max-fdb", "16777217"), E, "--max-fdb: \"16777217\" is out of range (0-16777216)"},
	{ARGS("--max-fdb", "many"), E, "--max-fdb: \"many\" is not a number"},
	/* Hardening. */
	{ARGS("--max-fdb-per-peer", "16777217"), E,
	 "--max-fdb-per-peer: \"16777217\" is out of range (0-16777216)"},
	{ARGS("--max-fdb-per-peer", "1k"), E, "--max-fdb-per-peer: \"1k\" is not a number"},
	{ARGS("--max-moves", "-1"), E, "--max-moves: \"-1\" is not a number"},
	{ARGS("--max-moves", "1000001"), E, "--max-moves: \"1000001\" is out of range (0-1000000)"},
	{ARGS("--flood-rate", "x"), E, "--flood-rate: \"x\" is not a number"},
	{ARGS("--flood-rate", "10000001"), E,
	 "--flood-rate: \"10000001\" is out of range (0-10000000)"},
	{ARGS("--flood-rate"), U, "option '--flood-rate' requires an argument"},
	{ARGS("--spin-us", "10001"), E, "--spin-us: \"10001\" is out of range (0-10000)"},
	{ARGS("--spin-us", "-1"), E, "--spin-us: \"-1\" is not a number"},
	{ARGS("--spin-us"), U, "option '--spin-us' requires an argument"},
	{ARGS("--user", ""), E, "--user: \"\" is not a user name"},
	{ARGS("--user", "no body"), E, "--user: \"no body\" is not a user name"},
	{ARGS("--user", "-x"), E, "--user: \"-x\" is not a user name"},
	{ARGS("--user", "a/b"), E, "--user: \"a/b\" is not a user name"},
	{ARGS("--user", "a:b"), E, "--user: \"a:b\" is not a user name"},
	{ARGS("--user", "a$b"), E, "--user: \"a$b\" is not a user name"},
	{ARGS("--user", "abcdefghijklmnopqrstuvwxyz0123456"), E,
	 "--user: \"abcdefghijklmnopqrstuvwxyz0123456\" is not a user name"},
	/* The command line as a whole. */
	{{"vxtap", NULL}, U, "missing --local"},
	{{"vxtap", "--peer", "10.0.0.2", NULL}, U, "missing --local"},
	/* --control, --peers-file */
	{ARGS("--control", ""), E, "--control: \"\" is not a path"},
	{ARGS("--control="), E, "--control: \"\" is not a path"},
	{ARGS("--peers-file", ""), E, "--peers-file: \"\" is not a path"},
	{ARGS("--control", "/run/vxtap/01234567890123456789012345678901234567890123456789012345678"
			   "901234567890123456789012345678901.sock"),
	 E,
	 "--control: \"/run/vxtap/0123456789012345678901234567890123456789012345678...\" is "
	 "longer than 107 bytes"},
	{ARGS("--control"), U, "option '--control' requires an argument"},
	{{"vxtap", "--local", "10.0.0.1", "--peers-file", NULL},
	 U,
	 "option '--peers-file' requires an argument"},
	/* --metrics */
	{ARGS("--metrics", "127.0.0.1"), E,
	 "--metrics: \"127.0.0.1\" has no port (give ADDR:PORT, or [ADDR]:PORT for IPv6)"},
	{ARGS("--metrics", "::1"), E,
	 "--metrics: \"::1\" has no port (give ADDR:PORT, or [ADDR]:PORT for IPv6)"},
	{ARGS("--metrics", "[::1]"), E,
	 "--metrics: \"[::1]\" has no port (give ADDR:PORT, or [ADDR]:PORT for IPv6)"},
	{ARGS("--metrics", "127.0.0.1:0"), E, "--metrics: \"127.0.0.1:0\" is not ADDR:PORT"},
	{ARGS("--metrics", "127.0.0.1:65536"), E,
	 "--metrics: \"127.0.0.1:65536\" is not ADDR:PORT"},
	{ARGS("--metrics", "localhost:9472"), E, "--metrics: \"localhost:9472\" is not ADDR:PORT"},
	{ARGS("--metrics", ":9472"), E, "--metrics: \":9472\" is not ADDR:PORT"},
	{ARGS("--metrics", ""), E, "--metrics: \"\" is not ADDR:PORT"},
	{ARGS("--metrics", "[::1:9472"), E, "--metrics: \"[::1:9472\" is not ADDR:PORT"},
	{ARGS("--metrics", "239.1.1.1:9472"), E,
	 "--metrics: \"239.1.1.1:9472\" is not a unicast or wildcard address"},
	{ARGS("--metrics", "255.255.255.255:9472"), E,
	 "--metrics: \"255.255.255.255:9472\" is not a unicast or wildcard address"},
	{ARGS("--metrics", "[ff02::1]:9472"), E,
	 "--metrics: \"[ff02::1]:9472\" is not a unicast or wildcard address"},
	{ARGS("--metrics"), U, "option '--metrics' requires an argument"},
	{ARGS("--foo"), U, "unrecognized option '--foo'"},
	{ARGS("--foo=bar"), U, "unrecognized option '--foo'"},
	{ARGS("--loc", "10.0.0.1"), U, "unrecognized option '--loc'"},
	{ARGS("---vni", "1"), U, "unrecognized option '---vni'"},
	{ARGS("-x"), U, "invalid option '-x'"},
	{ARGS("-vx"), U, "invalid option '-x'"},
	{ARGS("--vni"), U, "option '--vni' requires an argument"},
	{ARGS("--peer"), U, "option '--peer' requires an argument"},
	{ARGS("-d"), U, "option '--dev' requires an argument"},
	{ARGS("--verbose=1"), U, "option '--verbose' doesn't allow an argument"},
	{ARGS("--no-learning=yes"), U, "option '--no-learning' doesn't allow an argument"},
	{ARGS("foo"), U, "unexpected argument 'foo'"},
	{ARGS("-"), U, "unexpected argument '-'"},
	{ARGS("--", "--vni"), U, "unexpected argument '--vni'"},
	/* Options are taken in order: the first bad one is reported. */
	{ARGS("--vni", "x", "--port", "0"), E, "--vni: \"x\" is not a number"},
	{ARGS("--vni", "x", "--help"), E, "--vni: \"x\" is not a number"},
	/* the etcd control plane */
	{ARGS("--etcd-endpoints", "192.168.56.10:2379"), E,
	 "--etcd-endpoints: \"192.168.56.10:2379\" is not an http:// or https:// URL"},
	{ARGS("--etcd-endpoints", "http://"), E, "--etcd-endpoints: \"http://\" has no host"},
	{ARGS("--etcd-endpoints", "http://a:0"), E,
	 "--etcd-endpoints: \"http://a:0\" has a bad port"},
	{ARGS("--etcd-endpoints", "http://a:65536"), E,
	 "--etcd-endpoints: \"http://a:65536\" has a bad port"},
	{ARGS("--etcd-endpoints", "http://a:"), E,
	 "--etcd-endpoints: \"http://a:\" has a bad port"},
	{ARGS("--etcd-endpoints", "http://[fd00::1"), E,
	 "--etcd-endpoints: \"http://[fd00::1\" has an unclosed '['"},
	{ARGS("--etcd-endpoints", "http://a/v3"), E,
	 "--etcd-endpoints: \"http://a/v3\" has a path; give only scheme://HOST[:PORT]"},
	{ARGS("--etcd-endpoints", "http://a,,http://b"), E,
	 "--etcd-endpoints: \"http://a,,http://b\" has an empty list element"},
	{ARGS("--etcd-endpoints", "http://a,http://a/"), E,
	 "--etcd-endpoints: \"http://a/\" repeats an earlier endpoint"},
	{ARGS("--etcd-prefix", "coreos.com/network"), E,
	 "--etcd-prefix: \"coreos.com/network\" is not an absolute key prefix such as "
	 "/coreos.com/network"},
	{ARGS("--etcd-prefix", "/a/"), E, "--etcd-prefix: \"/a/\" ends with '/'"},
	{ARGS("--etcd-prefix", "/a b"), E, "--etcd-prefix: \"/a b\" has a space or a control byte"},
	{ARGS("--subnet-lease-renew-margin", "0"), E,
	 "--subnet-lease-renew-margin: \"0\" is out of range (1-1439)"},
	{ARGS("--subnet-lease-renew-margin", "1440"), E,
	 "--subnet-lease-renew-margin: \"1440\" is out of range (1-1439)"},
	{ARGS("--subnet-file", ""), E, "--subnet-file: \"\" is not a path"},
	{ARGS("--state-dir", ""), E, "--state-dir: \"\" is not a path"},
	{ARGS("--etcd-endpoints", "http://a", "--etcd-certfile", "/c.pem"), U,
	 "--etcd-certfile and --etcd-keyfile go together"},
	{ARGS("--etcd-cafile", "/ca.pem"), U,
	 "--etcd-cafile and --etcd-certfile need --etcd-endpoints"},
	{{"vxtap", "--local", "10.0.0.1", NULL},
	 U,
	 "no peers: give at least one --peer, --peers-file or --etcd-endpoints"},
};

START_TEST(test_bad)
{
	const struct bad_vec *v = &bad_vecs[_i];
	char err[CONF_ERRLEN];
	struct conf c;
	enum conf_status st = run(&c, v->argv, err);

	ck_assert_msg(st == v->st, "vector %d: status %d, want %d, err \"%s\"", _i, st, v->st, err);
	ck_assert_str_eq(err, v->err);
	conf_free(&c);
}
END_TEST

struct info_vec {
	const char *argv[MAXARGS + 1];
	enum conf_status st;
};

static const struct info_vec info_vecs[] = {
	{{"vxtap", "--help", NULL}, CONF_HELP},
	{{"vxtap", "-h", NULL}, CONF_HELP},
	{{"vxtap", "--help", "--vni", "x", "--bogus", NULL}, CONF_HELP},
	{ARGS("--help"), CONF_HELP},
	{{"vxtap", "--genkey", NULL}, CONF_GENKEY},
	{{"vxtap", "--pubkey", NULL}, CONF_PUBKEY},
	{{"vxtap", "--version", NULL}, CONF_VERSION},
	{{"vxtap", "-V", NULL}, CONF_VERSION},
	{{"vxtap", "-vV", NULL}, CONF_VERSION},
};

START_TEST(test_info)
{
	const struct info_vec *v = &info_vecs[_i];
	char err[CONF_ERRLEN];
	struct conf c;

	ck_assert_int_eq(run(&c, v->argv, err), v->st);
	conf_free(&c);
}
END_TEST

/* Values too long for one error line are cut; control bytes and quotes are escaped. */
START_TEST(test_long_value)
{
	char err[CONF_ERRLEN], val[300], want[CONF_ERRLEN];
	const char *args[] = ARGS("--local", val);
	struct conf c;

	memset(val, 'a', sizeof(val) - 1);
	val[sizeof(val) - 1] = '\0';
	ck_assert_int_eq(run(&c, args, err), CONF_ERROR);
	snprintf(want, sizeof(want), "--local: \"%.60s...\" is not an IP address", val);
	ck_assert_str_eq(err, want);
	conf_free(&c);

	strcpy(val, "a\"b\\c\nd");
	ck_assert_int_eq(run(&c, args, err), CONF_ERROR);
	ck_assert_str_eq(err, "--local: \"a\\\"b\\\\c\\x0ad\" is not an IP address");
	conf_free(&c);
}
END_TEST

START_TEST(test_many_peers)
{
	char err[CONF_ERRLEN], list[64 * 16];
	const char *args[] = {"vxtap", "--local", "10.1.0.1", "--peer", list, NULL};
	struct conf c;

	list[0] = '\0';
	for (int i = 0; i < 50; i++)
		put(list, sizeof(list), "%s10.0.%d.%d", i ? "," : "", i / 10, i % 10 + 1);
	ck_assert_int_eq(run(&c, args, err), CONF_RUN);
	ck_assert_uint_eq(c.npeers, 50);
	ck_assert_uint_eq(c.peers[49].port, 8472);
	ck_assert_uint_eq(c.peers[49].ip.a[2], 4);
	ck_assert_uint_eq(c.peers[49].ip.a[3], 10);
	conf_free(&c);
	ck_assert_ptr_null(c.peers);
	ck_assert_uint_eq(c.npeers, 0);
}
END_TEST

START_TEST(test_free_zeroed)
{
	struct conf c;

	memset(&c, 0, sizeof(c));
	conf_free(&c);
	conf_free(&c);
}
END_TEST

/* An unbracketed IPv6 peer warns only when its last group may be a port. */
START_TEST(test_ipv6_port_warning)
{
	static const char *const plain[] = {
		"vxtap", "--local", "fd00:56::41", "--peer", "fd00:56::42,fd00::43", NULL};
	static const char *const portlike[] = {"vxtap",	 "--local",	     "fd00:56::41",
					       "--peer", "fd00:56::42:8472", NULL};
	char err[CONF_ERRLEN];
	struct conf c;

	ck_assert_int_eq(run(&c, plain, err), CONF_RUN);
	ck_assert_uint_eq(c.nwarnings, 0);
	conf_free(&c);
	ck_assert_int_eq(run(&c, portlike, err), CONF_RUN);
	ck_assert_uint_eq(c.nwarnings, 1);
	ck_assert_str_eq(c.warnings[0], "--peer: \"fd00:56::42:8472\" is read as one IPv6 address; "
					"if 8472 is a port, write [fd00:56::42]:8472");
	conf_free(&c);
}
END_TEST

START_TEST(test_help_text)
{
	static const char names[] =
		"--dev --vni --port --local --peer --addr --mac --mtu --fdb "
		"--neigh --ageing --no-learning --max-fdb --verbose --help "
		"--version --control --peers-file --max-fdb-per-peer --max-moves "
		"--flood-rate --user --etcd-endpoints --etcd-prefix --etcd-cafile "
		"--etcd-certfile --etcd-keyfile --subnet-file --subnet-lease-renew-margin "
		"--state-dir --metrics --key-file --psk-file --genkey --pubkey "
		"--busy-poll --spin-us SIGINT SIGTERM SIGUSR1 SIGHUP";
	size_t ulen = strlen(conf_usage_line);

	ck_assert_ptr_null(strchr(conf_usage_line, '\n'));
	ck_assert_int_eq(strncmp(conf_help, conf_usage_line, ulen), 0);
	ck_assert_int_eq(conf_help[ulen], '\n');
	ck_assert_int_eq(conf_help[strlen(conf_help) - 1], '\n');
	for (const char *l = conf_help; *l != '\0';) {
		const char *nl = strchr(l, '\n');
		ck_assert_ptr_nonnull(nl);
		ck_assert_msg(nl - l <= 80, "help line too long: %.*s", (int)(nl - l), l);
		l = nl + 1;
	}
	for (const char *t = names; *t != '\0';) {
		size_t len = strcspn(t, " ");
		char name[32];

		ck_assert_uint_lt(len, sizeof(name));
		memcpy(name, t, len);
		name[len] = '\0';
		ck_assert_msg(strstr(conf_help, name) != NULL, "help lacks %s", name);
		t += len;
		t += strspn(t, " ");
	}
}
END_TEST

/* --- descriptors ------------------------------------------------------------------ */

struct fds_vec {
	const char *argv[MAXARGS + 1];
	unsigned int need;
};

/* stdio 3 + socket and TAP 2 + loop 3 + spare 16 = 24; the control socket
 * 1; metrics 3; etcd 4 + 2 per endpoint. */
static const struct fds_vec fds_vecs[] = {
	{ARGS("--control", "none"), 24},
	{ARGS("--vni", "1"), 25},
	{ARGS("--metrics", "127.0.0.1:9472"), 28},
	{ARGS("--etcd-endpoints", "http://192.0.2.1:2379"), 31},
	{ARGS("--etcd-endpoints", "http://192.0.2.1:2379,http://192.0.2.2:2379", "--metrics",
	      "127.0.0.1:9472"),
	 36},
};

START_TEST(test_fds_needed)
{
	const struct fds_vec *v = &fds_vecs[_i];
	char err[CONF_ERRLEN];
	struct conf c;

	ck_assert_int_eq(run(&c, v->argv, err), CONF_RUN);
	ck_assert_uint_eq(conf_fds_needed(&c), v->need);
	conf_free(&c);
}
END_TEST

struct fds_check_vec {
	uint64_t soft, hard;
	unsigned int need;
	enum conf_fds want;
	uint64_t raise_to;
	const char *err;
};

static const struct fds_check_vec fds_check_vecs[] = {
	{1024, 4096, 25, CONF_FDS_OK, 0, ""},
	{25, 25, 25, CONF_FDS_OK, 0, ""},
	{UINT64_MAX, UINT64_MAX, 25, CONF_FDS_OK, 0, ""},
	{8, 4096, 25, CONF_FDS_RAISE, 25, ""},
	{8, UINT64_MAX, 25, CONF_FDS_RAISE, 25, ""},
	{24, 25, 25, CONF_FDS_RAISE, 25, ""},
	{8, 8, 25, CONF_FDS_SHORT, 0,
	 "too few file descriptors: vxtap needs 25 with these options and the limit (ulimit -n) is "
	 "8; raise it (ulimit -n, or LimitNOFILE= in a unit)"},
	{4, 20, 25, CONF_FDS_SHORT, 0,
	 "too few file descriptors: vxtap needs 25 with these options and the limit (ulimit -n) is "
	 "4, at most 20 (ulimit -Hn); raise it (ulimit -n, or LimitNOFILE= in a unit)"},
	{0, 0, 24, CONF_FDS_SHORT, 0,
	 "too few file descriptors: vxtap needs 24 with these options and the limit (ulimit -n) is "
	 "0; raise it (ulimit -n, or LimitNOFILE= in a unit)"},
};

START_TEST(test_fds_check)
{
	const struct fds_check_vec *v = &fds_check_vecs[_i];
	char err[CONF_ERRLEN];
	uint64_t to = 0;

	memset(err, 'x', sizeof(err));
	ck_assert_int_eq(conf_fds_check(v->soft, v->hard, v->need, &to, err), v->want);
	ck_assert_uint_eq(to, v->raise_to);
	ck_assert_str_eq(err, v->err);
}
END_TEST

static Suite *conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc;

	tc = tcase_create("valid");
	tcase_add_loop_test(tc, test_ok, 0, (int)(sizeof(ok_vecs) / sizeof(ok_vecs[0])));
	tcase_add_loop_test(tc, test_info, 0, (int)(sizeof(info_vecs) / sizeof(info_vecs[0])));
	tcase_add_test(tc, test_many_peers);
	suite_add_tcase(s, tc);

	tc = tcase_create("invalid");
	tcase_add_loop_test(tc, test_bad, 0, (int)(sizeof(bad_vecs) / sizeof(bad_vecs[0])));
	tcase_add_test(tc, test_long_value);
	suite_add_tcase(s, tc);

	tc = tcase_create("misc");
	tcase_add_test(tc, test_free_zeroed);
	tcase_add_test(tc, test_help_text);
	tcase_add_test(tc, test_ipv6_port_warning);
	suite_add_tcase(s, tc);

	tc = tcase_create("descriptors");
	tcase_add_loop_test(tc, test_fds_needed, 0, (int)(sizeof(fds_vecs) / sizeof(fds_vecs[0])));
	tcase_add_loop_test(tc, test_fds_check, 0,
			    (int)(sizeof(fds_check_vecs) / sizeof(fds_check_vecs[0])));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(conf_suite());
}
