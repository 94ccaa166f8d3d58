#!/usr/bin/env bash
# bench/admission/accuracy.sh — how exactly admission holds a rate limit under load above it.
# One Warden (local limiter store) in front of the sim, one tenant whose tier allows RPM requests a
# minute with a burst of BURST_SECONDS; wrk offers far more than that for DURATION seconds. The
# admitted count (2xx) must lie within [99 %, 100 %] of RPM/60 x DURATION + burst: never above
# (the limit holds), hardly below (the limiter does not refuse what it should admit).
# Knobs (env): RPM (6000), BURST_SECONDS (10), DURATION (60), CONNS (32), THREADS (2)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RPM=${RPM:-6000}; BURST_SECONDS=${BURST_SECONDS:-10}; DURATION=${DURATION:-60}; CONNS=${CONNS:-32}; THREADS=${THREADS:-2}
WORK=$(mktemp -d /tmp/warden-accuracy.XXXXXX)
P_SIM=18181; P_WARDEN=18190; P_ADMIN=18191
command -v wrk >/dev/null || { echo "installing wrk (Debian)"; apt-get install -y -qq wrk >/dev/null; }
"$ROOT/warden" build >/dev/null
# shellcheck source=../../scripts/find-java.sh
source "$ROOT/scripts/find-java.sh"
JAVA_BIN=$(find_java) || { echo "no JDK 21+ found"; exit 1; }
JAR=$ROOT/target/warden.jar
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

"$JAVA_BIN" $(default_java_opts "$JAVA_BIN") -jar "$JAR" sim --port $P_SIM --region eu --instances 2 > "$WORK/sim.log" 2>&1 &
PIDS+=($!)
KEY=$("$JAVA_BIN" -cp "$JAR" dev.warden.Warden keys new --data-dir "$WORK/data" | sed -n '2p' | tr -d ' ')
cat > "$WORK/warden.yaml" <<YAML
listeners:
  data:  { host: 127.0.0.1, port: $P_WARDEN }
  admin: { host: 127.0.0.1, port: $P_ADMIN }
dataDir: $WORK/data
telemetry: { accessLog: false }
pools:
  sim: { upstreams: [ { url: "http://127.0.0.1:$P_SIM", region: eu } ] }
models:
  gpt-sim: { pool: sim, price: { inputPer1k: 500, outputPer1k: 1500 } }
tiers:
  limited: { description: accuracy, limits: { requestsPerMinute: $RPM, burstSeconds: $BURST_SECONDS } }
tenants:
  bench: { tier: limited, regions: [eu], models: [gpt-sim], keys: [ { key: "$KEY" } ] }
YAML
"$JAVA_BIN" $(default_java_opts "$JAVA_BIN") -jar "$JAR" serve --config "$WORK/warden.yaml" > "$WORK/warden.log" 2>&1 &
WPID=$!; PIDS+=($WPID)
until curl -sf -o /dev/null "http://127.0.0.1:$P_ADMIN/readyz"; do sleep 0.05; kill -0 $WPID || { cat "$WORK/warden.log"; exit 1; }; done
until curl -sf -o /dev/null "http://127.0.0.1:$P_SIM/v1/models"; do sleep 0.05; done

# the bucket starts full: wrk's first requests take the burst, then the rate
RES=$(BENCH_KEY=$KEY timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 10s \
  -s "$ROOT/bench/lib/chat.lua" "http://127.0.0.1:$P_WARDEN/v1/chat/completions" 2>&1 | grep '^RESULT')
field() { sed -n "s/.*[ ]$1=\([0-9.]*\).*/\1/p" <<<"$RES"; }
TOTAL=$(field requests); REFUSED=$(field err_status)
ADMITTED=$((TOTAL - REFUSED))
python3 - "$RPM" "$BURST_SECONDS" "$DURATION" "$TOTAL" "$ADMITTED" <<'PY'
import sys
rpm, burst_s, dur, total, admitted = (int(x) for x in sys.argv[1:])
burst = max(1, rpm * burst_s // 60)
allowed = rpm / 60 * dur + burst
print(f"offered {total} requests in {dur} s ({total/dur:.0f}/s) against {rpm}/min with a burst of {burst}")
print(f"admitted {admitted}, allowed {allowed:.0f}: {admitted/allowed*100:.2f} % of limit x time + burst (target 99-100 %)")
sys.exit(0 if admitted <= allowed + 1 else 1)
PY
