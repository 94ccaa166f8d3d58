#!/usr/bin/env bash
# bench/admission/accuracy.sh — how exactly admission holds a rate limit under load above it.
# REPLICAS Warden processes (the local limiter store for one, the redis store for more: they then
# share the machine's Redis at 127.0.0.1:6379) in front of the sim; one tenant whose tier allows
# RPM requests a minute with a burst of BURST_SECONDS; wrk offers far more than that to every
# replica for DURATION seconds. The admitted count (2xx, all replicas) must lie within
# [99 %, 100 %] of RPM/60 x DURATION + burst: never above (the limit holds, not REPLICAS times it),
# hardly below. And no sliding window of W whole seconds (W = 1, 5, 10, 30) may hold more than
# RPM/60 x (W + 1) + burst admissions (the +1: a window of whole wall-clock seconds may touch
# parts of W + 1 seconds of the limiter's time).
# Knobs (env): RPM (6000), BURST_SECONDS (10), DURATION (60), CONNS (32 per replica), THREADS (2),
#              REPLICAS (1), STORE (local for 1 replica, redis for more; redis-cluster: a Redis
#              Cluster of 3 masters + 3 replicas started on loopback ports 17000-17005 for the run),
#              TIMEOUT_MS (limiter.timeoutMs, 250: lower it to provoke outages and measure the fallback),
#              LEASES (limiter.leases, true: admission on leases; false: one Redis call per admission),
#              BUDGET (a hard day budget of that many micro-units for the tenant, none by default: the
#              replicas then share a fresh PostgreSQL schema of the machine's database as their
#              control store and ledger; the spend, summed from the ledger, must never pass it)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RPM=${RPM:-6000}; BURST_SECONDS=${BURST_SECONDS:-10}; DURATION=${DURATION:-60}; CONNS=${CONNS:-32}; THREADS=${THREADS:-2}
REPLICAS=${REPLICAS:-1}
STORE=${STORE:-$([ "$REPLICAS" -gt 1 ] && echo redis || echo local)}
[ "$REPLICAS" -gt 1 ] && [ "$STORE" = local ] && { echo "REPLICAS > 1 needs STORE=redis or redis-cluster"; exit 2; }
WORK=$(mktemp -d /tmp/warden-accuracy.XXXXXX)
P_SIM=18181; P_BASE=18190
command -v wrk >/dev/null || { echo "installing wrk (Debian)"; apt-get install -y -qq wrk >/dev/null; }
if [ "$STORE" = redis ]; then
  command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG \
    || { echo "STORE=redis needs Redis at 127.0.0.1:6379"; exit 2; }
fi
BUDGET=${BUDGET:-}
STORE_YAML=""
if [ -n "$BUDGET" ]; then
  SCHEMA=acc$RANDOM$RANDOM
  psql -h 127.0.0.1 -U postgres -d test -qc "CREATE SCHEMA $SCHEMA" || { echo "BUDGET needs PostgreSQL at 127.0.0.1:5432"; exit 2; }
  STORE_YAML="store: { url: \"jdbc:postgresql://127.0.0.1:5432/test?user=postgres&currentSchema=$SCHEMA\" }"
fi
BENCH_WORK=$WORK
# shellcheck source=../lib/warden.sh
source "$ROOT/bench/lib/warden.sh"

start_sim $P_SIM "$WORK/sim.log"
KEY=$(new_key "$WORK/keys")
NAMESPACE=acc$RANDOM$RANDOM
LIMITER=""
TIMEOUT_MS=${TIMEOUT_MS:-250}
LEASES=${LEASES:-true}
[ "$STORE" = redis ] && LIMITER="limiter: { store: redis, redis: \"redis://127.0.0.1:6379\", namespace: $NAMESPACE, timeoutMs: $TIMEOUT_MS, leases: $LEASES }"
if [ "$STORE" = redis-cluster ]; then
  NODES=()
  for port in 17000 17001 17002 17003 17004 17005; do
    mkdir -p "$WORK/redis$port"
    redis-server --port $port --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file "$WORK/redis$port/nodes.conf" \
      --cluster-node-timeout 2000 --save "" --appendonly no --dir "$WORK/redis$port" > "$WORK/redis$port.log" 2>&1 &
    PIDS+=($!); NODES+=("127.0.0.1:$port")
  done
  for port in 17000 17001 17002 17003 17004 17005; do until redis-cli -p $port ping 2>/dev/null | grep -q PONG; do sleep 0.05; done; done
  redis-cli --cluster create "${NODES[@]}" --cluster-replicas 1 --cluster-yes > "$WORK/cluster-create.log" 2>&1
  until redis-cli -p 17000 cluster info | grep -q cluster_state:ok; do sleep 0.1; done
  LIMITER="limiter: { store: redis, redisTopology: cluster, redis: \"redis://127.0.0.1:17000\", redisNodes: [\"redis://127.0.0.1:17001\", \"redis://127.0.0.1:17002\"], namespace: $NAMESPACE, timeoutMs: $TIMEOUT_MS, leases: $LEASES }"
fi
for i in $(seq 0 $((REPLICAS - 1))); do
  PD=$((P_BASE + 2 * i)); PA=$((PD + 1))
  cat > "$WORK/warden$i.yaml" <<YAML
listeners:
  data:  { host: 127.0.0.1, port: $PD }
  admin: { host: 127.0.0.1, port: $PA }
dataDir: $WORK/data$i
telemetry: { accessLog: false }
$LIMITER
$STORE_YAML
pools:
  sim: { upstreams: [ { url: "http://127.0.0.1:$P_SIM", region: eu } ] }
