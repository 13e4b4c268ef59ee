#!/usr/bin/env bash
# Builds the playground and starts the relay that serves it (and the live-peer WebSocket) on
# http://127.0.0.1:8080. Extra arguments go to `gossip-node relay`, e.g. --addr 127.0.0.1:9000.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

ensure_build_tools
build_playground
cd "$GOSSIPLAB_ROOT"
exec target/release/gossip-node relay --dist dist "$@"
