# Sourced by scripts/dev, scripts/test and scripts/bench. Installs what is missing, idempotently:
# each step checks for what it would install and skips when it is there. Nothing here reaches a host
# other than the package registries (crates.io, npm, Debian) and rustup's own dist server.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUN_DIR="$ROOT/.run"
mkdir -p "$RUN_DIR"
# scripts/trunk-bin first: its wasm-bindgen is the one trunk must call, to split the app into its
# lazy routes' chunks before the real wasm-bindgen runs (issue 15); it calls the real one after.
export PATH="$ROOT/scripts/trunk-bin:$ROOT/node_modules/.bin:$ROOT/node_modules/@foundry-rs/forge-linux-amd64/bin:$ROOT/node_modules/@foundry-rs/anvil-linux-amd64/bin:$ROOT/node_modules/@foundry-rs/cast-linux-amd64/bin:$HOME/.cargo/bin:$PATH"

TRUNK_VERSION="0.21.14"
WASM_SPLIT_VERSION="0.2.4"

step() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# The one wasm-bindgen version: Cargo.lock's. Trunk.toml and the CLI must agree with it.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_rust() {
  command -v rustup >/dev/null || die "rustup is required (https://rustup.rs); nothing else is assumed"
  # rustup installs the toolchain, components and wasm target that rust-toolchain.toml names.
  (cd "$ROOT" && rustup toolchain install >/dev/null 2>&1) || (cd "$ROOT" && rustup show active-toolchain >/dev/null)
  rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown \
    || (cd "$ROOT" && rustup target add wasm32-unknown-unknown)
}

# cargo install, outside the project so that its rust-toolchain.toml does not apply to the tool's
# own build. Long: shows its progress.
cargo_install() {
  local crate="$1" version="$2"; shift 2
  step "installing $crate $version from crates.io (several minutes, once)"
  (cd /tmp && cargo install "$crate" --version "$version" "$@" 2>&1 | grep --line-buffered -E '^\s+(Compiling|Installing|Installed|Finished)|error' \
    | awk '/Compiling/ { n++; if (n % 25 == 0) { printf "    compiled %d crates\n", n; fflush() } next } { print "    " $0; fflush() }')
}

# cargo install, skipped when `binary --version` already prints `version`.
ensure_cargo_tool() {
  local crate="$1" binary="$2" version="$3"; shift 3
  if command -v "$binary" >/dev/null && "$binary" --version 2>/dev/null | grep -qF " $version"; then
    return
  fi
  cargo_install "$crate" "$version" "$@"
  "$binary" --version 2>/dev/null | grep -qF " $version" || die "$crate $version did not install"
}

# The splitter behind scripts/trunk-bin/wasm-bindgen. wasm-split-cli has no --version: cargo's record
# of what it installed says which one is there.
ensure_wasm_split() {
  local installed="wasm_split_cli_support v$WASM_SPLIT_VERSION:"
  # Not `cargo … | grep -q`: grep's early exit would fail the pipe under pipefail.
  if command -v wasm-split-cli >/dev/null && grep -qxF "$installed" <<<"$(cargo install --list)"; then
    return
  fi
  cargo_install wasm_split_cli_support "$WASM_SPLIT_VERSION" --features build-binary --locked
  command -v wasm-split-cli >/dev/null && grep -qxF "$installed" <<<"$(cargo install --list)" \
    || die "wasm_split_cli_support $WASM_SPLIT_VERSION did not install"
}

ensure_wasm_tools() {
  local wbg
  wbg="$(wasm_bindgen_version)"
  grep -q "wasm_bindgen = \"$wbg\"" "$ROOT/Trunk.toml" \
    || die "Trunk.toml must pin wasm_bindgen = \"$wbg\", the version in Cargo.lock, or trunk tries to download one"
  ensure_cargo_tool trunk trunk "$TRUNK_VERSION" --locked
  # Not --locked: its lockfile pins a webpki-roots release the registry no longer serves.
  ensure_cargo_tool wasm-bindgen-cli wasm-bindgen "$wbg"
  ensure_wasm_split
  [ "$(command -v wasm-bindgen)" = "$ROOT/scripts/trunk-bin/wasm-bindgen" ] \
    || die "scripts/trunk-bin/wasm-bindgen must come first on PATH, or trunk builds an app whose lazy routes cannot load"
}

ensure_node_modules() {
  command -v npm >/dev/null || die "Node 20 and npm are required"
  if [ -L "$ROOT/node_modules" ]; then
    # A git worktree sharing another checkout's packages: its package-lock.json is as new as the
    # checkout, and npm ci through the link would empty the shared directory under everyone using it.
    [ -f "$ROOT/node_modules/.package-lock.json" ] \
      || die "node_modules links to $(readlink -f "$ROOT/node_modules"), which has no packages: run npm ci in that checkout"
    cmp -s "$ROOT/package-lock.json" "$(readlink -f "$ROOT/node_modules")/../package-lock.json" \
      || note "package-lock.json differs from the linked checkout's; its packages are used as they are"
  elif [ ! -f "$ROOT/node_modules/.package-lock.json" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    step "installing npm packages (anvil, forge, solc-js, OpenZeppelin, binaryen, Playwright)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  wasm-opt --version | grep -q 'version 132' || die "wasm-opt 132 from npm binaryen is not first on PATH"
}

ensure_chromium() {
  [ -x /usr/bin/chromium ] && return
  step "installing Debian's chromium for the browser tests"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null \
    || die "apt-get install chromium failed"
}

# Debian's PostgreSQL server binaries, for the indexer's PostgreSQL test, which runs its own
# cluster on a free port (the package's own cluster, if it starts one, is not used).
ensure_postgres() {
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null && return
  step "installing Debian's postgresql for the indexer's PostgreSQL test"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null \
    || die "apt-get install postgresql failed"
}

# Slither from PyPI, in a virtualenv of its own version under the user's cache, on PATH for the
# scripts: outside the checkout, so that a fresh clone (CI's) finds it rather than installing again.
SLITHER_VERSION="0.11.6"
SLITHER_VENV="${XDG_CACHE_HOME:-$HOME/.cache}/hashtwin/slither-$SLITHER_VERSION"
export PATH="$SLITHER_VENV/bin:$PATH"
ensure_slither() {
  if slither --version 2>/dev/null | grep -qxF "$SLITHER_VERSION"; then
    return
  fi
  step "installing slither-analyzer $SLITHER_VERSION from PyPI into $SLITHER_VENV"
  command -v python3 >/dev/null || die "python3 is required for Slither"
  mkdir -p "$(dirname "$SLITHER_VENV")"
  python3 -m venv "$SLITHER_VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  "$SLITHER_VENV/bin/pip" install --quiet "slither-analyzer==$SLITHER_VERSION" || die "pip install slither-analyzer failed"
}

ensure_contracts_built() {
  (cd "$ROOT/contracts" && forge build --quiet) || die "forge build failed"
}

# Background services this script started. Each runs in its own process group, so that Ctrl-C
# reaches only this script, which then stops each group (the service and its children) by PID.
STARTED_PIDS=()
start_service() {
  setsid "$@" &
  STARTED_PIDS+=($!)
}
stop_started() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do
    # A service killed by the signal exits non-zero; under set -e that must not end the clean-up.
    kill -TERM -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  STARTED_PIDS=()
}
trap 'stop_started' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
