/* method_sealed: the secure-mode datagram method: sealing per destination, opening, handshakes. */
#ifndef VXTAP_METHOD_SEALED_H
#define VXTAP_METHOD_SEALED_H

#include <stdint.h>

#include "method.h"

struct crypto;

/* Room for sealed datagrams and handshake messages between flushes of the
 * send queue. */
#define METHOD_SEAL_ARENA (4u << 20)

/* The wall clock in ns (handshake timestamps). */
typedef uint64_t method_clock_fn(void *ctx);

/* A sealed method over c, which it owns from now on (freed with it). NULL
 * when out of memory (c is then still the caller's). */
struct method *method_sealed_new(struct crypto *c, method_clock_fn *wall_ns, void *clock_ctx);

#endif
