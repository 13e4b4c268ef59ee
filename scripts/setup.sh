#!/usr/bin/env bash
# Installs what GossipLab's build and tests need, skipping whatever is already there.
# Sourced by scripts/run.sh and scripts/test.sh; safe to run on its own.
set -euo pipefail

GOSSIPLAB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRUNK_VERSION="0.21.14"
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Root installs system packages directly; anyone else goes through sudo.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root to run: $* (install it by hand, or run as root)"
  fi
}

# The wasm-bindgen version the lock file resolved: the CLI must be exactly this version.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' "$GOSSIPLAB_ROOT/Cargo.lock"
}

ensure_rust() {
  command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs), then run this again"
  command -v rustup >/dev/null || die "rustup not found: the wasm32 target is added with rustup"
  rustup target list --installed | grep -qx wasm32-unknown-unknown || { say "adding the wasm32-unknown-unknown target"; rustup target add wasm32-unknown-unknown; }
  cargo fmt --version >/dev/null 2>&1 || { say "adding rustfmt"; rustup component add rustfmt; }
  cargo clippy --version >/dev/null 2>&1 || { say "adding clippy"; rustup component add clippy; }
}

ensure_wasm_bindgen() {
  local want have
  want="$(wasm_bindgen_version)"
  [ -n "$want" ] || die "cannot read the wasm-bindgen version from Cargo.lock"
  grep -q "wasm_bindgen = \"$want\"" "$GOSSIPLAB_ROOT/Trunk.toml" \
    || die "Trunk.toml's [tools] wasm_bindgen must be \"$want\", the version in Cargo.lock"
  have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
  if [ "$have" != "$want" ]; then
    # No --locked: the CLI's own lock file names a webpki-roots release the registry lacks.
    say "installing wasm-bindgen-cli $want (about 5 minutes on 2 cores)"
    cargo install wasm-bindgen-cli --version "$want"
  fi
}

ensure_trunk() {
  if ! trunk --version 2>/dev/null | grep -q " $TRUNK_VERSION"; then
    # --locked: without it a newer lightningcss fails to compile.
    say "installing trunk $TRUNK_VERSION (about 10 minutes on 2 cores)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
  fi
}

ensure_chromium() {
  # fonts-wqy-zenhei: without a CJK font the Chinese labels in screenshots are empty boxes.
  if ! command -v chromium >/dev/null || [ ! -d /usr/share/fonts/truetype/wqy ]; then
    say "installing Debian's chromium and a Chinese font for the browser tests"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null
  fi
}

ensure_e2e_modules() {
  command -v node >/dev/null || die "node not found: install Node.js 20 (apt-get install nodejs npm)"
  # playwright-core never downloads a browser; the tests drive Debian's chromium. axe-core is
  # the accessibility check the browser tests inject into the page.
  if [ ! -f "$GOSSIPLAB_ROOT/tests/e2e/node_modules/playwright-core/package.json" ] \
    || [ ! -f "$GOSSIPLAB_ROOT/tests/e2e/node_modules/axe-core/package.json" ]; then
    say "installing the browser test modules (playwright-core, axe-core)"
    (cd "$GOSSIPLAB_ROOT/tests/e2e" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# Everything needed to build the playground and the relay.
ensure_build_tools() {
  ensure_rust
  ensure_wasm_bindgen
  ensure_trunk
  ensure_wasm_opt
}

# wasm-opt from npm's binaryen, installed like the browser tests' modules (scripts/wasm-opt has
# the pinned version). Debian's binaryen is too old for current rustc output, and Trunk's own
# wasm-opt stays off (index.html's data-wasm-opt="0": it would download one).
ensure_wasm_opt() {
  command -v node >/dev/null || die "node not found: install Node.js 20 (apt-get install nodejs npm)"
  if [ ! -f "$GOSSIPLAB_ROOT/scripts/wasm-opt/node_modules/binaryen/package.json" ]; then
    say "installing wasm-opt (npm package binaryen)"
    (cd "$GOSSIPLAB_ROOT/scripts/wasm-opt" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# The Subresource Integrity value of a file, as Trunk writes it into index.html.
sri_sha384() {
  node -e 'const f = process.argv[1]; process.stdout.write("sha384-" + require("crypto").createHash("sha384").update(require("fs").readFileSync(f)).digest("base64"))' "$1"
}

# Runs wasm-opt on the playground's wasm in dist/ (or $1; page and worker run the same module),
# in place, and updates the integrity hash index.html preloads it with. -O1 rather than -Oz: measured on this
# playground, -Oz shrank the files but grew their gzip (what the page transfers) by 38 KB, while
# -O1 shrinks both (scripts/wasm-opt/package.json names the version).
optimise_playground_wasm() {
  local dist="${1:-$GOSSIPLAB_ROOT/dist}" wasm before after
  local wasm_opt="$GOSSIPLAB_ROOT/scripts/wasm-opt/node_modules/.bin/wasm-opt"
  ensure_wasm_opt
  for wasm in "$dist"/*.wasm; do
    say "wasm-opt -O1 $(basename "$wasm")"
    before="$(sri_sha384 "$wasm")"
    # The features rustc's wasm32-unknown-unknown output uses; wasm-opt refuses them otherwise.
    "$wasm_opt" -O1 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals "$wasm" -o "$wasm.opt"
    mv "$wasm.opt" "$wasm"
    after="$(sri_sha384 "$wasm")"
    # A preload whose integrity no longer matches is refused (an error on the console).
    sed -i "s|$before|$after|g" "$dist/index.html"
  done
}

# The playground in release mode (dist/, its wasm through wasm-opt) and the native relay.
build_playground() {
  say "building the playground (page and worker: one wasm, release)"
  (cd "$GOSSIPLAB_ROOT" && trunk build --release)
  optimise_playground_wasm
  say "building gossip-node (release)"
  (cd "$GOSSIPLAB_ROOT" && cargo build --release -p gossip-node)
}

# gossip-core's Node as a wasm module for Node.js (peer-wasm/pkg), run by peer-wasm/peer.mjs as a
# headless peer. Cargo skips the compile when nothing changed; wasm-bindgen takes a fraction of a
# second.
build_wasm_peer() {
  local target_dir="${CARGO_TARGET_DIR:-$GOSSIPLAB_ROOT/target}"
  say "building the wasm peer (gossip-peer-wasm for Node.js)"
  (cd "$GOSSIPLAB_ROOT" \
    && cargo build -p gossip-peer-wasm --release --locked --target wasm32-unknown-unknown \
    && wasm-bindgen --target nodejs --out-dir peer-wasm/pkg \
         "$target_dir/wasm32-unknown-unknown/release/gossip_peer_wasm.wasm")
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  ensure_build_tools
  ensure_chromium
  ensure_e2e_modules
fi
