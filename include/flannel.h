/* flannel: flannel's own etcd records (network config, subnet keys, lease values) and subnet.env.
 */
#ifndef VXTAP_FLANNEL_H
#define VXTAP_FLANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "eth.h"
#include "keytext.h"

/*
 * vxtap joins a flannel network by reading and writing the records flanneld
 * keeps in etcd (v3 API), byte for byte as flanneld does. References are to
 * flannel-io/flannel:
 *
 *   PREFIX/config                   the network config, pkg/subnet/config.go
 *                                   (ParseConfig, CheckNetworkConfig) and the
 *                                   vxlan backend's part, pkg/backend/vxlan/
 *                                   vxlan.go (parseVXLANConfig)
 *   PREFIX/subnets/10.244.1.0-24    one lease per node, key from
 *                                   pkg/subnet/subnet.go (MakeSubnetKey), value
 *                                   lease.LeaseAttrs (pkg/lease/lease.go) with
 *                                   vxlanLeaseAttrs as BackendData
 *                                   (pkg/backend/vxlan/vxlan_network.go)
 *   /run/flannel/subnet.env         pkg/subnet/subnet.go (WriteSubnetFile)
 *
 * PREFIX defaults to /coreos.com/network. Go's encoding/json matches member
 * names ignoring case, takes JSON null as "leave the default" for numbers and
 * booleans and as an error for addresses, and refuses numbers with a fraction
 * for integer fields; the parsers here do the same. Only IPv4 single stack is
 * spoken: a config with EnableIPv6 is refused.
 */

#define FLANNEL_PREFIX_DEFAULT	 "/coreos.com/network"
#define FLANNEL_SUBNET_FILE	 "/run/flannel/subnet.env"
#define FLANNEL_VNI_DEFAULT	 1
#define FLANNEL_PORT_DEFAULT	 8472	     /* Backend.Port 0: the kernel's vxlan udp_port */
#define FLANNEL_LEASE_TTL_S	 (24 * 3600) /* local_manager.go subnetTTL */
#define FLANNEL_RENEW_MARGIN_MIN 60	     /* flanneld --subnet-lease-renew-margin */
#define FLANNEL_ENCAP_OVERHEAD	 50	     /* vxlan_network.go encapOverhead */
#define FLANNEL_ALLOC_WINDOW	 100	     /* allocateSubnet: the first 100 free subnets */
#define FLANNEL_RACE_RETRIES	 10	     /* AcquireLease raceRetries */
#define FLANNEL_VALUE_MAX	 (64 * 1024) /* larger lease values are refused unread */
#define FLANNEL_VNI_MAX		 16777215
#define FLANNEL_MTU_MIN		 68
#define FLANNEL_ERRLEN		 256
#define FLANNEL_KEYLEN		 24 /* "255.255.255.255-32" plus NUL */
#define FLANNEL_CIDRLEN		 24 /* "255.255.255.255/32" plus NUL */
#define FLANNEL_KEY_B64LEN	 44 /* VxtapPublicKey: a 32-byte key in padded base64 */
#define FLANNEL_PUBKEY_LEN	 KEYTEXT_KEY_LEN
#define FLANNEL_LEASE_MAX	 512 /* flannel_lease_format's largest output, with NUL */
#define FLANNEL_ENV_MAX		 160 /* flannel_env_format's largest output, with NUL */

/* An IPv4 prefix, address in host byte order, host bits zero where it is a
 * subnet of the network. */
struct flannel_subnet {
	uint32_t ip;
	uint8_t len; /* 0-32 */
};

/* A checked network config (after flannel's defaults). */
struct flannel_config {
	struct flannel_subnet network; /* Network, host bits cleared as Go's ParseCIDR does */
	uint8_t subnet_len;	       /* SubnetLen, or flannel's default */
	uint32_t subnet_min;	       /* first subnet handed out (host order) */
	uint32_t subnet_max;	       /* last subnet handed out (host order) */
	uint32_t vni;		       /* Backend.VNI, default 1 */
	uint16_t port;		       /* Backend.Port, 0 or absent: 8472 */
	uint32_t mtu;	     /* Backend.MTU: the vxlan device's MTU; 0 = from the underlay */
	bool direct_routing; /* Backend.DirectRouting: accepted, not done */
};

