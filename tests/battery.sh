#!/usr/bin/env bash
# Bad-input battery: runs a storyhash binary (default: the release build)
# over the data-safety cases of issue 11 (outputs that must not destroy
# anything, input that must not be read silently wrong, interrupts) and
# prints one line per case, then `N passed, N failed`. Exits non-zero when
# any case fails.
#
#   tests/battery.sh [path/to/storyhash]
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "${1:-target/release/storyhash}")"
NEWS="$(realpath fixtures/news.jsonl)"
if [ ! -x "$BIN" ]; then
  echo "battery: no binary at $BIN (cargo build --release first)" >&2
  exit 2
fi
for tool in mkfifo gzip zstd bzip2 xz zcat; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "battery: $tool is needed and missing" >&2
    exit 2
  fi
done

ROOT="$(mktemp -d)"
trap 'rm -rf "$ROOT"' EXIT
passed=0
failed=0

# case_ NAME FUNCTION: runs FUNCTION in a fresh directory with errexit on;
# it fails at the first failing step (`fail MESSAGE` says why).
case_() {
  local name="$1" fn="$2" dir
  dir="$(mktemp -d "$ROOT/case.XXXX")"
  # Not in a condition: there errexit would be off inside the case too.
  (set -e; cd "$dir"; "$fn") >"$dir.log" 2>&1
  if [ $? = 0 ]; then
    echo "ok      $name"
    passed=$((passed + 1))
  else
    echo "FAILED  $name"
    sed 's/^/        /' "$dir.log"
    failed=$((failed + 1))
  fi
}
fail() { echo "$*"; return 1; }
no_temporaries() { ! ls -A | grep -q '^\.storyhash-' || fail "temporary files left: $(ls -A)"; }

