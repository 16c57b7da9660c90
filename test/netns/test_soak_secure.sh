#!/usr/bin/env bash
# The soak for 60 seconds in secure mode (scripts/soak --secure runs it for
# longer): three vxtap nodes, each with its own key, under a TCP stream,
# 64-byte UDP, pings at 20 a second, a learning storm of 3,000 source MACs,
# vxtapctl every second, a peers-file reload every 20 s and a key rotation
# every 25 s (one node rewrites its --key-file in place, the others' peers
# files get its new public key, SIGHUP to all; lib_soak.sh says how each
# load is made).
#
# Fails when a node's RSS apart from its batch buffers grows by more than
# 2 MiB after warm-up or 512 KiB over the second half, its open descriptors
# differ between start and end, a drop counter other than those a rotation
# explains moves, a vxtapctl query fails, or a ping stream loses more than
# 1 % plus 20 per rotation.
set -euo pipefail
# shellcheck source=test/netns/lib_soak.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_soak.sh"
soak_test secure
