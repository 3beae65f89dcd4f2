#!/usr/bin/env bash
# Static analysis of the project's own contracts: Slither, failing on any finding of medium severity
# or above, then ERC-721 conformance of TwinRegistry with slither-check-erc.
#
# forge is given absolute remappings for this build only: with the relative ones of foundry.toml
# (node_modules, a link to the project's), forge names some OpenZeppelin files twice (relative and
# absolute), solc compiles both copies, and Slither, which merges sources by absolute path, loses half
# the AST.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$ROOT/contracts"

build="$(mktemp -d /tmp/hashtwin-slither.XXXXXX)"
trap 'rm -rf "$build"; stop_started' EXIT

remappings=()
while IFS='=' read -r prefix target; do
  [ -n "$prefix" ] || continue
  [[ "$target" == /* ]] || target="$(realpath -m "$target")/"
  remappings+=(--remappings "$prefix=$target")
done < <(forge remappings)

forge build --build-info --skip test --skip script --force --quiet \
  --out "$build/out" --cache-path "$build/cache" "${remappings[@]}"

slither . --foundry-ignore-compile --foundry-out-directory "$build/out" \
  --exclude-dependencies --filter-paths "contracts/test/|contracts/script/|node_modules/" --fail-medium

slither-check-erc . TwinRegistry --erc erc721 --foundry-ignore-compile --foundry-out-directory "$build/out" \
  --json "$build/erc721.json" >/dev/null 2>&1 || true
node -e '
  const report = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const problems = report.results?.["erc-conformance"] ?? {};
  if (!report.success || Object.keys(problems).length) {
    console.error("slither-check-erc: TwinRegistry does not conform to ERC-721:", report.error ?? JSON.stringify(problems));
    process.exit(1);
  }
  console.log("slither-check-erc: TwinRegistry conforms to ERC-721");
' "$build/erc721.json"