models:
  gpt-sim: { pool: sim, price: { inputPer1k: 500, outputPer1k: 1500 } }
tiers:
  limited: { description: accuracy, limits: { requestsPerMinute: $RPM, burstSeconds: $BURST_SECONDS } }
tenants:
  bench: { tier: limited, regions: [eu], models: [gpt-sim], keys: [ { key: "$KEY" } ] }
YAML
  serve "$WORK/warden$i.yaml" "$WORK/warden$i.log"
done
for i in $(seq 0 $((REPLICAS - 1))); do
  PA=$((P_BASE + 2 * i + 1))
  until curl -sf -o /dev/null "http://127.0.0.1:$PA/readyz"; do sleep 0.05; done
done
until curl -sf -o /dev/null "http://127.0.0.1:$P_SIM/v1/models"; do sleep 0.05; done
if [ "$REPLICAS" -gt 1 ]; then sleep 2; fi # heartbeats: each replica knows how many there are
if [ -n "$BUDGET" ]; then
  ADMIN=$(grep -A1 "Admin token" "$WORK/warden0.log" | tail -1 | tr -d ' ')
  curl -sf -X PUT "http://127.0.0.1:$((P_BASE + 1))/admin/v1/tenants/bench/settings/budgets" -H "Authorization: Bearer $ADMIN" \
    -H 'Content-Type: application/json' -d "{\"budgets\":[{\"period\":\"day\",\"limitMicros\":$BUDGET,\"hard\":true}]}" >/dev/null
  sleep 2 # the setting reaches every replica
fi

# the bucket starts full: the first requests take the burst, then the rate
WRKS=()
for i in $(seq 0 $((REPLICAS - 1))); do
  PD=$((P_BASE + 2 * i))
  BENCH_KEY=$KEY BENCH_TALLY=1 timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 10s \
    -s "$ROOT/bench/lib/chat.lua" "http://127.0.0.1:$PD/v1/chat/completions" > "$WORK/wrk$i.out" 2>&1 &
  WRKS+=($!)
done
for w in "${WRKS[@]}"; do wait "$w"; done
if [ "$STORE" != local ]; then
  for i in $(seq 0 $((REPLICAS - 1))); do
    curl -s "http://127.0.0.1:$((P_BASE + 2 * i + 1))/metrics" \
      | grep -E '^warden_limiter_store_(round_trips_total\{op="(admit|lease)"|fallback|lease_admissions|admissions_total)' \
      | sed "s/^/replica $i: /" | tee -a "$WORK/store.metrics"
  done
fi
touch "$WORK/store.metrics"
SPENT=""
if [ -n "$BUDGET" ]; then
  sleep 2 # the last ledger rows reach the store
  SPENT=$(psql -h 127.0.0.1 -U postgres -d test -tAc "SELECT COALESCE(SUM(cost_micros), 0) FROM $SCHEMA.usage_ledger WHERE tenant = 'bench'")
  psql -h 127.0.0.1 -U postgres -d test -qc "DROP SCHEMA $SCHEMA CASCADE" || true
fi
python3 - "$RPM" "$BURST_SECONDS" "$DURATION" "$WORK/store.metrics" "${BUDGET:-0}" "${SPENT:-0}" "$WORK"/wrk*.out <<'PY'
import re, sys
rpm, burst_s, dur = (int(x) for x in sys.argv[1:4])
calls = sum(float(line.split()[-1]) for line in open(sys.argv[4]) if "round_trips_total" in line)
budget, spent = int(sys.argv[5]), int(sys.argv[6])
sys.argv[4:] = sys.argv[7:]
total = refused = 0
seconds = {}
for path in sys.argv[4:]:
    text = open(path).read()
    res = re.search(r"^RESULT .*", text, re.M).group(0)
    f = dict(kv.split("=") for kv in res.split()[1:])
    total += int(f["requests"]); refused += int(f["err_status"])
    m = re.search(r"^SECONDS (.*)$", text, re.M)
    for part in filter(None, (m.group(1) if m else "").split(",")):
        s, n = part.split(":")
        seconds[int(s)] = seconds.get(int(s), 0) + int(n)
admitted = total - refused
burst = max(1, rpm * burst_s // 60)
allowed = rpm / 60 * dur + burst
print(f"offered {total} requests in {dur} s ({total/dur:.0f}/s) against {rpm}/min with a burst of {burst}")
print(f"admitted {admitted}, allowed {allowed:.0f}: {admitted/allowed*100:.2f} % of limit x time + burst (target 99-100 %)")
if calls:
    print(f"Redis admission calls (admit + lease): {calls:.0f}, {calls/total:.4f} per admission decided, {calls/max(1, admitted):.3f} per admitted")
ok = admitted <= allowed + 1
if budget:
    print(f"budget {budget} micro-units a day: spent {spent} ({spent/budget*100:.2f} %), {spent/max(1, admitted):.1f} a request"
          f" ({'ok' if spent <= budget else 'OVERSPENT'})")
    ok = ok and spent <= budget
if seconds:
    lo, hi = min(seconds), max(seconds)
    series = [seconds.get(s, 0) for s in range(lo, hi + 1)]
    for w in (1, 5, 10, 30):
        if w > len(series):
            continue
        worst = max(sum(series[i:i + w]) for i in range(len(series) - w + 1))
        bound = rpm / 60 * (w + 1) + burst
        flag = "ok" if worst <= bound else "ABOVE"
        ok = ok and worst <= bound
        print(f"sliding {w:>2} s windows: at most {worst} admitted, bound {bound:.0f} ({flag})")
sys.exit(0 if ok else 1)
PY
