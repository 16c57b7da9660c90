#!/usr/bin/env bash
# The soak for 60 seconds in plain mode (scripts/soak runs it for 10
# minutes): three vxtap nodes under a TCP stream, 64-byte UDP, pings at 20 a
# second, a learning storm of 3,000 source MACs, vxtapctl every second and a
# peers-file reload every 20 s (lib_soak.sh says how each load is made).
#
# Fails when a node's RSS apart from its batch buffers grows by more than
# 2 MiB after warm-up or 512 KiB over the second half, its open descriptors
# differ between start and end, a drop counter other than the expected ones
# moves (plain mode: none), a vxtapctl query fails, or a ping stream loses
# more than 1 %.
set -euo pipefail
# shellcheck source=test/netns/lib_soak.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_soak.sh"
soak_test plain
