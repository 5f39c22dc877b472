#!/usr/bin/env bash
# Events and stories on real news grouped by people: builds the release
# binary and runs the development-set scorer of ../shared/devsets
# (score.py), which prints, per built set, B-cubed and pairwise F1 of the
# `event` column (incident sets) or the `story` column (topic sets) next to
# the target and a plain TF-IDF + average-link baseline at its best cut,
# then the two focused checks (the seed reports alone; each duc2007 topic
# alone), each gva incident's reports alone (benches/events_alone.py), and
# the seed reports among 550 random articles of the sets (benches/seeds_among.py).
#
#   benches/stories_real.sh [-- CLUSTER OPTIONS]
#   benches/stories_real.sh -- --event-cut 0.2 --story-cut 0.05
#
# The sets are not part of the project (their licences allow research use,
# not redistribution): build them first as ../shared/devsets/README.md
# says. Without them the script stops with status 2 and says so; CI has
# none and does not run it.
#
# Environment:
#   DEVSETS        where the built sets are (default ~/devsets)
#   SHARED_DEVSETS the folder with score.py (default: shared/devsets
#                  beside the repository)
set -euo pipefail

say() { echo "stories_real.sh: $*" >&2; }
die() {
  say "$*"
  exit 2
}

root=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED_DEVSETS:-$root/../shared/devsets}
data=${DEVSETS:-$HOME/devsets}
[ -f "$shared/score.py" ] || die "no score.py in $shared (set SHARED_DEVSETS)"
built=0
for f in gva_incidents/gva_incidents.dev.jsonl allsides2021/allsides2021.jsonl duc2007/duc2007.jsonl; do
  if [ -f "$data/$f" ]; then
    built=$((built + 1))
  else
    say "missing $data/$f"
  fi
done
[ "$built" -gt 0 ] || die "no development set is built under $data (see $shared/README.md)"
[ "$built" -eq 3 ] || say "only $built of 3 sets are built: the table is partial"

cd "$root"
cargo build --release --locked -q
DEVSETS="$data" python3 "$shared/score.py" target/release/storyhash "$@"
if [ -f "$data/gva_incidents/gva_incidents.dev.jsonl" ]; then
  DEVSETS="$data" python3 benches/events_alone.py target/release/storyhash "$@"
fi
if [ "$built" -eq 3 ]; then
  DEVSETS="$data" python3 benches/seeds_among.py target/release/storyhash "$@" | tail -1
fi
