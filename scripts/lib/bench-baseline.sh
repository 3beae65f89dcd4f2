# Sourced by scripts/bench after setup.sh. Baselines are the app as it was at a past commit, built
# once from that commit and kept under .run/: a cold release build takes minutes on two cores, and
# a commit's build never changes.
#
# The load-time benchmark's is the app before the data layer's redesign (issue 12); the worker
# size's is the app before the first-load work on the worker (issue 15).

BASELINE_COMMIT="${HASHTWIN_BENCH_BASELINE:-2a331e3}"
WORKER_BASELINE_COMMIT="${HASHTWIN_BENCH_WORKER_BASELINE:-51c32da}"

# Prints the directory of a baseline's built app (its dist/), building it on the first call:
# `baseline_dist [commit]`, the load-time benchmark's commit by default.
baseline_dist() {
  local commit="${1:-$BASELINE_COMMIT}" full dir dist target
  full=$(git -C "$ROOT" rev-parse --verify --quiet "$commit^{commit}") \
    || die "the baseline commit $commit is not in this repository"
  dir="$RUN_DIR/bench-baseline/${full:0:12}"
  dist="$dir/dist"
  if [ -f "$dist/.complete" ]; then
    printf '%s\n' "$dist"
    return
  fi
  # A target directory of its own: sharing the checkout's would lock it for minutes against whoever
  # builds there, and it is deleted once the build is cached.
  target="$RUN_DIR/bench-baseline/target"
  step "building the baseline app ($commit) once, into $dist (several minutes)" >&2
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
