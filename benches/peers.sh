#!/usr/bin/env bash
# Runs storyhash and peer MinHash-LSH libraries on the same synthetic corpus,
# alternating, and prints a ratio table (wall time, peak memory, pairwise and
# B-cubed scores of the near-duplicate groups against the corpus's gold).
#
#   benches/peers.sh [DOCS] [PEER...]        e.g. benches/peers.sh 100000 gaoya rensa datasketch
#
# DOCS defaults to 100000, PEER to gaoya. Environment:
#   BENCH_DATA    where corpora live (default ~/bench-data); generated if missing
#   SHARED_BENCH  the peer harness (default ../shared/bench beside the repository)
#   ROUNDS        runs of each tool, alternating (default 1); the median is shown
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
docs=${1:-100000}
shift || true
peers=("$@")
[ ${#peers[@]} -gt 0 ] || peers=(gaoya)
data=${BENCH_DATA:-$HOME/bench-data}
bench=${SHARED_BENCH:-$here/../shared/bench}
rounds=${ROUNDS:-1}
name="c$((docs / 1000))k"
corpus="$data/$name.jsonl"
gold="$data/$name.gold.csv"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

[ -f "$bench/peers.py" ] || { echo "peers.sh: no peer harness at $bench (set SHARED_BENCH)" >&2; exit 2; }
mkdir -p "$data"
if [ ! -f "$corpus" ] || [ ! -f "$gold" ]; then
  echo "peers.sh: generating $corpus" >&2
  python3 "$bench/gen_corpus.py" --total-docs "$docs" --seed 1 --out "$corpus" --gold "$gold"
fi
for p in "${peers[@]}"; do
  mod=$p; [ "$p" = textdedup ] && mod=text_dedup
  if ! python3 -c "import $mod" 2>/dev/null; then
    echo "peers.sh: python module for $p is missing; installing $bench/requirements.txt" >&2
    python3 -m pip install -q -r "$bench/requirements.txt" || {
      echo "peers.sh: could not install the peers (pip install -r $bench/requirements.txt)" >&2; exit 2; }
  fi
done
(cd "$here" && cargo build --release -q)
storyhash="$here/target/release/storyhash"

# run TOOL ROUND: appends "tool seconds kb" to $out/times
run() {
  local tool=$1 r=$2 csv="$out/$1.csv" t
  if [ "$tool" = storyhash ]; then
    /usr/bin/time -o "$out/t" -f '%e %M' "$storyhash" cluster "$corpus" -o "$csv" -q
  else
    /usr/bin/time -o "$out/t" -f '%e %M' python3 "$bench/peers.py" "$tool" "$corpus" "$csv" 2>/dev/null
  fi
  t=$(tail -1 "$out/t")
  echo "$tool $t" >> "$out/times"
  echo "peers.sh: round $r $tool: $t (s, KB)" >&2
}
for r in $(seq "$rounds"); do
  run storyhash "$r"
  for p in "${peers[@]}"; do run "$p" "$r"; done
done

python3 - "$out" "$gold" "$bench/score.py" "$docs" storyhash "${peers[@]}" <<'PY'
import json, statistics, subprocess, sys
out, gold, score, docs, tools = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
times = {}
for line in open(f"{out}/times"):
    t, s, kb = line.split()
    times.setdefault(t, []).append((float(s), int(kb)))
def med(t, i):
    return statistics.median(x[i] for x in times[t])
base = med("storyhash", 0)
print(f"corpus: {docs} articles; median of {len(times['storyhash'])} run(s) each\n")
print("| tool | wall s | peak RSS MB | pair P | pair R | pair F1 | B3 F1 | wall / storyhash |")
print("|---|---|---|---|---|---|---|---|")
for t in tools:
    args = [sys.executable, score, gold, f"{out}/{t}.csv", "--json"]
    if t == "storyhash":
        args += ["--pred-col", "dup_group"]
    s = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
    w = med(t, 0)
    print(f"| {t} | {w:.2f} | {med(t, 1) / 1024:.0f} | {s['pair_precision']:.4f} | {s['pair_recall']:.4f} "
          f"| {s['pair_f1']:.4f} | {s['bcubed_f1']:.4f} | {w / base:.1f}x |")
PY
