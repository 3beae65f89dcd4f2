#!/usr/bin/env bash
# Trunk's post-build hook (Trunk.toml): puts the lazy routes' link module and chunks, which the
# wasm-bindgen shim (scripts/trunk-bin/wasm-bindgen) made, next to the app's JS in the staging
# directory, and points the link module at that JS by its fingerprinted name. Then, in a release
# build, it writes each asset's brotli and gzip variants (scripts/lib/precompress.mjs). That step is
# here rather than a hook of its own because trunk runs a stage's hooks concurrently: a second hook
# could compress the staging directory before the chunks are in it.
#
# It is also the build's check that the shim ran: a split build that went through the real
# wasm-bindgen alone imports an unresolvable "__wasm_split_placeholder__", and such a page would
# only fail in the browser.
set -euo pipefail

fail() { printf 'wasm-split post-build: %s\n' "$*" >&2; exit 1; }

staging="${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}"
shopt -s nullglob
main_js=("$staging"/hashtwin-*.js)
[ ${#main_js[@]} -eq 1 ] || fail "expected one hashtwin-<hash>.js in $staging, found ${#main_js[@]}"
main_js="${main_js[0]}"

if grep -qF __wasm_split_placeholder__ "$main_js"; then
  fail "the app was built with the split feature but without the wasm-bindgen shim: put $TRUNK_SOURCE_DIR/scripts/trunk-bin first on PATH (source scripts/lib/setup.sh)"
fi
place_chunks() {
  local link target_dir split_dir build
  link="$(grep -oE 'from "\./__wasm_split-[0-9a-f]+\.js"' "$main_js" | grep -oE '__wasm_split-[0-9a-f]+\.js' | sort -u || true)"
  # An app without lazy routes (no `split` feature): nothing to add.
  [ -n "$link" ] || return 0
  [ "$(wc -l <<<"$link")" -eq 1 ] || fail "$(basename "$main_js") imports more than one link module: $link"

  target_dir="$(cd "$TRUNK_SOURCE_DIR" && cargo metadata --format-version 1 --no-deps --offline \
    | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
  split_dir="$target_dir/wasm-bindgen/$TRUNK_PROFILE/split"
  [ -f "$split_dir/$link" ] || fail "$split_dir/$link, which $(basename "$main_js") imports, is missing"

  build="${link#__wasm_split-}"
  build="${build%.js}"
  cp "$split_dir"/*-"$build".wasm "$staging/"
  # The link module imports initSync from the app's JS: the same URL as the page's, or the browser
  # would start a second copy of the app.
  sed "s|from \"\./hashtwin\.js\"|from \"./$(basename "$main_js")\"|" "$split_dir/$link" >"$staging/$link"
  grep -qF "from \"./$(basename "$main_js")\"" "$staging/$link" \
    || fail "$link does not import ./hashtwin.js as expected"
}
place_chunks

# Brotli 11 takes seconds over the app's wasm: worth it for what ships, not for every debug rebuild.
if [ "$TRUNK_PROFILE" = release ]; then
  node "$TRUNK_SOURCE_DIR/scripts/lib/precompress.mjs" "$staging" || fail "precompressing $staging failed"
fi
