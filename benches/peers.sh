#!/usr/bin/env bash
# Runs storyhash and peer MinHash-LSH libraries on the same synthetic news
# corpus, alternating, each as a whole process under GNU time, scores every
# output against the corpus's gold groups and prints a markdown table: wall
# time (median), peak RSS, pairwise precision/recall/F1 and B-cubed F1 of the
# near-duplicate groups, and each tool's wall time over storyhash's.
#
#   benches/peers.sh [-d DATA_DIR] [DOCS] [PEER...]
#   benches/peers.sh 100000 gaoya rensa datasketch
#
#   DOCS         corpus size in articles (default 100000). The corpus is
#                DATA_DIR/c<DOCS/1000>k.jsonl with gold c<DOCS/1000>k.gold.csv
#                (c10k, c100k, c1000k; c<DOCS> when not a multiple of 1000),
#                generated with `gen_corpus.py --total-docs DOCS --seed 1`
#                when missing (100k: about 40 s and 380 MB).
#   PEER         gaoya, rensa or datasketch (default gaoya), run as
#                `python3 peers.py PEER CORPUS OUT`.
#   -d DATA_DIR  where corpora live (default $BENCH_DATA, else ~/bench-data).
#
# Environment:
#   SHARED_BENCH  the peer harness with gen_corpus.py, peers.py, score.py and
#                 requirements.txt (default: shared/bench beside the repository)
#   ROUNDS        runs of every tool, alternating (default 1); medians shown
#   PEER_ARGS     extra arguments for peers.py, e.g. "--threshold 0.35"
#                 (default: none, so the peers run at peers.py's threshold 0.8
#                 while storyhash runs at its own defaults)
#   KEEP          when set, keep the outputs and logs and print where they are
#
# Needs python3, GNU time at /usr/bin/time and cargo; no network, except
# `pip install -r requirements.txt` when a peer library cannot be imported.
set -euo pipefail

say() { echo "peers.sh: $*" >&2; }
die() {
  say "$*"
  exit 2
}