/* Command-line values that must agree with the config; has_* false = not given. */
struct flannel_cli {
	bool has_vni, has_port, has_mtu;
	uint32_t vni;
	uint16_t port;
	uint32_t mtu; /* vxtap's --mtu: the TAP MTU */
};

/* Everything that can make one record under PREFIX/subnets/ unusable. */
#define FLANNEL_BAD_REASONS(X)                                                              \
	X(NONE, "none", "no problem")                                                       \
	X(KEY, "bad_key", "key is not a subnet such as 10.244.1.0-24")                      \
	X(OUTSIDE, "outside_network", "subnet is outside Network")                          \
	X(LENGTH, "wrong_length", "subnet length is not SubnetLen")                         \
	X(TOO_LARGE, "too_large", "value is larger than 64 KiB")                            \
	X(NOT_JSON, "not_json", "value is not JSON")                                        \
	X(NOT_OBJECT, "not_object", "value is not a JSON object")                           \
	X(PUBLIC_IP, "bad_public_ip", "PublicIP is missing or not an IPv4 address")         \
	X(FAMILY, "other_family", "PublicIP is an IPv6 address")                            \
	X(PUBLIC_IPV6, "bad_public_ipv6", "PublicIPv6 is neither null nor an IPv6 address") \
	X(BACKEND_TYPE, "bad_backend_type", "BackendType is not a string")                  \
	X(OTHER_TYPE, "other_type", "skipped: other type")                                  \
	X(BACKEND_DATA, "bad_backend_data", "BackendData is missing or not an object")      \
	X(VNI, "bad_vni", "BackendData.VNI is not an integer 0-16777215")                   \
	X(MAC, "bad_mac", "BackendData.VtepMAC is not a unicast MAC address")               \
	X(PUBKEY, "bad_pubkey", "BackendData.VxtapPublicKey is not a base64 32-byte key")

#define FLANNEL_BAD_ENUM(e, name, text) FLANNEL_BAD_##e,
enum flannel_bad { FLANNEL_BAD_REASONS(FLANNEL_BAD_ENUM) FLANNEL_BAD__COUNT };
#undef FLANNEL_BAD_ENUM

/* Short snake_case name (for counters) and one-line text (for logs) of r. */
const char *flannel_bad_name(enum flannel_bad r);
const char *flannel_bad_text(enum flannel_bad r);

/* One node's lease value (lease.LeaseAttrs with the vxlan BackendData). */
struct flannel_lease {
	struct ipaddr public_ip; /* AF_INET */
	bool has_public_ipv6;	 /* PublicIPv6 was an address (read, never used) */
	struct ipaddr public_ipv6;
	uint32_t vni;
	struct mac vtep_mac;
	bool has_pubkey; /* BackendData.VxtapPublicKey: vxtap's own, flanneld ignores it */
	uint8_t pubkey[FLANNEL_PUBKEY_LEN];
};

/*
 * Parse text[0..len) as PREFIX/config. Returns true with cfg filled; false
 * with one line in err naming the field and quoting the bad value, e.g.
 * config: Backend.Type is "udp"; vxtap speaks only vxlan
 * Defaults are flannel's (CheckNetworkConfig): SubnetLen 24 when Network is /22
 * or larger, else Network's length + 2 (a /28 at least); SubnetMin the second
 * subnet of Network, SubnetMax the last; both inside Network and aligned.
 */
bool flannel_config_parse(const char *text, size_t len, struct flannel_config *cfg,
			  char err[static FLANNEL_ERRLEN]);

/* Check the command line against the config: --vni, --port and --mtu must
 * equal Backend.VNI, Backend.Port and (when it is set) Backend.MTU. False
 * with one line in err naming both. */
bool flannel_config_agrees(const struct flannel_config *cfg, const struct flannel_cli *cli,
			   char err[static FLANNEL_ERRLEN]);

/* The TAP MTU, as flanneld gives its vxlan device: Backend.MTU when set,
 * else the underlay's less 50 (the kernel driver's default) and less extra
 * (secure mode's framing); 0 when that is below 68. */
uint32_t flannel_tap_mtu(const struct flannel_config *cfg, uint32_t underlay_mtu, uint32_t extra);

