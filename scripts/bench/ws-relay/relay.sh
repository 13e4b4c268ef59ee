#!/bin/sh
# Takes gossip-node's arguments (`relay --addr ADDR --dist DIR ...`), as the load bench's
# RELAY_BIN must, and runs the reference relay on Node.
shift
exec node "$(dirname "$0")/relay.mjs" "$@"
