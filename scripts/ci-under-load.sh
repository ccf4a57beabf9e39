#!/usr/bin/env bash
# Runs .ci/run several times in a row (default 3) on a fresh clone of HEAD while two busy loops, one
# per core, keep the machine's CPUs busy (docs/reliability.md). Stops at the first failure.
# Usage: scripts/ci-under-load.sh [runs]
set -euo pipefail
runs=${1:-3}
repo=$(cd "$(dirname "$0")/.." && pwd)
rev=$(git -C "$repo" rev-parse HEAD) # every run tests this commit, whatever lands meanwhile
work=$(mktemp -d /tmp/jobwarden-ci-load.XXXXXX)
hogs=()
cleanup() { for h in "${hogs[@]}"; do kill -- "-$h" 2>/dev/null || true; done; }
trap cleanup EXIT
for _ in 1 2; do
  setsid timeout 14400 sh -c 'while :; do :; done' &
  hogs+=($!)
done
for i in $(seq "$runs"); do
  rm -rf "$work/clone"
  git clone -q "$repo" "$work/clone"
  git -C "$work/clone" checkout -q "$rev"
  start=$(date +%s)
  if (cd "$work/clone" && CI=true bash .ci/run >"$work/run-$i.log" 2>&1); then
    echo "run $i ($rev): passed in $(($(date +%s) - start)) s ($(grep -E '^[0-9]+ passed, [0-9]+ failed' "$work/run-$i.log" | tail -1))"
  else
    echo "run $i: FAILED after $(($(date +%s) - start)) s, log: $work/run-$i.log"
    exit 1
  fi
done