/* Parse a lease value. Values over FLANNEL_VALUE_MAX are refused unparsed.
 * BackendType other than "vxlan" gives FLANNEL_BAD_OTHER_TYPE without reading
 * BackendData (flanneld skips those the same way). */
enum flannel_bad flannel_lease_parse(const char *text, size_t len, struct flannel_lease *out);

/* Format exactly as flanneld's json.Marshal(LeaseAttrs) does, e.g.
 * {"PublicIP":"192.168.56.41","PublicIPv6":null,"BackendType":"vxlan",
 *  "BackendData":{"VNI":1,"VtepMAC":"0a:58:0a:f4:01:00"}}
 * with ,"VxtapPublicKey":"BASE64" after VtepMAC when has_pubkey. Returns the
 * length written (buf NUL-terminated); needs FLANNEL_LEASE_MAX bytes. */
size_t flannel_lease_format(const struct flannel_lease *l, char buf[static FLANNEL_LEASE_MAX]);

/* "10.244.1.0-24" (the part after PREFIX/subnets/) into sn. Only the form
 * MakeSubnetKey writes: a dotted quad without leading zeros, '-', length
 * 0-32, nothing else (no "&ipv6" part), host bits clear. */
bool flannel_key_parse(const char *s, size_t len, struct flannel_subnet *sn);
const char *flannel_key_format(const struct flannel_subnet *sn, char buf[static FLANNEL_KEYLEN]);
/* "10.244.1.0/24" */
const char *flannel_cidr_format(const struct flannel_subnet *sn, char buf[static FLANNEL_CIDRLEN]);

/* Whether a remote subnet fits the config: FLANNEL_BAD_OUTSIDE when not in
 * Network, FLANNEL_BAD_LENGTH when its length is not SubnetLen, else NONE. */
enum flannel_bad flannel_subnet_check(const struct flannel_config *cfg,
				      const struct flannel_subnet *sn);

/* Whether this node may keep sn as its own (local_manager.go
 * isSubnetConfigCompat): SubnetMin <= sn <= SubnetMax and length SubnetLen. */
bool flannel_subnet_compat(const struct flannel_config *cfg, const struct flannel_subnet *sn);

/* The two prefixes share an address (ip.IP4Net.Overlaps). */
bool flannel_subnet_overlaps(const struct flannel_subnet *a, const struct flannel_subnet *b);

/* sn's address plus host, as an ipaddr (host 0: SUBNET.0, the gateway and
 * neighbour address of a vxlan node; host 1: the first pod address). */
void flannel_subnet_addr(const struct flannel_subnet *sn, uint32_t host, struct ipaddr *out);

/*
 * The free subnets allocateSubnet considers: from SubnetMin to SubnetMax in
 * steps of SubnetLen, skipping any that overlaps one of taken[0..ntaken)
 * (any length), at most max of them, in order, into out. Returns the count.
 * taken is not modified.
 */
size_t flannel_free_subnets(const struct flannel_config *cfg, const struct flannel_subnet *taken,
			    size_t ntaken, struct flannel_subnet *out, size_t max);

/* Pick as flanneld does: uniformly among the first FLANNEL_ALLOC_WINDOW free
 * subnets, using random (any 32-bit value, e.g. randombytes_random()).
 * False when no subnet is free ("out of subnets"). */
bool flannel_pick_subnet(const struct flannel_config *cfg, const struct flannel_subnet *taken,
			 size_t ntaken, uint32_t random, struct flannel_subnet *out);

/* The subnet file exactly as WriteSubnetFile writes it for IPv4:
 * FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n
 * FLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n   (SUBNET is the first host).
 * Returns the length; buf needs FLANNEL_ENV_MAX bytes. */
size_t flannel_env_format(const struct flannel_config *cfg, const struct flannel_subnet *sn,
			  uint32_t tap_mtu, char buf[static FLANNEL_ENV_MAX]);

/* FLANNEL_SUBNET of a subnet file (the previous subnet flanneld reuses at
 * start, main.go ReadCIDRFromSubnetFile): KEY=VALUE lines, optional
 * "export ", quotes and comments; the address masked to its length. False
 * when the key is missing, repeated or not one IPv4 CIDR. */
bool flannel_env_subnet(const char *text, size_t len, struct flannel_subnet *sn);

#endif