data=${BENCH_DATA:-$HOME/bench-data}
while [ $# -gt 0 ]; do
  case $1 in
  -d | --data)
    [ $# -ge 2 ] || die "$1 needs a directory"
    data=$2
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
docs=${1:-100000}
[ $# -gt 0 ] && shift
peers=("$@")
[ ${#peers[@]} -gt 0 ] || peers=(gaoya)
rounds=${ROUNDS:-1}
read -r -a peer_args <<<"${PEER_ARGS:-}"

[[ $docs =~ ^[1-9][0-9]*$ ]] || die "DOCS must be a positive number of articles, found '$docs'"
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive number, found '$rounds'"
for p in "${peers[@]}"; do
  case $p in
  gaoya | rensa | datasketch) ;;
  textdedup) die "textdedup needs its own virtualenv; run it by hand (see \$SHARED_BENCH/README.md)" ;;
  *) die "unknown peer '$p' (expected gaoya, rensa or datasketch)" ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
bench=${SHARED_BENCH:-$here/../../shared/bench}
[ -f "$bench/peers.py" ] && [ -f "$bench/score.py" ] && [ -f "$bench/gen_corpus.py" ] ||
  die "no peer harness (gen_corpus.py, peers.py, score.py) in $bench; set SHARED_BENCH"
bench=$(cd "$bench" && pwd)
command -v python3 >/dev/null || die "python3 is needed"
/usr/bin/time -f '%e' true 2>/dev/null || die "GNU time is needed at /usr/bin/time (apt-get install time)"

if ((docs % 1000 == 0)); then name="c$((docs / 1000))k"; else name="c$docs"; fi
corpus="$data/$name.jsonl"
gold="$data/$name.gold.csv"
if [ ! -s "$corpus" ] || [ ! -s "$gold" ]; then
  mkdir -p "$data"
  say "generating $corpus and $gold ($docs articles, seed 1)"
  # Written under temporary names first: an interrupted run leaves no corpus
  # that looks complete.
  python3 "$bench/gen_corpus.py" --total-docs "$docs" --seed 1 \
    --out "$corpus.partial" --gold "$gold.partial"
  mv "$gold.partial" "$gold"
  mv "$corpus.partial" "$corpus"
fi

for p in "${peers[@]}"; do
  if ! python3 -c "import $p, numpy, scipy" 2>/dev/null; then
    say "python3 cannot import $p (or numpy/scipy, which peers.py needs); installing"
    say "  python3 -m pip install -r $bench/requirements.txt   (this needs the network)"
    python3 -m pip install -q -r "$bench/requirements.txt" ||
      die "pip install failed; install the peers by hand: python3 -m pip install -r $bench/requirements.txt"
    python3 -c "import $p, numpy, scipy" || die "$p still cannot be imported after pip install"
  fi
done

say "building storyhash (release)"
cargo build --release --quiet --manifest-path "$repo/Cargo.toml"
storyhash="${CARGO_TARGET_DIR:-$repo/target}/release/storyhash"
[ -x "$storyhash" ] || die "no binary at $storyhash after the build"

out=$(mktemp -d "${TMPDIR:-/tmp}/storyhash-peers.XXXXXX")
if [ -n "${KEEP:-}" ]; then
  trap 'say "outputs and logs kept in $out"' EXIT
else
  trap 'rm -rf "$out"' EXIT
fi

# Read the corpus once so the first tool timed does not pay for a cold cache.
cat "$corpus" "$gold" >/dev/null

# run TOOL ROUND: runs one tool under GNU time; appends "TOOL SECONDS KB" to
# $out/times. Exits with the tool's log when it fails.
run() {
  local tool=$1 r=$2 log="$out/$1.$2.log"
  local cmd=("$storyhash" cluster "$corpus" -o "$out/storyhash.csv" -q)
  [ "$tool" = storyhash ] || cmd=(python3 "$bench/peers.py" "$tool" "$corpus" "$out/$tool.csv" "${peer_args[@]}")
  if ! /usr/bin/time -o "$out/time" -f '%e %M' "${cmd[@]}" 2>"$log"; then
    say "$tool failed in round $r: ${cmd[*]}"
    tail -n 20 "$log" >&2
    exit 1
  fi
  local t
  t=$(tail -n 1 "$out/time")
  echo "$tool $t" >>"$out/times"
  say "round $r/$rounds: $tool ${t% *} s, ${t#* } KB peak RSS"
}
for r in $(seq "$rounds"); do
  run storyhash "$r"
  for p in "${peers[@]}"; do run "$p" "$r"; done
done

for t in storyhash "${peers[@]}"; do
  col=()
  [ "$t" = storyhash ] && col=(--pred-col dup_group)
  python3 "$bench/score.py" "$gold" "$out/$t.csv" --json "${col[@]}" >"$out/$t.score.json" ||
    die "score.py failed on the output of $t"
done

python3 - "$out" "$docs" "$rounds" "${PEER_ARGS:-}" storyhash "${peers[@]}" <<'PY'
import json, statistics, sys

out, docs, rounds, peer_args, tools = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]
runs = {}
with open(f"{out}/times") as f:
    for line in f:
        tool, seconds, kb = line.split()
        runs.setdefault(tool, []).append((float(seconds), int(kb)))
wall = {t: statistics.median(s for s, _ in runs[t]) for t in tools}
rss = {t: statistics.median(kb for _, kb in runs[t]) / 1024 for t in tools}
settings = f"peers.py {peer_args}" if peer_args else "peers at peers.py's defaults (threshold 0.8)"
print(f"\n{docs} articles; median of {rounds} alternating run(s); "
      f"storyhash at its defaults, {settings}\n")
print("| tool | wall s | peak RSS MB | pair P | pair R | pair F1 | B3 F1 | wall / storyhash |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for t in tools:
    with open(f"{out}/{t}.score.json") as f:
        s = json.load(f)
    print(f"| {t} | {wall[t]:.2f} | {rss[t]:.0f} | {s['pair_precision']:.4f} | "
          f"{s['pair_recall']:.4f} | {s['pair_f1']:.4f} | {s['bcubed_f1']:.4f} | "
          f"{wall[t] / wall['storyhash']:.1f}x |")
PY
