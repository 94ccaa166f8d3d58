#!/usr/bin/env bash
# bench/faults/redis-kill.sh — Redis killed (SIGKILL) for OUTAGE seconds under load, with the
# redis limiter store. A Redis of its own on RPORT (never the machine's 6379), one Warden, the sim.
# Tenant "rates" has only rate limits (whenStoreDown: share): it must be served throughout. Tenant
# "quota" has a daily token quota: it must get 503 limiter_unavailable while Redis is away (quotas
# and budgets fail closed) and 200 again after. Checks, each PASS or FAIL, and the exit code:
#   - Warden stays up, no rate-tenant request fails (wrk: no non-2xx, no socket error);
#   - the quota tenant is refused with limiter_unavailable during the outage, served before and after;
#   - warden_limiter_store_up is 1 again within 5 s of Redis answering;
#   - threads and open files are back to what they were (no leak).
# Two outages in a row (a leak grows with each one; pools only grow to their bounds).
# Knobs (env): OUTAGE (10 s), DURATION (45 s of load), CONNS (16), DELAY_MS (5: per-connection
#              pause, ~3k req/s offered), RPORT (16390), LEASES (limiter.leases, true)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUTAGE=${OUTAGE:-10}; DURATION=${DURATION:-45}; CONNS=${CONNS:-16}; DELAY_MS=${DELAY_MS:-5}; RPORT=${RPORT:-16390}
P_SIM=18381; P_DATA=18390; P_ADMIN=18391
command -v redis-server >/dev/null || { echo "needs redis-server on PATH"; exit 2; }
command -v wrk >/dev/null || { echo "installing wrk (Debian)"; apt-get install -y -qq wrk >/dev/null; }
W=$(mktemp -d /tmp/warden-faults.XXXXXX)
BENCH_WORK=$W
# shellcheck source=../lib/warden.sh
source "$ROOT/bench/lib/warden.sh"

