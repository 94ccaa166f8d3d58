#!/usr/bin/env bash
# bench/admission/compute.sh — compute-aware admission (issue 19): two tenants on the same tier,
# the same computeUnitsPerMinute, the same request; tenant L calls a model of computeWeight 1,
# tenant H one of computeWeight WEIGHT. Both offer far more than the limit (wrk, closed loop) for
# DURATION seconds; each tenant's admitted requests a second (2xx) are counted.
# Target: L's admitted rate / H's = WEIGHT (+-5 %). The request's real tokens settle, so the rate
# is what the real usage x weight allows, for both alike.
# Knobs (env): WEIGHT (4), LIMIT (compute units a minute, 600000), DURATION (30 s)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WEIGHT=${WEIGHT:-4}; LIMIT=${LIMIT:-600000}; DURATION=${DURATION:-30}
P_SIM=18481; P_DATA=18490; P_ADMIN=18491
W=$(mktemp -d /tmp/warden-compute.XXXXXX)
BENCH_WORK=$W
# shellcheck source=../lib/warden.sh
source "$ROOT/bench/lib/warden.sh"
command -v wrk >/dev/null || { echo "installing wrk (Debian)"; apt-get install -y -qq wrk >/dev/null; }
start_sim $P_SIM "$W/sim.log"
KL=$(new_key "$W/keys"); KH=$(new_key "$W/keys")
cat > "$W/w.yaml" <<YAML
listeners: { data: { host: 127.0.0.1, port: $P_DATA }, admin: { host: 127.0.0.1, port: $P_ADMIN } }
dataDir: $W/data
telemetry: { accessLog: false }
pools: { sim: { upstreams: [ { url: "http://127.0.0.1:$P_SIM", region: eu } ] } }
models:
  light: { pool: sim, upstreamName: gpt-sim }
  heavy: { pool: sim, upstreamName: gpt-sim, computeWeight: $WEIGHT }
tiers:
  t: { description: bench, limits: { computeUnitsPerMinute: $LIMIT, burstSeconds: 1 } }
tenants:
  l: { tier: t, regions: [eu], models: [light], keys: [ { key: "$KL" } ] }
  h: { tier: t, regions: [eu], models: [heavy], keys: [ { key: "$KH" } ] }
YAML
serve "$W/w.yaml" "$W/warden.log"
wait_ready $P_ADMIN "$W/warden.log"
URL="http://127.0.0.1:$P_DATA/v1/chat/completions"
BENCH_KEY=$KL BENCH_MODEL=light wrk -t1 -c8 -d10s -s "$ROOT/bench/lib/chat.lua" "$URL" >/dev/null # warm-up (JIT)
sleep 2 # the buckets refill
BENCH_KEY=$KL BENCH_MODEL=light wrk -t1 -c16 -d${DURATION}s -s "$ROOT/bench/lib/chat.lua" "$URL" | grep RESULT > "$W/l.out" &
L=$!
BENCH_KEY=$KH BENCH_MODEL=heavy wrk -t1 -c16 -d${DURATION}s -s "$ROOT/bench/lib/chat.lua" "$URL" | grep RESULT > "$W/h.out" &
H=$!
wait $L $H
echo "light (weight 1):       $(cat "$W/l.out")"
echo "heavy (weight $WEIGHT):       $(cat "$W/h.out")"
python3 - "$WEIGHT" "$DURATION" "$(cat "$W/l.out")" "$(cat "$W/h.out")" <<'PY'
import sys
weight, duration = float(sys.argv[1]), float(sys.argv[2])
def admitted(line):
    f = dict(kv.split("=") for kv in line.split()[1:])
    return (int(f["requests"]) - int(f["err_status"])) / duration, int(f["err_status"]) / duration
(la, lr), (ha, hr) = admitted(sys.argv[3]), admitted(sys.argv[4])
ratio = la / ha if ha else float("inf")
print(f"admitted a second: light {la:.1f} (refused {lr:.0f}/s), heavy {ha:.1f} (refused {hr:.0f}/s)")
ok = abs(ratio / weight - 1) <= 0.05
print(f"light / heavy = {ratio:.2f} (target {weight:.0f} +-5 %): {'PASS' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
PY
