#!/usr/bin/env bash
# bench/soak.sh — a bounded soak: one Warden (every limit on, none refusing; the SQLite control
# store with its ledger and audit log) in front of the sim: 10 s of warm-up, 10 s at full load to
# measure its maximum, then SOAK_MINUTES at about half that rate. Every 30 s: Warden's RSS, open files
# and threads. Checks, each PASS or FAIL, and the exit code:
#   - no error (wrk: no non-2xx, no socket error);
#   - RSS, open files and threads flat: the last sample within 15 % (RSS) / +8 (files) / +2
#     (threads) of the one taken after the first two minutes (warm-up: JIT, pools, caches), or
#     half-way through a run shorter than four minutes;
#   - the ledger equals the answers: as many usage rows as 2xx answers, and the same token total
#     as the answers' usage reported (plus the few requests wrk had in flight when it stopped:
#     answered and recorded by Warden, never read by wrk; at most CONNS, each the same size).
# Knobs (env): SOAK_MINUTES (20), CONNS (32)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SOAK_MINUTES=${SOAK_MINUTES:-20}; CONNS=${CONNS:-32}
P_SIM=18481; P_DATA=18490; P_ADMIN=18491
command -v wrk >/dev/null || { echo "installing wrk (Debian)"; apt-get install -y -qq wrk >/dev/null; }
command -v sqlite3 >/dev/null || { echo "installing sqlite3 (Debian)"; apt-get install -y -qq sqlite3 >/dev/null; }
W=$(mktemp -d /tmp/warden-soak.XXXXXX)
BENCH_WORK=$W
# shellcheck source=lib/warden.sh
source "$ROOT/bench/lib/warden.sh"
one_tenant_warden $P_SIM $P_DATA $P_ADMIN soak "{ requestsPerMinute: 100000000, tokensPerMinute: 100000000000, perKey: { requestsPerMinute: 100000000 }, concurrency: 100000, dailyTokens: 1000000000000 }"
sample() { echo "$1 $(awk '/^VmRSS:/ {print $2}' /proc/$WP/status) $(ls /proc/$WP/fd | wc -l) $(awk '/^Threads:/ {print $2}' /proc/$WP/status)"; }

BENCH_KEY=$KEY wrk -t2 -c"$CONNS" -d10s -s "$ROOT/bench/lib/chat.lua" "$URL" > /dev/null # warm-up (JIT), not measured
MAX=$(BENCH_KEY=$KEY wrk -t2 -c"$CONNS" -d10s -s "$ROOT/bench/lib/chat.lua" "$URL" | grep RESULT | sed 's/.*rps=\([0-9.]*\).*/\1/')
DELAY=$(python3 -c "print(max(1, round($CONNS * 1000 / ($MAX / 2))))")
echo "max $MAX req/s; soaking ${SOAK_MINUTES} min at about half: $CONNS connections, ${DELAY} ms between requests on each"
sleep 2 # the full-load phase's last ledger batch
ROWS0=$(sqlite3 "$W/data/warden.db" 'select count(*), coalesce(sum(input_tokens + output_tokens), 0) from usage_ledger' 2>/dev/null || echo "0|0")
BENCH_KEY=$KEY BENCH_DELAY_MS=$DELAY BENCH_COUNT=1 wrk -t2 -c"$CONNS" -d"$((SOAK_MINUTES * 60))s" --timeout 10s \
  -s "$ROOT/bench/lib/chat.lua" "$URL" > "$W/wrk.txt" &
WRK=$!
echo "# second rss_kib open_files threads" > "$W/samples.txt"
for ((s = 0; s <= SOAK_MINUTES * 60; s += 30)); do
  sample $s | tee -a "$W/samples.txt"
  [ $s -lt $((SOAK_MINUTES * 60)) ] && sleep 30
done
wait $WRK
cat "$W/wrk.txt" | grep -E 'RESULT|COUNTED'
sleep 2 # the last ledger batch
ROWS1=$(sqlite3 "$W/data/warden.db" 'select count(*), coalesce(sum(input_tokens + output_tokens), 0) from usage_ledger')
kill -TERM $WP; wait $WP 2>/dev/null || true # a graceful stop flushes whatever is queued
ROWS2=$(sqlite3 "$W/data/warden.db" 'select count(*), coalesce(sum(input_tokens + output_tokens), 0) from usage_ledger')
FAILED=0
check() { if [ "$2" = ok ]; then echo "PASS  $1"; else echo "FAIL  $1 ($2)"; FAILED=1; fi; }
RESULT=$(grep RESULT "$W/wrk.txt"); COUNTED=$(grep COUNTED "$W/wrk.txt")
ERRS=$(echo "$RESULT" | grep -o 'err_[a-z]*=[0-9]*' | awk -F= '{s += $2} END {print s + 0}')
[ "$ERRS" = 0 ] && check "no errors" ok || check "no errors" "$ERRS"
python3 - "$W/samples.txt" <<'PY' || FAILED=1
import sys
rows = [list(map(int, l.split())) for l in open(sys.argv[1]) if not l.startswith('#')]
last = rows[-1]
# after the warm-up (two minutes), or half-way in a shorter run: never the sample taken as wrk starts
base = next(r for r in rows if r[0] >= min(120, last[0] // 2))
for name, i, ok in (("RSS", 1, last[1] <= base[1] * 1.15), ("open files", 2, last[2] <= base[2] + 8), ("threads", 3, last[3] <= base[3] + 2)):
    print(("PASS  " if ok else "FAIL  ") + f"{name} flat: {base[i]} at {base[0]} s -> {last[i]} at {last[0]} s (max {max(r[i] for r in rows)})")
sys.exit(0 if all((last[1] <= base[1] * 1.15, last[2] <= base[2] + 8, last[3] <= base[3] + 2)) else 1)
PY
ANSWERS=$(echo "$COUNTED" | sed 's/.*answers=\([0-9]*\).*/\1/'); TOKENS=$(echo "$COUNTED" | sed 's/.*tokens=\([0-9]*\).*/\1/')
LEDGER_ROWS=$(( ${ROWS2%%|*} - ${ROWS0%%|*} )); LEDGER_TOKENS=$(( ${ROWS2##*|} - ${ROWS0##*|} ))
echo "answers $ANSWERS (tokens $TOKENS); ledger rows $LEDGER_ROWS (tokens $LEDGER_TOKENS; $(( ${ROWS1%%|*} - ${ROWS0%%|*} )) before the stop)"
# wrk stops with up to CONNS requests in flight: Warden answers and records them, wrk never reads
# them. So the ledger may hold up to CONNS rows more than wrk counted, each the size of the others
# (the bench request is always the same): exactly that, never fewer rows, never other tokens.
EXTRA=$((LEDGER_ROWS - ANSWERS))
if [ "$EXTRA" -ge 0 ] && [ "$EXTRA" -le "$CONNS" ] && [ $((LEDGER_TOKENS * ANSWERS)) = $((LEDGER_ROWS * TOKENS)) ]; then
  check "the ledger equals the answers ($EXTRA more rows: requests in flight when wrk stopped)" ok
else
  check "the ledger equals the answers" "answers $ANSWERS/$TOKENS vs ledger $LEDGER_ROWS/$LEDGER_TOKENS"
fi
exit $FAILED
