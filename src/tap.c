/* tap: TAP device set-up through /dev/net/tun and interface ioctls. */
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* The build headers (linux-libc-dev 6.1) predate USO on TAP devices. */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif

int tap_open(const char *name, bool vnet)
{
	struct ifreq ifr;
	int fd, err;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0);
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int tap_set_offload(int fd)
{
	static const unsigned int tries[] = {
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN | TUN_F_USO4 | TUN_F_USO6,
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN,
		TUN_F_CSUM,
	};
	int err = -EINVAL;

	/* Kernels before 6.2 refuse the USO bits: ask for less until one fits. */
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		if (ioctl(fd, TUNSETOFFLOAD, tries[i]) == 0)
			return (int)tries[i];
		err = -errno;
	}
	return err;
}

/* Run one SIOCSIF* request on a throwaway socket of the given family. */
static int ifreq_ioctl(int family, unsigned long req, struct ifreq *ifr)
{
	int s, err = 0;

	s = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (ioctl(s, req, ifr) < 0)
		err = -errno;
	close(s);
	return err;
}

static void ifreq_init(struct ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
}

int tap_set_mac(const char *name, const struct mac *mac)
{
	struct ifreq ifr;

	ifreq_init(&ifr, name);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac->b, MAC_LEN);
	return ifreq_ioctl(AF_INET, SIOCSIFHWADDR, &ifr);
}

int tap_set_mtu(const char *name, uint32_t mtu)
{
	struct ifreq ifr;

	ifreq_init(&ifr, name);
	ifr.ifr_mtu = (int)mtu;
	return ifreq_ioctl(AF_INET, SIOCSIFMTU, &ifr);
}

int tap_set_txqlen(const char *name, uint32_t len)
{
	struct ifreq ifr;

	ifreq_init(&ifr, name);
	ifr.ifr_qlen = (int)len;
	return ifreq_ioctl(AF_INET, SIOCSIFTXQLEN, &ifr);
}

int tap_set_up(const char *name)
{
	struct ifreq ifr;
	int err;

	ifreq_init(&ifr, name);
	err = ifreq_ioctl(AF_INET, SIOCGIFFLAGS, &ifr);
	if (err != 0)
		return err;
	ifr.ifr_flags |= IFF_UP;
	return ifreq_ioctl(AF_INET, SIOCSIFFLAGS, &ifr);
}

/* Mirrors the kernel's struct in6_ifreq, which glibc's headers lack. */
struct vx_in6_ifreq {
	struct in6_addr addr;
	uint32_t prefixlen;
	int ifindex;
};

int tap_add_addr(const char *name, const struct ipaddr *ip, uint8_t plen)
{
	struct ifreq ifr;
	int err;

	if (ip->family == AF_INET6) {
		struct vx_in6_ifreq r6;
		int s;

		memset(&r6, 0, sizeof(r6));
		memcpy(&r6.addr, ip->a, 16);
		r6.prefixlen = plen;
		r6.ifindex = (int)if_nametoindex(name);
		if (r6.ifindex == 0)
			return -errno;
		s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -errno;
		err = ioctl(s, SIOCSIFADDR, &r6) < 0 ? -errno : 0;
		close(s);
		return err;
	}

	struct sockaddr_in sin;
	uint32_t mask = plen == 0 ? 0 : htonl(~0u << (32 - plen));

	ifreq_init(&ifr, name);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	memcpy(&sin.sin_addr, ip->a, 4);
	memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
	err = ifreq_ioctl(AF_INET, SIOCSIFADDR, &ifr);
	if (err != 0)
		return err;
	sin.sin_addr.s_addr = mask;
	memcpy(&ifr.ifr_netmask, &sin, sizeof(sin));
	return ifreq_ioctl(AF_INET, SIOCSIFNETMASK, &ifr);
}

static bool ifa_holds(const struct ifaddrs *ifa, const struct ipaddr *local)
{
	if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family != local->family)
		return false;
	if (local->family == AF_INET) {
		const struct sockaddr_in *sin =
			(const struct sockaddr_in *)(const void *)ifa->ifa_addr;
		return memcmp(&sin->sin_addr, local->a, 4) == 0;
	}
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)ifa->ifa_addr;
	return memcmp(&s6->sin6_addr, local->a, 16) == 0;
}

int tap_underlay_mtu(const struct ipaddr *local, char ifname[static 16])
{
	struct ifaddrs *all, *ifa;
	struct ifreq ifr;
	int err = -EADDRNOTAVAIL;

	if (getifaddrs(&all) < 0)
		return -errno;
	for (ifa = all; ifa != NULL; ifa = ifa->ifa_next) {
		if (!ifa_holds(ifa, local))
			continue;
		ifreq_init(&ifr, ifa->ifa_name);
		err = ifreq_ioctl(AF_INET, SIOCGIFMTU, &ifr);
		if (err == 0) {
			memcpy(ifname, ifr.ifr_name, 16);
			ifname[15] = '\0';
			err = ifr.ifr_mtu;
		}
		break;
	}
	freeifaddrs(all);
	return err;
}

int tap_tx_dropped(const char *name, uint64_t *n)
{
	struct ifaddrs *all, *ifa;
	int err = -ENODEV;

	/* getifaddrs asks rtnetlink, so this is the device in vxtap's own
	 * network namespace, whatever /sys shows. */
	if (getifaddrs(&all) < 0)
		return -errno;
	for (ifa = all; ifa != NULL; ifa = ifa->ifa_next) {
		const struct rtnl_link_stats *st = ifa->ifa_data;

		if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family != AF_PACKET || st == NULL ||
		    strcmp(ifa->ifa_name, name) != 0)
			continue;
		*n = st->tx_dropped;
		err = 0;
		break;
	}
	freeifaddrs(all);
	return err;
}
