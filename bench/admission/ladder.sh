#!/usr/bin/env bash
# bench/admission/ladder.sh — the CPU a proxied request costs the whole machine, one layer at a time,
# in one run on one sim: nginx, the bare Vert.x proxy (no pipeline), Warden without limits, Warden
# with every limit on the local store, and with the redis store. The sim, then each JVM row, first
# runs WARMUP s at full load; then the CPU of every process taking part (the proxy, Redis, the sim,
# wrk itself) over 14 s of wrk -t2 -c64, per request: on two shared cores the throughput is about
# 2 cores / that sum, so the table says which layer a ratio to nginx is lost in.
# Knobs (env): ROWS (default "nginx vertx-bare warden-none warden-local warden-redis"),
#              WARMUP (seconds of full load before measuring, for the sim and each JVM row, default 40), OUT (results dir)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ROWS=${ROWS:-"nginx vertx-bare warden-none warden-local warden-redis"}
WARMUP=${WARMUP:-40}
OUT=${OUT:-$ROOT/bench/results/ladder-$(date +%Y%m%d-%H%M%S)}
LIMITS="{ requestsPerMinute: 100000000, tokensPerMinute: 100000000000, perKey: { requestsPerMinute: 100000000, tokensPerMinute: 100000000000 }, concurrency: 100000 }"
P_SIM=18381; P_NGINX=18382; P_BARE=18383; P_DATA=18390; P_ADMIN=18391
for t in wrk nginx; do
  command -v $t >/dev/null || { echo "installing wrk and nginx-light (Debian)"; apt-get install -y -qq wrk nginx-light >/dev/null; break; }
done
mkdir -p "$OUT"
W=$(mktemp -d /tmp/warden-ladder.XXXXXX)
BENCH_WORK=$W
# shellcheck source=../lib/warden.sh
source "$ROOT/bench/lib/warden.sh"
start_sim $P_SIM "$OUT/sim.log"
SIM=$SIM_PID
until curl -sf -o /dev/null "http://127.0.0.1:$P_SIM/v1/models"; do sleep 0.05; done
RP=$(pgrep -x redis-server | head -1 || true)
# the sim is a JVM too: warm it up first, or the first row pays for its JIT
wrk -t2 -c64 -d"${WARMUP}"s -s "$ROOT/bench/lib/chat.lua" "http://127.0.0.1:$P_SIM/v1/chat/completions" > /dev/null

# CPU ticks of a process and its children that are alive (nginx's workers)
tree_ticks() {
  local sum; sum=$(cpu_ticks "$1")
  for c in $(pgrep -P "$1" || true); do sum=$(( sum + $(cpu_ticks "$c") )); done
  echo "$sum"
}

# measure ROW URL PID [KEY]: warm-up (JVM rows), then 15 s of load, CPU of each process over 14 s of it
measure() {
  local row=$1 url=$2 pid=$3 key=${4:-none}
  [ "$row" != nginx ] && BENCH_KEY=$key wrk -t2 -c64 -d"${WARMUP}"s -s "$ROOT/bench/lib/chat.lua" "$url" > /dev/null
  BENCH_KEY=$key wrk -t2 -c64 -d15s -s "$ROOT/bench/lib/chat.lua" "$url" > "$OUT/$row.wrk" &
  local wrk=$!
  sleep 0.5
  local p1 s1 r1 k1 p2 s2 r2 k2
  p1=$(tree_ticks "$pid"); s1=$(cpu_ticks "$SIM"); r1=$([ -n "$RP" ] && cpu_ticks "$RP" || echo 0); k1=$(cpu_ticks $wrk)
  sleep 14
  p2=$(tree_ticks "$pid"); s2=$(cpu_ticks "$SIM"); r2=$([ -n "$RP" ] && cpu_ticks "$RP" || echo 0); k2=$(cpu_ticks $wrk)
  wait $wrk
  echo "$row $(grep -o 'rps=[0-9.]*' "$OUT/$row.wrk" | cut -d= -f2) $((p2 - p1)) $((r2 - r1)) $((s2 - s1)) $((k2 - k1))" >> "$OUT/ladder.txt"
  tail -1 "$OUT/ladder.txt"
}

for row in $ROWS; do
  case $row in
    nginx)
      start_nginx $P_NGINX $P_SIM "$W/nginx" "$OUT/nginx.log"
      measure nginx "http://127.0.0.1:$P_NGINX/v1/chat/completions" $NGINX_PID
      kill $NGINX_PID; wait $NGINX_PID 2>/dev/null || true;;
    vertx-bare)
      start_bare $P_BARE $P_SIM "$OUT/bare.log"
      measure vertx-bare "http://127.0.0.1:$P_BARE/v1/chat/completions" $BARE_PID
      kill $BARE_PID; wait $BARE_PID 2>/dev/null || true;;
    warden-none|warden-local|warden-redis)
      limits=$LIMITS; extra=""
      [ $row = warden-none ] && limits="{}"
      [ $row = warden-redis ] && extra="limiter: { store: redis, namespace: ladder$RANDOM$RANDOM }"
      KEY=$(new_key "$W/data-$row")
      one_tenant_config "$W/$row.yaml" $P_DATA $P_ADMIN $P_SIM "$W/data-$row" bench "$KEY" "$limits" "$extra"
      serve "$W/$row.yaml" "$OUT/$row.log"
      wait_ready $P_ADMIN "$OUT/$row.log"
      measure $row "http://127.0.0.1:$P_DATA/v1/chat/completions" $WARDEN_PID "$KEY"
      kill $WARDEN_PID; wait $WARDEN_PID 2>/dev/null || true;;
    *) echo "unknown row $row"; exit 1;;
  esac
done

python3 - "$OUT/ladder.txt" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
base = next((float(r[1]) for r in rows if r[0] == "nginx"), None)
print("| row | req/s | vs nginx | proxy us/req | Redis us/req | sim us/req | wrk us/req | machine us/req |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for row, rps, p, r, s, k in rows:
    rps = float(rps)
    per = [int(x) / 100 / 14 / rps * 1e6 for x in (p, r, s, k)]
    ratio = f"{rps / base:.2f}" if base else "-"
    print(f"| {row} | {rps:,.0f} | {ratio} | {per[0]:.1f} | {per[1]:.1f} | {per[2]:.1f} | {per[3]:.1f} | {sum(per):.1f} |")
PY
echo "results in $OUT"
