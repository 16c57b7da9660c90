/* udp: the underlay socket: opening, buffers, and the offloads it takes. */
#ifndef VXTAP_UDP_H
#define VXTAP_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "addr.h"

/* Open a non-blocking UDP socket bound to local:port with large buffers.
 * Returns the fd or -errno. Never connected: the kernel driver sends from a
 * hashed source port, and a connected socket would drop those datagrams. */
int udp_open(const struct ipaddr *local, uint16_t port);

/* Ask for UDP_GRO on receive. Returns true when the kernel agreed. */
bool udp_enable_gro(int fd);

/* True when the kernel takes UDP_SEGMENT on this socket. */
bool udp_probe_gso(int fd);

/* Datagrams the kernel dropped for this socket (its receive buffer full),
 * into *n: SO_MEMINFO's drop count, 32 bits. 0 or -errno. */
int udp_rx_drops(int fd, uint64_t *n);

#endif
