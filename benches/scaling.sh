#!/usr/bin/env bash
# How storyhash's cost grows with the collection: runs `storyhash cluster`
# at its defaults on synthetic corpora of several sizes, each as a whole
# process under GNU time, and prints a markdown table of wall time, peak
# RSS, articles per second and MB of text per second, with each size's
# time per article relative to the smallest size (1.00 = linear).
#
#   benches/scaling.sh [-d DATA_DIR] [-j THREADS] [DOCS...]
#   benches/scaling.sh 10000 100000 1000000
#
#   DOCS         corpus sizes in articles (default 10000 100000 1000000).
#                The corpus is DATA_DIR/c<DOCS/1000>k.jsonl, generated with
#                `gen_corpus.py --total-docs DOCS --seed 1` when missing
#                (1M: about 8 minutes and 3.8 GB).
#   -d DATA_DIR  where corpora live (default $BENCH_DATA, else ~/bench-data).
#   -j THREADS   worker threads (default 0 = all cores).
#
# Environment:
#   SHARED_BENCH  the folder with gen_corpus.py (default: shared/bench
#                 beside the repository)
#   ROUNDS        runs per size (default 1); the median is shown
set -euo pipefail

say() { echo "scaling.sh: $*" >&2; }
die() {
  say "$*"
  exit 2
}

data=${BENCH_DATA:-$HOME/bench-data}
threads=0
while [ $# -gt 0 ]; do
  case $1 in
  -d | --data)
    [ $# -ge 2 ] || die "$1 needs a directory"
    data=$2
    shift 2
    ;;
  -j | --threads)
    [ $# -ge 2 ] || die "$1 needs a number"
    threads=$2
    shift 2
    ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
  -*) die "unknown option $1 (try --help)" ;;
  *) break ;;
  esac
done
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
rounds=${ROUNDS:-1}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive number, found '$rounds'"
[[ $threads =~ ^[0-9]+$ ]] || die "-j needs a number of threads, found '$threads'"

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
bench=${SHARED_BENCH:-$here/../../shared/bench}
[ -f "$bench/gen_corpus.py" ] || die "no gen_corpus.py in $bench; set SHARED_BENCH"
/usr/bin/time -f '%e' true 2>/dev/null || die "GNU time is needed at /usr/bin/time (apt-get install time)"

say "building storyhash (release)"
cargo build --release --quiet --manifest-path "$repo/Cargo.toml"
storyhash="${CARGO_TARGET_DIR:-$repo/target}/release/storyhash"

out=$(mktemp -d "${TMPDIR:-/tmp}/storyhash-scaling.XXXXXX")
trap 'rm -rf "$out"' EXIT

for docs in "${sizes[@]}"; do
  [[ $docs =~ ^[1-9][0-9]*$ ]] || die "sizes must be positive numbers of articles, found '$docs'"
  if ((docs % 1000 == 0)); then name="c$((docs / 1000))k"; else name="c$docs"; fi
  corpus="$data/$name.jsonl"
  if [ ! -s "$corpus" ]; then
    mkdir -p "$data"
    say "generating $corpus ($docs articles, seed 1)"
    python3 "$bench/gen_corpus.py" --total-docs "$docs" --seed 1 \
      --out "$corpus.partial" --gold "$data/$name.gold.csv.partial"
    mv "$data/$name.gold.csv.partial" "$data/$name.gold.csv"
    mv "$corpus.partial" "$corpus"
  fi
  cat "$corpus" >/dev/null # warm the page cache
  mb=$(stat -c %s "$corpus")
  for r in $(seq "$rounds"); do
    /usr/bin/time -o "$out/time" -f '%e %M' \
      "$storyhash" cluster "$corpus" -o "$out/out.csv" -q --threads "$threads" ||
      die "storyhash failed on $corpus"
    t=$(tail -n 1 "$out/time")
    echo "$docs $mb $t" >>"$out/runs"
    say "$name round $r/$rounds: ${t% *} s, ${t#* } KB peak RSS"
  done
done

python3 - "$out/runs" <<'PY'
import statistics, sys

runs = {}
for line in open(sys.argv[1]):
    docs, size, secs, kb = line.split()
    runs.setdefault(int(docs), []).append((int(size), float(secs), int(kb)))
print("\n| articles | file MB | wall s | peak RSS MB | articles/s | MB/s | time per article vs smallest |")
print("|---:|---:|---:|---:|---:|---:|---:|")
base = None
for docs in sorted(runs):
    size = runs[docs][0][0] / 1e6
    secs = statistics.median(r[1] for r in runs[docs])
    rss = statistics.median(r[2] for r in runs[docs]) / 1024
    per = secs / docs
    base = base or per
    print(f"| {docs} | {size:.0f} | {secs:.2f} | {rss:.0f} | {docs / secs:.0f} | "
          f"{size / secs:.0f} | {per / base:.2f} |")
PY
