# Sourced by scripts/bench after setup.sh. The baseline of the load-time benchmark is the app as it
# was before the data layer's redesign (issue 12), built once from its commit and kept under .run/:
# a cold release build takes minutes on two cores, and the commit never changes.

BASELINE_COMMIT="${HASHTWIN_BENCH_BASELINE:-2a331e3}"

# Prints the directory of the baseline's built app (its dist/), building it on the first call.
baseline_dist() {
  local full dir dist target
  full=$(git -C "$ROOT" rev-parse --verify --quiet "$BASELINE_COMMIT^{commit}") \
    || die "the baseline commit $BASELINE_COMMIT is not in this repository"
  dir="$RUN_DIR/bench-baseline/${full:0:12}"
  dist="$dir/dist"
  if [ -f "$dist/.complete" ]; then
    printf '%s\n' "$dist"
    return
  fi
  # A target directory of its own: sharing the checkout's would lock it for minutes against whoever
  # builds there, and it is deleted once the build is cached.
  target="$RUN_DIR/bench-baseline/target"
  step "building the baseline app ($BASELINE_COMMIT) once, into $dist (several minutes)" >&2
  if [ ! -e "$dir/.git" ]; then
    rm -rf "$dir"
    git -C "$ROOT" worktree add --detach --quiet "$dir" "$full" >&2 || die "git worktree add $dir failed"
  fi
  rm -rf "$dist"
  # nice: another engineer's compiler shares these two cores, and the baseline is in no hurry.
  (cd "$dir" && CARGO_TARGET_DIR="$target" nice -n 10 trunk build --release --quiet --dist "$dist") >&2 \
    || die "the baseline build failed (its files stay in $dir and $target for a retry)"
  touch "$dist/.complete"
  rm -rf "$target"
  printf '%s\n' "$dist"
}
