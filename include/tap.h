/* tap: the TAP device: creation and link configuration through ioctl. */
#ifndef VXTAP_TAP_H
#define VXTAP_TAP_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "eth.h"

/* Create TAP device name (IFF_TAP | IFF_NO_PI, plus IFF_VNET_HDR when vnet),
 * non-blocking. Returns the fd or -errno. The device goes away when the fd is
 * closed. */
int tap_open(const char *name, bool vnet);

/* Let the kernel hand over partial checksums and TSO (and, where the running
 * kernel has it, USO) super-frames. Returns the TUN_F_* flags accepted or
 * -errno. Only for a vnet TAP. */
int tap_set_offload(int fd);
#define TAP_F_USO4 0x20 /* TUN_F_USO4, in what tap_set_offload returns */

/* Link settings by interface name; each returns 0 or -errno. */
int tap_set_mac(const char *name, const struct mac *mac);
int tap_set_mtu(const char *name, uint32_t mtu);
int tap_set_up(const char *name);
/* The device's transmit queue (frames the kernel holds for vxtap to read). */
int tap_set_txqlen(const char *name, uint32_t len);
int tap_add_addr(const char *name, const struct ipaddr *ip, uint8_t plen);

/* Frames the kernel dropped from the device's transmit queue because it was
 * full (tx_dropped: vxtap did not read them in time), into *n. 0 or -errno
 * (-ENODEV: no such device). The kernel keeps it in 32 bits here. */
int tap_tx_dropped(const char *name, uint64_t *n);

/* The MTU of the interface that holds local, and its name (16 bytes).
 * Returns the MTU or -errno (-EADDRNOTAVAIL when no interface has it). */
int tap_underlay_mtu(const struct ipaddr *local, char ifname[static 16]);

#endif