out_device() {
  if [ "$(id -u)" = 0 ]; then
    mknod null c 1 3 || fail "mknod"
    "$BIN" cluster -q "$NEWS" -o null || fail "exit $?"
    [ -c null ] || fail "the device node became $(stat -c %F null)"
  else
    [ -z "${CI:-}" ] || fail "CI runs as root, which a device node needs"
    "$BIN" cluster -q "$NEWS" -o /dev/null || fail "exit $?"
    [ -c /dev/null ] || fail "/dev/null is no longer a device"
  fi
  no_temporaries
}
out_fifo() {
  mkfifo fifo
  # Bounded: a binary that replaces the FIFO never opens it.
  timeout 60 sh -c 'wc -l < fifo' > lines &
  "$BIN" cluster -q "$NEWS" -o fifo || fail "exit $?"
  wait || true
  [ -p fifo ] || fail "the FIFO became $(stat -c %F fifo)"
  [ "$(cat lines)" -gt 1 ] || fail "nothing came through the FIFO"
}
decisions_dev_stdout() {
  "$BIN" dedup -q "$NEWS" -o kept.jsonl --decisions /dev/stdout > got || fail "exit $?"
  head -1 got | grep -q '^id,decision,' || fail "no decisions on stdout"
  [ -L /dev/stdout ] || [ -e /dev/stdout ] || fail "/dev/stdout is gone"
}
out_is_input() {
  cp "$NEWS" in.jsonl
  if "$BIN" cluster -q in.jsonl -o in.jsonl 2>err; then fail "exit 0"; fi
  cmp -s in.jsonl "$NEWS" || fail "the input was changed"
  grep -q 'overwrite an input' err || fail "message: $(cat err)"
}
out_dash() {
  "$BIN" cluster -q "$NEWS" -o - | head -1 | grep -q '^id,' || fail "no CSV on stdout"
  "$BIN" dedup -q "$NEWS" -o - > /dev/null || fail "dedup -o - exit $?"
  [ ! -e ./- ] || fail "a file named - was made"
}
out_symlink() {
  echo old > real.csv && ln -s real.csv link.csv
  "$BIN" cluster -q "$NEWS" -o link.csv || fail "exit $?"
  [ -L link.csv ] || fail "the link was replaced"
  head -1 real.csv | grep -q '^id,' || fail "the target was not written"
}
out_permissions() {
  echo old > p.csv && chmod 600 p.csv
  "$BIN" cluster -q "$NEWS" -o p.csv || fail "exit $?"
  [ "$(stat -c %a p.csv)" = 600 ] || fail "mode $(stat -c %a p.csv)"
}
out_missing_dir() {
  if "$BIN" cluster missing.jsonl -o nodir/x.csv --report R 2>err; then fail "exit 0"; fi
  grep -q 'writing nodir/x.csv' err || fail "not checked first: $(cat err)"
  if "$BIN" cluster -q "$NEWS" -o nodir/x.csv --report R 2>/dev/null; then fail "exit 0"; fi
  [ "$(ls -A)" = err ] || fail "left: $(ls -A)"
}
dedup_both_or_neither() {
  mkdir adir
  if "$BIN" dedup -q "$NEWS" -o d.jsonl --decisions adir 2>/dev/null; then fail "exit 0"; fi
  if "$BIN" dedup -q "$NEWS" -o d.jsonl --decisions nodir/d.csv 2>/dev/null; then fail "exit 0"; fi
  [ "$(ls -A)" = adir ] || fail "left: $(ls -A)"
}
# Starts storyhash on a FIFO nobody writes, waits until its outputs are
# planned (their temporary files made, which proves the output directory
# writable before any input is read), then sends SIGNAL: nothing may remain.
interrupted() {
  local signal="$1"; shift
  mkfifo in.jsonl
  "$BIN" "$@" 2>/dev/null &
  local pid=$! i planned=no
  for i in $(seq 200); do
    if ls -A | grep -q '^\.storyhash-'; then planned=yes; break; fi
    sleep 0.1
  done
  kill "-$signal" "$pid"
  for i in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid"
    fail "still running 10 s after SIG$signal"
  fi
  wait "$pid" && fail "exit 0 after SIG$signal"
  [ "$planned" = yes ] || fail "no output planned before the input was read"
  [ "$(ls -A)" = in.jsonl ] || fail "left: $(ls -A)"
}
interrupt_dedup() { interrupted INT dedup in.jsonl -o out.jsonl; }
interrupt_report() { interrupted TERM cluster in.jsonl -o c.csv --report R; }
csv_open_quote() {
  { echo id,text; for i in $(seq 1000); do
      if [ "$i" = 500 ]; then echo "a$i,\"article $i"; else echo "a$i,article $i"; fi
    done; } > in.csv
  if "$BIN" cluster in.csv -o out.csv 2>err; then fail "exit 0"; fi
  grep -q 'in.csv:501: a quoted field' err || fail "message: $(cat err)"
  [ ! -e out.csv ] || fail "output written"
}
csv_long_row() {
  printf 'id,text\na,first article\nb,second,one field too many\n' > in.csv
  if "$BIN" dedup in.csv -o out.csv 2>err; then fail "exit 0"; fi
  grep -q 'in.csv:3: CSV row has 3 fields' err || fail "message: $(cat err)"
}
feed_dates() {
  printf '%s\n' \
    '{"id":"a","text":"one","date":"Tue, 01 Dec 2026 10:00:00 GMT"}' \
    '{"id":"b","text":"two","date":"2026/12/01"}' \
    '{"id":"c","text":"three","date":"2026-12-01T12:00:00+0200"}' \
    '{"id":"d","text":"four","date":"1796119200"}' \
    '{"id":"e","text":"five","date":"soon"}' > in.jsonl
  "$BIN" dedup -q in.jsonl --skip-bad-records -o out.jsonl --decisions d.csv || fail "exit $?"
  [ "$(wc -l < out.jsonl)" = 5 ] || fail "articles dropped: $(wc -l < out.jsonl) of 5 kept"
  grep -q '^e,keep,.*left out: date `soon`' d.csv || fail "decisions: $(cat d.csv)"
}
hidden_files() {
  mkdir -p d/.git d/sub
  echo "The river rose two metres overnight." > d/a.txt
  echo "not an article" > d/.git/x.txt
  printf '\0\5\26\7fork' > d/._a.txt
  "$BIN" cluster -q d > out.csv || fail "exit $?"
  [ "$(wc -l < out.csv)" = 2 ] || fail "read: $(cut -d, -f1 out.csv | tr '\n' ' ')"
}
compressed_inputs() {
  cp "$NEWS" n.jsonl
  "$BIN" cluster -q n.jsonl > want.csv || fail "plain exit $?"
  zstd -q n.jsonl && bzip2 -k n.jsonl && xz -k n.jsonl
  for f in n.jsonl.zst n.jsonl.bz2 n.jsonl.xz; do
    "$BIN" cluster -q "$f" > got.csv || fail "$f exit $?"
    cmp -s got.csv want.csv || fail "$f read differently"
  done
}
process_substitution() {
  gzip -c "$NEWS" > n.jsonl.gz
  "$BIN" cluster -q <(zcat n.jsonl.gz) > got.csv || fail "exit $?"
  "$BIN" cluster -q "$NEWS" > want.csv
  cmp -s got.csv want.csv || fail "read differently"
}
json_array() {
  echo '[{"id":"a","text":"x"}]' > a.json
  if "$BIN" cluster a.json 2>err; then fail "exit 0"; fi
  grep -q 'a JSON array' err || fail "message: $(cat err)"
}
report_other_collection() {
  "$BIN" cluster -q "$NEWS" -o c.csv || fail "exit $?"
  echo '{"id":"zz","text":"another collection"}' > other.jsonl
  if "$BIN" report c.csv other.jsonl -o R 2>err; then fail "exit 0"; fi
  grep -q 'no article id' err || fail "message: $(cat err)"
  [ ! -e R ] || fail "a report was written"
}
gz_output() {
  "$BIN" dedup -q "$NEWS" -o out.jsonl.gz || fail "exit $?"
  gzip -t out.jsonl.gz 2>/dev/null || fail "not gzip"
}
tied_times() {
  local t="The council opened the school gym as a shelter for families from the lower streets after the river rose two metres overnight, and volunteers brought blankets, soup and dry clothes while the fire brigade pumped water out of the flooded cellars along the quay"
  printf '%s\n' \
    "{\"id\":\"z1\",\"source\":\"Zeta\",\"date\":\"2026-12-01T10:00:00Z\",\"text\":\"$t\"}" \
    "{\"id\":\"a2\",\"source\":\"Alpha\",\"date\":\"2026-12-01T10:00:00Z\",\"text\":\"$t\"}" \
    "{\"id\":\"m3\",\"source\":\"Mid\",\"date\":\"2026-12-01\",\"text\":\"$t\"}" > in.jsonl
  "$BIN" cluster -q in.jsonl -o c.csv --report R || fail "exit $?"
  grep -q ',1,Alpha,' R/outlets.csv && grep -q ',1,Zeta,' R/outlets.csv \
    || fail "ties not one rank: $(cat R/outlets.csv)"
  local days
  days="$(sed -n 2p R/stories.csv | awk -F, '{print $8}')"
  case "$days" in -*) fail "negative lifetime $days" ;; esac
}

