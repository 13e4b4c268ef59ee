#!/usr/bin/env bash
# Runs every test: formatting, lints (native and wasm32), the Rust tests natively, gossip-core's
# and gossip-web's tests compiled to wasm32 under Node.js, then the browser end-to-end tests in
# headless Chromium.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

ensure_build_tools
ensure_chromium
ensure_e2e_modules
cd "$GOSSIPLAB_ROOT"

# A CI run builds everything once, so incremental caches would only take disk (about 8 GB).
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"; fi
free_kib="$(df -Pk . | awk 'NR == 2 { print $4 }')"
if [ "${free_kib:-0}" -lt $((6 * 1024 * 1024)) ]; then
  say "warning: only $((free_kib / 1024)) MiB free here; a full test run needs about 6 GiB"
fi

# gossip-web only means something in a browser, so it is linted for wasm32 only (its pure
# logic is unit-tested natively with the rest).
say "format";                   cargo fmt --all --check
say "module cycles";            python3 scripts/check_module_cycles.py --self-test
python3 scripts/check_module_cycles.py core/src sim/src relay-frame/src node/src web/src worker/src peer-wasm/src
say "clippy (native)";          cargo clippy --workspace --exclude gossip-web --all-targets --locked -- -D warnings
say "clippy (wasm32)";          cargo clippy -p gossip-core -p gossip-sim -p gossip-relay-frame -p gossip-worker -p gossip-web -p gossip-peer-wasm --all-targets --locked --target wasm32-unknown-unknown -- -D warnings
say "docs";                     RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked -p gossip-core -p gossip-sim -p gossip-relay-frame -p gossip-node -p gossip-worker -p gossip-peer-wasm
say "tests (native)";           cargo test --workspace --locked
say "gossip-core, gossip-sim, gossip-relay-frame and gossip-web tests (wasm32 under Node.js)"
cargo test -p gossip-core -p gossip-sim -p gossip-relay-frame -p gossip-web --locked --target wasm32-unknown-unknown
build_playground
build_wasm_peer
say "browser end-to-end tests (headless Chromium)"
(cd tests/e2e && node --test --test-concurrency=1)