start_redis() {
  redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no > "$W/redis.log" 2>&1 &
  REDIS_PID=$!; PIDS+=($REDIS_PID)
  until redis-cli -p "$RPORT" ping 2>/dev/null | grep -q PONG; do sleep 0.02; done
}
metric() { curl -s "http://127.0.0.1:$P_ADMIN/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
status_of() { # tenant key -> "HTTP-status code"
  curl -s -o "$W/answer" -w '%{http_code}' -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
    -d '{"model":"gpt-sim","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}' "http://127.0.0.1:$P_DATA/v1/chat/completions"
  printf ' %s' "$(grep -o '"code":"[a-z_]*"' "$W/answer" | head -1 | cut -d'"' -f4)"
}
threads() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }
thread_names() { cat /proc/"$1"/task/*/comm 2>/dev/null | sed 's/[0-9]*$//' | sort | uniq -c; }
fds() { ls "/proc/$1/fd" | wc -l; }
FAILED=0
check() { if [ "$2" = ok ]; then echo "PASS  $1"; else echo "FAIL  $1 ($2)"; FAILED=1; fi; }

start_redis
start_sim $P_SIM "$W/sim.log"
KEY_RATES=$(new_key "$W/data"); KEY_QUOTA=$(new_key "$W/data")
cat > "$W/w.yaml" <<YAML
listeners: { data: { host: 127.0.0.1, port: $P_DATA }, admin: { host: 127.0.0.1, port: $P_ADMIN } }
dataDir: $W/data
telemetry: { accessLog: false }
limiter: { store: redis, redis: "redis://127.0.0.1:$RPORT", namespace: faults, leases: ${LEASES:-true} }
pools: { sim: { upstreams: [ { url: "http://127.0.0.1:$P_SIM", region: eu } ] } }
models: { gpt-sim: { pool: sim, price: { inputPer1k: 500, outputPer1k: 1500 } } }
tiers:
  rates: { description: r, limits: { requestsPerMinute: 100000000, tokensPerMinute: 100000000000, concurrency: 100000 } }
  quota: { description: q, limits: { dailyTokens: 1000000000000 } }
tenants:
  rates: { tier: rates, regions: [eu], models: [gpt-sim], keys: [ { key: "$KEY_RATES" } ] }
  quota: { tier: quota, regions: [eu], models: [gpt-sim], keys: [ { key: "$KEY_QUOTA" } ] }
YAML
serve "$W/w.yaml" "$W/w.log"
WP=$WARDEN_PID
wait_ready $P_ADMIN "$W/w.log"
URL="http://127.0.0.1:$P_DATA/v1/chat/completions"
BENCH_KEY=$KEY_RATES wrk -t2 -c"$CONNS" -d5s -s "$ROOT/bench/lib/chat.lua" "$URL" > /dev/null # warm-up
sleep 1
T0=$(threads $WP); F0=$(fds $WP); thread_names $WP > "$W/threads0"
BENCH_KEY=$KEY_RATES BENCH_DELAY_MS=$DELAY_MS wrk -t2 -c"$CONNS" -d"${DURATION}s" -s "$ROOT/bench/lib/chat.lua" "$URL" > "$W/wrk.txt" &
WRK=$!
# one outage: Redis killed OUTAGE seconds; sets DURING, UP_DURING, AFTER, RECOVERED (ms)
outage() {
  kill -9 "$REDIS_PID"
  echo "redis killed (SIGKILL) for ${OUTAGE} s"
  sleep 2
  DURING=$(status_of "$KEY_QUOTA")
  UP_DURING=$(metric warden_limiter_store_up)
  sleep $((OUTAGE - 2))
  start_redis
  local back; back=$(date +%s%N)
  RECOVERED=""
  while [ -z "$RECOVERED" ]; do
    [ "$(metric warden_limiter_store_up)" = "1.0" ] && RECOVERED=$(( ($(date +%s%N) - back) / 1000000 ))
    [ $(( ($(date +%s%N) - back) / 1000000 )) -gt 30000 ] && RECOVERED=never
    sleep 0.05
  done
  echo "redis back; the store was up again after ${RECOVERED} ms"
  sleep 1
  AFTER=$(status_of "$KEY_QUOTA")
}
sleep 5
BEFORE=$(status_of "$KEY_QUOTA")
outage; FIRST="$DURING|$UP_DURING|$AFTER|$RECOVERED"
sleep 3
T1=$(threads $WP); F1=$(fds $WP); thread_names $WP > "$W/threads1"
outage; SECOND="$DURING|$UP_DURING|$AFTER|$RECOVERED"
wait $WRK
RESULT=$(grep RESULT "$W/wrk.txt" || echo "RESULT none")
echo "$RESULT"
sleep 3
T2=$(threads $WP); F2=$(fds $WP); thread_names $WP > "$W/threads2"
diff "$W/threads0" "$W/threads1" | grep '^[<>]' | sed 's/^/  threads by name (count), first outage: /' || true
diff "$W/threads1" "$W/threads2" | grep '^[<>]' | sed 's/^/  threads by name (count), second outage: /' || true
echo "threads $T0 -> $T1 -> $T2, open files $F0 -> $F1 -> $F2, fallback admissions $(metric warden_limiter_store_fallback_admissions_total)"

kill -0 $WP 2>/dev/null && check "Warden stays up" ok || check "Warden stays up" "process gone"
ERRS=$(echo "$RESULT" | grep -o 'err_[a-z]*=[0-9]*' | awk -F= '{s += $2} END {print s + 0}')
[ "$ERRS" = 0 ] && echo "$RESULT" | grep -q 'requests=[1-9]' && check "the rate tenant is served throughout" ok \
  || check "the rate tenant is served throughout" "$ERRS failed"
[ "$BEFORE" = "200 " ] && check "the quota tenant is served before" ok || check "the quota tenant is served before" "$BEFORE"
for run in "$FIRST" "$SECOND"; do
  IFS='|' read -r DURING UP_DURING AFTER RECOVERED <<< "$run"
  [ "$DURING" = "503 limiter_unavailable" ] && check "the quota tenant fails closed during the outage" ok \
    || check "the quota tenant fails closed during the outage" "$DURING"
  [ "$UP_DURING" = "0.0" ] && check "warden_limiter_store_up is 0 during the outage" ok || check "warden_limiter_store_up is 0 during the outage" "$UP_DURING"
  [ "$AFTER" = "200 " ] && check "the quota tenant is served after" ok || check "the quota tenant is served after" "$AFTER"
  [ "$RECOVERED" != never ] && [ "$RECOVERED" -le 5000 ] && check "recovered within 5 s of Redis answering ($RECOVERED ms)" ok \
    || check "recovered within 5 s of Redis answering" "$RECOVERED ms"
done
# pools grow to their bounds on first use (worker threads for the budget reads); a leak grows with every outage
[ $((T2 - T1)) -le 1 ] && check "no thread leak: the second outage adds none ($T1 -> $T2)" ok || check "no thread leak" "$T1 -> $T2"
[ $((F2 - F0)) -le 8 ] && check "no file descriptor leak: open files back to where they were" ok || check "no file descriptor leak" "$F0 -> $F1 -> $F2"
exit $FAILED