case_ "output to a device is written through" out_device
case_ "output to a FIFO is written through" out_fifo
case_ "--decisions /dev/stdout goes to stdout" decisions_dev_stdout
case_ "output over the input is refused" out_is_input
case_ "- is standard output" out_dash
case_ "a symlinked output keeps its link" out_symlink
case_ "an output keeps its permissions" out_permissions
case_ "a missing output directory fails first" out_missing_dir
case_ "dedup output and decisions: both or neither" dedup_both_or_neither
case_ "SIGINT during dedup leaves no temporary file" interrupt_dedup
case_ "SIGTERM during cluster --report leaves no report" interrupt_report
case_ "CSV quote left open is an error" csv_open_quote
case_ "CSV row longer than the header is an error" csv_long_row
case_ "feed dates read, bad date keeps the article" feed_dates
case_ "hidden files and folders are skipped" hidden_files
case_ "zstd, bzip2 and xz inputs are read" compressed_inputs
case_ "process substitution is read" process_substitution
case_ "a JSON array gets a clear message" json_array
case_ "report refuses another collection" report_other_collection
case_ ".gz output is gzip" gz_output
case_ "ties in time share a rank; lifetime >= 0" tied_times

echo "battery: $passed passed, $failed failed"
[ "$failed" = 0 ]
