#!/usr/bin/env bash
# bench/admission/noisy.sh — fair sharing of a pool's seats under a noisy neighbour (issue 5).
# One Warden in front of the sim; the pool has SEATS seats and every request holds one for the
# sim's SERVICE_MS (X-Sim-Fault: delay), so its capacity is SEATS / SERVICE_MS requests a second.
# Open-loop load (dev.warden.bench.OpenLoad: a slow answer does not slow the sender down):
#   1. tenant A alone at 30 % of capacity                       -> A's solo goodput and p99
#   2. A at 30 % while tenant B offers 10 x capacity (equal weights)
#      targets: A keeps >= 99 % of its solo goodput, p99 <= 1.2 x solo p99 + one service time;
#               B gets >= 95 % of what is left (of the capacity measured: seats / A's solo p50)
#   3. three tenants with weights 1 : 2 : 3, each offering 5 x capacity -> shares 1/6, 2/6, 3/6 (+-5 %)
# Knobs (env): SEATS (8), SERVICE_MS (100), DURATION (20 s per phase)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SEATS=${SEATS:-8}; SERVICE_MS=${SERVICE_MS:-100}; DURATION=${DURATION:-20}
P_SIM=18381; P_DATA=18390; P_ADMIN=18391
W=$(mktemp -d /tmp/warden-noisy.XXXXXX)
BENCH_WORK=$W
# shellcheck source=../lib/warden.sh
source "$ROOT/bench/lib/warden.sh"
(cd "$ROOT" && mvn -B -q -Dstyle.color=never test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt \
  -Dmdep.includeScope=test >/dev/null)
CP="$ROOT/target/test-classes:$ROOT/target/classes:$(cat "$ROOT/target/test-classpath.txt")"
start_sim $P_SIM "$W/sim.log"
KA=$(new_key "$W/keys"); KB=$(new_key "$W/keys"); KC=$(new_key "$W/keys"); KD=$(new_key "$W/keys")
cat > "$W/w.yaml" <<YAML
listeners: { data: { host: 127.0.0.1, port: $P_DATA }, admin: { host: 127.0.0.1, port: $P_ADMIN } }
dataDir: $W/data
telemetry: { accessLog: false }
pools:
  sim:
    capacity: { seats: $SEATS, seatUnits: 1000000, maxQueuePerTenant: 5000, queueTimeoutMs: 120000, batchSharePercent: 10 }
    upstreams: [ { url: "http://127.0.0.1:$P_SIM", region: eu } ]
models: { gpt-sim: { pool: sim, price: { inputPer1k: 500, outputPer1k: 1500 } } }
tiers:
  w1: { description: weight 1, limits: { weight: 1 } }
  w2: { description: weight 2, limits: { weight: 2 } }
  w3: { description: weight 3, limits: { weight: 3 } }
tenants:
  a: { tier: w1, regions: [eu], models: [gpt-sim], keys: [ { key: "$KA" } ] }
  b: { tier: w1, regions: [eu], models: [gpt-sim], keys: [ { key: "$KB" } ] }
  c: { tier: w2, regions: [eu], models: [gpt-sim], keys: [ { key: "$KC" } ] }
  d: { tier: w3, regions: [eu], models: [gpt-sim], keys: [ { key: "$KD" } ] }
YAML
serve "$W/w.yaml" "$W/warden.log"
until curl -sf -o /dev/null "http://127.0.0.1:$P_ADMIN/readyz"; do sleep 0.05; kill -0 $WARDEN_PID || { cat "$W/warden.log"; exit 1; }; done
URL="http://127.0.0.1:$P_DATA/v1/chat/completions"
CAPACITY=$(python3 -c "print($SEATS * 1000 / $SERVICE_MS)")
load() { # load KEY RATE MAX_IN_FLIGHT -> RESULT line
  "$JAVA_BIN" -cp "$CP" dev.warden.bench.OpenLoad "$URL" "$1" "$2" "$DURATION" "$3" "X-Sim-Fault:delay=$SERVICE_MS" 2>/dev/null | grep '^RESULT'
}
A_RATE=$(python3 -c "print($CAPACITY * 0.3)")
echo "pool: $SEATS seats x ${SERVICE_MS} ms = $CAPACITY req/s; A offers $A_RATE req/s (30 %)"
load "$KA" 20 16 >/dev/null # warm-up (JIT)
SOLO=$(load "$KA" "$A_RATE" 200); echo "1. A alone:        $SOLO"
load "$KB" "$(python3 -c "print($CAPACITY * 10)")" 1000 > "$W/b.out" &
BL=$!
WITH=$(load "$KA" "$A_RATE" 200); wait $BL
echo "2. A beside B:     $WITH"; echo "   B (10 x):       $(cat "$W/b.out")"
load "$KB" "$(python3 -c "print($CAPACITY * 5)")" 400 > "$W/w1.out" &
P1=$!
load "$KC" "$(python3 -c "print($CAPACITY * 5)")" 400 > "$W/w2.out" &
P2=$!
load "$KD" "$(python3 -c "print($CAPACITY * 5)")" 400 > "$W/w3.out" &
P3=$!
wait $P1 $P2 $P3
echo "3. weight 1:       $(cat "$W/w1.out")"; echo "   weight 2:       $(cat "$W/w2.out")"; echo "   weight 3:       $(cat "$W/w3.out")"
python3 - "$SEATS" "$SERVICE_MS" "$SOLO" "$WITH" "$(cat "$W/b.out")" "$(cat "$W/w1.out")" "$(cat "$W/w2.out")" "$(cat "$W/w3.out")" <<'PY'
import sys
seats, service = float(sys.argv[1]), float(sys.argv[2])
def f(line):
    return dict(kv.split("=") for kv in line.split()[1:])
solo, with_b, b, w1, w2, w3 = (f(x) for x in sys.argv[3:9])
# the real service time is what A measured alone (the sim's delay plus the trip through Warden):
# the pool's capacity is its seats over that, a little under seats / SERVICE_MS
cap = seats * 1000 / float(solo["p50_ms"])
print(f"measured capacity {cap:.1f} req/s (seats / A's solo p50 of {solo['p50_ms']} ms)")
ok = True
keep = float(with_b["goodput"]) / float(solo["goodput"])
p99_bound = 1.2 * float(solo["p99_ms"]) + service
left = cap - float(with_b["goodput"])
b_share = float(b["goodput"]) / left
print(f"A keeps {keep*100:.1f} % of its solo goodput (target >= 99 %)")
print(f"A p99 {with_b['p99_ms']} ms beside B, solo {solo['p99_ms']} ms: bound {p99_bound:.1f} ms")
print(f"B gets {b_share*100:.1f} % of what A leaves ({left:.1f} req/s; target >= 95 %)")
ok = keep >= 0.99 and float(with_b["p99_ms"]) <= p99_bound and b_share >= 0.95
total = sum(float(x["goodput"]) for x in (w1, w2, w3))
for w, x in ((1, w1), (2, w2), (3, w3)):
    share = float(x["goodput"]) / total
    want = w / 6
    dev = (share - want) / want
    print(f"weight {w}: {share*100:.1f} % of the goodput (expected {want*100:.1f} %, {dev*100:+.1f} % off; target +-5 %)")
    ok = ok and abs(dev) <= 0.05
sys.exit(0 if ok else 1)
PY
